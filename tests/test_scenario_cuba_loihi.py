"""Scenario cuba_loihi: the CUBA network on Loihi, barrier-stepped and event-driven, on a small
configuration (400 neurons, 50 steps of 0.1 ms) run once for the whole module."""
import csv
import json
import math
from collections import defaultdict

import numpy as np
import pytest

from eventsim.errors import ConfigError
from scenarios import load, run_scenario
from scenarios import cuba_loihi
from scenarios.run_data import load_run_data

SMALL = ["n_neurons=400", "steps=50", "trace_steps=3"]
STEPS, DT_S = 50, 1e-4
LOIHI_CORES = 128
BARRIER_S = 465e-9            # Loihi preset: barrier 465 cycles at the nominal 1 GHz
BARRIER_PJ = 10.0             # Loihi preset: barrier energy per core and step


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cuba_loihi")
    return run_scenario("cuba_loihi", SMALL, seed=3, out=out, trace=True)


@pytest.fixture(scope="module")
def ledger_rows(small_run):
    _, run_dir = small_run
    with open(run_dir / "ledger.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_both_semantics_give_the_same_spikes_at_different_hardware_times(small_run):
    result, run_dir = small_run
    assert result["spikes_identical"] is True
    data = load_run_data(run_dir)
    b, e = data["barrier"], data["event"]
    assert b["spike_neuron"].size > 0
    order_b = np.lexsort((b["spike_neuron"], b["spike_population"], b["spike_time_ps"]))
    order_e = np.lexsort((e["spike_neuron"], e["spike_population"], e["spike_time_ps"]))
    np.testing.assert_array_equal(b["spike_neuron"][order_b], e["spike_neuron"][order_e])
    np.testing.assert_array_equal(b["spike_population"][order_b],
                                  e["spike_population"][order_e])
    assert result["barrier"]["spikes"] == result["event"]["spikes"] == b["spike_neuron"].size
    assert not np.array_equal(b["spike_time_ps"][order_b], e["spike_time_ps"][order_e])
    assert result["barrier"]["duration_s"] != result["event"]["duration_s"]
    assert result["barrier"]["late_packets"] == result["event"]["late_packets"] == 0


def test_an_event_run_takes_steps_of_dt_and_a_barrier_run_steps_of_work_plus_barrier(small_run):
    result, run_dir = small_run
    data = load_run_data(run_dir)
    # event: step k starts at k x dt, so the run lasts 50 x 0.1 ms = 5 ms
    assert int(data["event"]["duration_ps"][0]) == 5_000_000_000
    assert result["event"]["step_period_s"] == pytest.approx(DT_S, rel=1e-12)
    assert result["event"]["barrier_time_share"] == 0.0
    # unthrottled barrier: each step lasts its work + 465 ns, and the steps fill the run
    lat = data["barrier"]["latency_s"]
    assert lat.shape == (STEPS,) and lat.min() > BARRIER_S
    assert math.fsum(lat) == pytest.approx(int(data["barrier"]["duration_ps"][0]) * 1e-12,
                                           rel=1e-12)
    assert result["barrier"]["barrier_time_share"] == pytest.approx(
        STEPS * BARRIER_S / result["barrier"]["duration_s"], rel=1e-12)
    assert data["event"]["latency_s"].shape == (STEPS,)
    assert result["event"]["step_time_s"]["median"] < result["barrier"]["step_time_s"]["median"]


def test_every_core_pays_one_barrier_per_step_and_the_event_run_none(ledger_rows):
    barrier = [r for r in ledger_rows if r["action"] == "barrier"]
    by_run = defaultdict(lambda: [0, 0.0])
    for r in barrier:
        by_run[r["run"]][0] += int(r["count"])
        by_run[r["run"]][1] += float(r["energy_pj"])
    assert by_run["barrier"][0] == LOIHI_CORES * STEPS
    assert by_run["barrier"][1] == pytest.approx(LOIHI_CORES * STEPS * BARRIER_PJ, rel=1e-12)
    assert by_run["event"][0] == 0


def test_every_cuba_neuron_is_updated_every_step_under_both_semantics(small_run):
    result, _ = small_run
    # CUBA's rest potential lies above threshold: no neuron is ever quiescent
    for name in ("barrier", "event"):
        assert result[name]["neuron_updates"] == 400 * STEPS


def test_the_ledger_total_of_each_run_is_the_sum_of_its_breakdown(small_run, ledger_rows):
    result, _ = small_run
    totals = defaultdict(float)
    for r in ledger_rows:
        totals[r["run"]] += float(r["energy_pj"])
    assert set(totals) == {"barrier", "event"}
    for name in ("barrier", "event"):
        parts = result[name]["energy_breakdown_j"]
        assert math.fsum(parts.values()) * 1e12 == pytest.approx(totals[name], rel=1e-9)
        assert result[name]["energy_j"] * 1e12 == pytest.approx(totals[name], rel=1e-9)
        assert result[name]["energy_per_step_j"] == pytest.approx(
            result[name]["energy_j"] / STEPS, rel=1e-12)
        assert result[name]["energy_per_synaptic_event_j"] == pytest.approx(
            result[name]["energy_j"] / result[name]["synaptic_events"], rel=1e-12)


def test_result_json_holds_the_figures_and_the_files(small_run):
    result, run_dir = small_run
    doc = json.loads((run_dir / "result.json").read_text())
    per_run = {"step_time_s", "step_period_s", "duration_s", "energy_j", "energy_per_step_j",
               "dynamic_energy_per_step_j", "energy_per_synaptic_event_j",
               "energy_breakdown_j", "power_w", "cores_used", "barrier_time_share",
               "barrier_energy_share", "late_packets", "synaptic_events", "spikes",
               "firing_rate_hz"}
    for name in ("barrier", "event"):
        assert per_run <= set(doc[name])
        assert set(doc[name]["step_time_s"]) >= {"median", "p99"}
        assert set(doc[name]["energy_breakdown_j"]) == {"compute", "noc", "memory",
                                                        "host_link", "static"}
    assert {"spikes_identical", "ratios", "n_neurons", "synapses"} <= set(doc)
    assert doc["ratios"]["duration_s"] == pytest.approx(
        doc["event"]["duration_s"] / doc["barrier"]["duration_s"])
    assert doc["barrier"]["firing_rate_hz"] == pytest.approx(
        doc["barrier"]["spikes"] / (400 * STEPS * DT_S))
    assert {"ledger.csv", "run_data.npz", "report.md", "trace.json"} <= set(doc["files"])
    assert "Spikes identical between the two semantics: True" in (run_dir / "report.md").read_text()
    assert "barrier" in cuba_loihi.table(result) and "event" in cuba_loihi.table(result)


def test_the_trace_holds_both_runs_as_processes(small_run):
    _, run_dir = small_run
    doc = json.loads((run_dir / "trace.json").read_text())
    names = {e["args"]["name"] for e in doc["traceEvents"] if e.get("name") == "process_name"}
    assert names == {"barrier chip0", "event chip0"}
    assert any(e.get("ph") == "X" and e["name"] == "barrier" for e in doc["traceEvents"])


def test_a_throttled_barrier_run_takes_the_minimum_step(tmp_path):
    """step_us = 100: the work of a 400-neuron step is far below 100 us, so every step lasts
    exactly 100 us and the barrier takes 50 x 465 ns of the 5 ms."""
    config = load("cuba_loihi").resolve(SMALL + ["step_us=100.0"])
    result = cuba_loihi.run(config, 3, tmp_path, False)
    assert result["barrier"]["duration_s"] == pytest.approx(STEPS * 100e-6, rel=1e-12)
    assert result["barrier"]["barrier_time_share"] == pytest.approx(
        STEPS * BARRIER_S / (STEPS * 100e-6), rel=1e-12)
    assert result["spikes_identical"] is True


@pytest.mark.parametrize("item, key", [
    ("n_neurons=2", "n_neurons"), ("p_connect=0.0", "p_connect"), ("p_connect=1.5", "p_connect"),
    ("steps=0", "steps"), ("dt_ms=0.0", "dt_ms"), ("step_us=-1.0", "step_us"),
    ("noc=wires", "noc"), ("placement=random", "placement"), ("trace_steps=0", "trace_steps"),
])
def test_bad_config_values_are_refused_naming_the_key(item, key):
    value = item.split("=", 1)[1]
    with pytest.raises(ConfigError, match=rf"^{key} must .*{value}"):
        load("cuba_loihi").resolve([item])
