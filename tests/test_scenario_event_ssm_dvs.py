"""The synthetic DVS generator (networks.inputs_dvs) against counts and times derived by hand,
and scenario event_ssm_dvs (SSM stack on SpiNNaker2 and Loihi) on a small configuration run
once for the module."""
import csv
import json
import math
from collections import defaultdict

import numpy as np
import pytest

from eventsim.errors import ConfigError
from networks.inputs_dvs import (OFF, ON, dvs_inputs, edge_position_px, moving_bar,
                                 pooled_channels, pooled_shape)
from scenarios import event_ssm_dvs, load, run_scenario
from scenarios.run_data import load_run_data
from scenarios.rundir import read_ledger_csv

MS = 10 ** 9                                   # picoseconds per millisecond


# --------------------------------------------------------------------------- the generator

def test_a_tiny_sensor_gives_the_edge_events_counted_by_hand():
    """4 x 2 pixels, bar 2 px at 1 px/ms: one sweep is 4 + 2 = 6 ms. Column x turns ON at
    x and 6 + x ms, OFF at x + 2 and x + 8 ms. Within 10 ms: ON 2 per column (x + 6 < 10 for
    x <= 3), OFF 2 for x = 0, 1 and 1 for x = 2, 3; times 2 rows: 16 ON, 12 OFF."""
    ev = moving_bar(4, 2, 1.0, 2, 0.010)
    assert (len(ev), ev.n_on, ev.n_off) == (28, 16, 12)
    on = ev.polarity == ON
    on_times = sorted(set(zip(ev.x[on].tolist(), (ev.t_ps[on] // MS).tolist())))
    assert on_times == [(0, 0), (0, 6), (1, 1), (1, 7), (2, 2), (2, 8), (3, 3), (3, 9)]
    off_times = sorted(set(zip(ev.x[~on].tolist(), (ev.t_ps[~on] // MS).tolist())))
    assert off_times == [(0, 2), (0, 8), (1, 3), (1, 9), (2, 4), (3, 5)]
    assert np.all(ev.t_ps % MS == 0)                          # no jitter: whole milliseconds
    assert sorted(np.bincount(ev.y).tolist()) == [14, 14]     # every row sees the same edges


def test_events_are_sorted_by_time_and_inside_the_sensor_and_duration():
    ev = moving_bar(16, 8, 3.0, 3, 0.02, refractory_s=2e-4, noise_hz=200.0, jitter_s=1e-4,
                    seed=5)
    assert np.all(np.diff(ev.t_ps) >= 0)
    assert ev.t_ps.min() >= 0 and ev.t_ps.max() < 20 * MS
    assert ev.x.min() >= 0 and ev.x.max() < 16 and ev.y.min() >= 0 and ev.y.max() < 8
    assert set(np.unique(ev.polarity).tolist()) == {OFF, ON}


def test_the_edges_are_where_the_bar_is():
    """Without jitter an ON event of column x happens when the leading edge is at x, an OFF
    event when the trailing edge (bar_width behind) is; with jitter j, at most v j later."""
    w, b, v = 20, 5, 2.5
    ev = moving_bar(w, 3, v, b, 0.03)
    def behind(events):
        """How far (px) the leading (ON) or trailing (OFF) edge is past each event's column,
        wrapped into [-sweep / 2, sweep / 2)."""
        pos = edge_position_px(events.t_ps * 1e-12, v, b, w)
        d = pos - events.x - np.where(events.polarity == ON, 0, b)
        return (d + (w + b) / 2) % (w + b) - (w + b) / 2

    assert ev.n_on > 0 and ev.n_off > 0
    np.testing.assert_allclose(behind(ev), 0.0, atol=1e-6)
    lag = behind(moving_bar(w, 3, v, b, 0.03, jitter_s=2e-4, seed=1))
    assert lag.min() > -1e-6 and 0 < lag.max() < v * 1e3 * 2e-4
    assert edge_position_px(0.0, v, b, w) == 0.0
    assert edge_position_px((w + b) / (v * 1e3), v, b, w) == pytest.approx(0.0, abs=1e-9)


def test_the_refractory_period_drops_events_too_soon_after_the_last_kept_one():
    """4 x 1 pixels, bar 1 px at 1 px/ms, sweep 5 ms, 10 ms: ON at x and x + 5, OFF at x + 1
    and x + 6 ms (x + 6 < 10 for x <= 3): 8 ON, 8 OFF. A refractory period of 1.5 ms drops
    every OFF (1 ms after an ON) and keeps every ON (5 ms after the previous kept ON); one of
    exactly 1 ms keeps them all."""
    ev = moving_bar(4, 1, 1.0, 1, 0.010)
    assert (ev.n_on, ev.n_off) == (8, 8)
    ev = moving_bar(4, 1, 1.0, 1, 0.010, refractory_s=1.5e-3)
    assert (ev.n_on, ev.n_off) == (8, 0)
    ev = moving_bar(4, 1, 1.0, 1, 0.010, refractory_s=1e-3)
    assert (ev.n_on, ev.n_off) == (8, 8)


def test_an_event_exactly_one_refractory_period_after_the_last_kept_one_is_kept():
    """1 pixel, bar 1 px at 2 px/ms: a sweep of 1 + 1 px takes 1 ms, ON at 0, 1, ..., 9 ms,
    OFF at 0.5, 1.5, ..., 9.5 ms. With a 1 ms refractory period every OFF (0.5 ms after a kept
    ON) is dropped and every ON (1 ms after the previous kept ON) kept."""
    ev = moving_bar(1, 1, 2.0, 1, 0.010, refractory_s=1e-3)
    assert (ev.n_on, ev.n_off) == (10, 0)
    np.testing.assert_array_equal(ev.t_ps, np.arange(10) * MS)


def test_background_noise_has_the_requested_rate():
    """64 x 64 pixels at 50 Hz for 1 s: 204800 noise events expected (Poisson, sd ~ 453) on
    top of the edge events: per row, one sweep of 64 + 64 px at 1 px/ms takes 128 ms, so in
    1 s there are 7 full sweeps + 104 ms: ON 7 x 64 + 64, OFF 7 x 64 + 40."""
    edges = 64 * ((7 * 64 + 64) + (7 * 64 + 40))
    assert len(moving_bar(64, 64, 1.0, 64, 1.0)) == edges
    noisy = moving_bar(64, 64, 1.0, 64, 1.0, noise_hz=50.0, seed=2)
    assert abs(len(noisy) - edges - 204800) < 5 * math.sqrt(204800)


def test_one_seed_gives_one_stream():
    kw = dict(refractory_s=5e-4, noise_hz=100.0, jitter_s=1e-4)
    a = moving_bar(16, 16, 2.0, 4, 0.05, seed=7, **kw)
    b = moving_bar(16, 16, 2.0, 4, 0.05, seed=7, **kw)
    c = moving_bar(16, 16, 2.0, 4, 0.05, seed=8, **kw)
    for f in ("t_ps", "x", "y", "polarity"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert len(a) != len(c) or not np.array_equal(a.t_ps, c.t_ps)


def test_pooling_maps_patch_and_polarity_to_one_channel():
    """6 x 4 pixels in 4-px patches: 2 x 1 patches (the right one partial); channel =
    polarity x 2 + patch row x 2 + patch column."""
    assert pooled_shape(6, 4, 4) == (2, 1)
    assert pooled_shape(128, 128, 4) == (32, 32)
    ev = moving_bar(6, 4, 1.0, 2, 0.008)
    ch = pooled_channels(ev, 4)
    np.testing.assert_array_equal(ch, ev.polarity * 2 + ev.x // 4)
    inputs = dvs_inputs(0, ev, 4)
    np.testing.assert_array_equal(inputs.neurons, ch)
    np.testing.assert_array_equal(inputs.times_ps, ev.t_ps)
    assert np.all(inputs.values == 1.0) and inputs.population == 0


@pytest.mark.parametrize("kwargs, key", [
    (dict(width_px=0), "width_px"), (dict(bar_width_px=1.5), "bar_width_px"),
    (dict(speed_px_per_ms=0.0), "speed_px_per_ms"), (dict(duration_s=-1.0), "duration_s"),
    (dict(noise_hz=-1.0), "noise_hz"), (dict(refractory_s=float("nan")), "refractory_s"),
])
def test_bad_generator_arguments_name_the_argument(kwargs, key):
    args = dict(width_px=8, height_px=8, speed_px_per_ms=1.0, bar_width_px=2, duration_s=0.01)
    args.update(kwargs)
    with pytest.raises(ConfigError, match=rf"^{key} must"):
        moving_bar(**args)


# --------------------------------------------------------------------------- the scenario

SMALL = ["duration_ms=20.0", "sensor.width_px=32", "sensor.height_px=32",
         "sensor.bar_width_px=4", "sensor.noise_hz=20.0", "model.modes=[8, 8]",
         "model.features=8", "trace_steps=2"]
LAYERS = 2
WINDOWS = 20


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("event_ssm_dvs")
    return run_scenario("event_ssm_dvs", SMALL, seed=4, out=out, trace=True)


@pytest.fixture(scope="module")
def config():
    return load("event_ssm_dvs").resolve(SMALL)


def test_the_input_counts_are_those_of_the_generator(small_run, config):
    result, _ = small_run
    ev = event_ssm_dvs.sensor_events(config, 4)
    assert result["input"]["events"] == len(ev) > 0
    assert result["input"]["channels"] == 2 * 8 * 8
    # one relay event per (window, channel) that received events
    pairs = set(zip((ev.t_ps // MS).tolist(), pooled_channels(ev, 4).tolist()))
    assert result["input"]["channel_steps_with_input"] == len(pairs)
    for name in ("spinnaker2", "loihi"):
        assert result[name]["events"]["input"] == len(pairs)
        assert result[name]["steps"] == WINDOWS + 2 * LAYERS


def test_both_machines_run_the_same_network(small_run):
    result, run_dir = small_run
    data = load_run_data(run_dir)
    s, l = data["spinnaker2"], data["loihi"]
    for f in ("spike_neuron", "spike_population"):
        np.testing.assert_array_equal(np.sort(s[f]), np.sort(l[f]))
    assert result["spinnaker2"]["events"] == result["loihi"]["events"]
    assert result["spikes_identical"] is True
    assert result["spinnaker2"]["late_packets"] == result["loihi"]["late_packets"] == 0


def test_a_window_takes_four_steps_of_one_millisecond_plus_work_and_the_link(small_run):
    """Both machines step every 1 ms (tick; minimum barrier step): the window entering at step
    k reaches the second layer's features at step k + 4, so its on-chip latency is 4 ms + that
    step's work (< 1 ms); the link adds its latency (SpiNNaker2 100 us, Loihi 1 ms) + bytes at
    125 MB/s."""
    result, run_dir = small_run
    data = load_run_data(run_dir)
    for name, link_latency_s in (("spinnaker2", 100e-6), ("loihi", 1e-3)):
        r = result[name]
        parts = r["latency_breakdown_s"]
        assert 4e-3 <= parts["on_chip"] < 5e-3
        assert link_latency_s < parts["sensor_link"] < link_latency_s + 1e-4
        assert r["latency_per_window_s"] == pytest.approx(sum(parts.values()), rel=1e-12)
        lat = data[name]["latency_s"]
        assert lat.shape == (r["windows_with_input"],) and r["windows_with_input"] == WINDOWS
        assert r["latency_per_window_s"] == np.sort(lat)[(lat.size - 1) // 2]      # lower median


def test_energy_figures_add_up_and_the_sensor_link_costs_what_its_bytes_do(small_run):
    result, run_dir = small_run
    totals = defaultdict(float)
    with open(run_dir / "ledger.csv", newline="") as f:
        for row in csv.DictReader(f):
            totals[row["run"]] += float(row["energy_pj"])
    n = result["input"]["events"]
    assert set(totals) == {"spinnaker2", "loihi"}
    for name in ("spinnaker2", "loihi"):
        r = result[name]
        assert math.fsum(r["energy_breakdown_j"].values()) * 1e12 == pytest.approx(
            totals[name], rel=1e-9)
        assert r["energy_per_input_event_j"] * n == pytest.approx(r["energy_j"], rel=1e-12)
        assert r["energy_per_sensor_second_j"] == pytest.approx(r["energy_j"] / 0.02, rel=1e-12)
        # 4 bytes per event at 4000 pJ per byte (both presets' host-link estimate)
        assert r["energy_breakdown_j"]["host_link"] == pytest.approx(n * 4 * 4000e-12,
                                                                     rel=1e-12)
    assert result["ratios"]["power_w"] == pytest.approx(
        result["loihi"]["power_w"] / result["spinnaker2"]["power_w"])


def test_activity_sparsity_is_measured_from_the_events(small_run):
    result, run_dir = small_run
    data = load_run_data(run_dir)["spinnaker2"]
    names = data["population_names"].tolist()
    counts = np.bincount(data["spike_population"], minlength=len(names))
    sizes = {"modes1": 8, "features1": 8, "modes2": 8, "features2": 8}
    steps = WINDOWS + 2 * LAYERS
    r = result["spinnaker2"]
    assert set(r["activity_sparsity"]) == set(sizes)
    for pop, size in sizes.items():
        assert r["activity_sparsity"][pop] == pytest.approx(
            1 - counts[names.index(pop)] / (size * steps), rel=1e-12)
    assert r["activity_sparsity_all"] == pytest.approx(
        1 - sum(counts[names.index(p)] for p in sizes) / (32 * steps), rel=1e-12)


def test_result_json_holds_the_figures_and_the_files(small_run):
    result, run_dir = small_run
    doc = json.loads((run_dir / "result.json").read_text())
    per_machine = {"latency_per_window_s", "latency_p99_s", "latency_breakdown_s",
                   "energy_per_input_event_j", "energy_per_sensor_second_j", "power_w",
                   "energy_breakdown_j", "cores_used", "activity_sparsity",
                   "activity_sparsity_all", "events", "synaptic_events", "late_packets"}
    for name in ("spinnaker2", "loihi"):
        assert per_machine <= set(doc[name])
        assert doc[name]["cores_used"] >= 1
    assert {"input", "ratios", "layers", "synapses", "spikes_identical"} <= set(doc)
    assert {"ledger.csv", "run_data.npz", "report.md", "trace.json"} <= set(doc["files"])
    trace = json.loads((run_dir / "trace.json").read_text())
    names = {e["args"]["name"] for e in trace["traceEvents"] if e.get("name") == "process_name"}
    assert names == {"spinnaker2 chip0", "loihi chip0"}
    assert "spinnaker2" in event_ssm_dvs.table(result)
    assert "4 x 4 patches" in (run_dir / "report.md").read_text()


def test_each_machines_ledger_has_its_estimated_share_on_that_machine(small_run):
    result, run_dir = small_run
    share = json.loads((run_dir / "result.json").read_text())["estimated_share"]
    ledgers = read_ledger_csv(run_dir / "ledger.csv")
    assert list(share["runs"]) == ["spinnaker2", "loihi"] and share["note"]
    assert {k: share[k] for k in share["runs"]["spinnaker2"]} == share["runs"]["spinnaker2"]
    for run, rows in ledgers.items():
        s = share["runs"][run]
        total = sum(r["energy_pj"] for r in rows)
        # Every energy and time number of both presets a used row rests on is an estimate but
        # Loihi's hop energies (Davies 2018; its cited action energies are scaled by its
        # estimated dvfs[0].energy_scale): on Loihi the flits' energy rests on no estimate.
        flits = sum(r["energy_pj"] for r in rows if r["action"] == "flit")
        assert s["energy"] == (1.0 if run == "spinnaker2" else
                               pytest.approx(1 - flits / total, rel=1e-12))
        assert s["busy_time"] == 1.0 and (run == "spinnaker2" or 0 < flits < total)
        core_static = sum(r["energy_pj"] for r in rows
                          if ".core" in r["component"] and r["action"] == "static")
        on = dict(zip(s["numbers"], s["numbers_energy"]))
        assert on["core.static_power_w"] == pytest.approx(core_static / total, rel=1e-12)
    # SpiNNaker2's LPDDR4 (memory[0]) leaks; Loihi has no memory
    lpddr4 = sum(r["energy_pj"] for r in ledgers["spinnaker2"] if r["component"] == "chip0.lpddr4")
    spinnaker2 = dict(zip(share["runs"]["spinnaker2"]["numbers"],
                          share["runs"]["spinnaker2"]["numbers_energy"]))
    assert spinnaker2["memory[0].static_power_w"] == pytest.approx(
        lpddr4 / sum(r["energy_pj"] for r in ledgers["spinnaker2"]), rel=1e-12)
    assert not any(p.startswith("memory") for p in share["runs"]["loihi"]["numbers"])
    assert "| spinnaker2 | 100.0 % | 100.0 % |" in (run_dir / "report.md").read_text()


@pytest.mark.parametrize("item, key", [
    ("duration_ms=0.0", "duration_ms"), ("dt_ms=-1.0", "dt_ms"),
    ("sensor.width_px=0", "sensor.width_px"), ("sensor.speed_px_per_ms=0.0",
                                                 "sensor.speed_px_per_ms"),
    ("sensor.noise_hz=-2.0", "sensor.noise_hz"), ("sensor.pool_px=0", "sensor.pool_px"),
    ("sensor.bytes_per_event=-1", "sensor.bytes_per_event"), ("model.modes=[]", "model.modes"),
    ("model.modes=[4, 0]", r"model.modes\[\]"), ("model.discretisation=euler",
                                                  "model.discretisation"),
    ("model.activation=swish", "model.activation"), ("model.event_threshold=-0.1",
                                                      "model.event_threshold"),
    ("spinnaker2.dvfs=turbo", "spinnaker2.dvfs"), ("spinnaker2.tick_us=0.0",
                                                   "spinnaker2.tick_us"),
    ("loihi.step_us=-5.0", "loihi.step_us"), ("noc=wires", "noc"),
    ("placement=random", "placement"), ("trace_steps=0", "trace_steps"),
])
def test_bad_config_values_are_refused_naming_the_key(item, key):
    with pytest.raises(ConfigError, match=rf"^{key} must"):
        load("event_ssm_dvs").resolve([item])
