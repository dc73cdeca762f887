"""Uncertainty of results: the share resting on estimated machine numbers
(hardware_models.estimates, scenarios.uncertainty), machines with one number scaled
(Machine.with_scaled, scenarios.machine_scale) and the one-at-a-time sensitivity
(scenarios.sensitivity). Every expected value is worked out by hand in the test."""
import csv
import math
import re
import types
from dataclasses import replace

import pytest

from eventsim.cli import main
from eventsim.errors import ConfigError
from hardware_models.core import Action
from hardware_models.estimates import estimated_share, row_numbers
from hardware_models.machine import machine_from_dict
from hardware_models.presets import preset
from scenarios import Scenario, load, run_scenario
from scenarios.machine_scale import scale_table, scaled, scaled_preset
from scenarios.output import write_ledger_csv
from scenarios.rundir import read_ledger_csv
from scenarios.sensitivity import (analyse, exact_energy_values, parse_range, require_support,
                                   scaled_energy_figure, tornado_order)
from scenarios.uncertainty import markdown, share_of_run_dir

CITED = "Someone et al. 2020, Table 1"


def toy(**noc) -> dict:
    """One core at 1 GHz: synop 2 cycles (cited) x 10 pJ (estimate), neuron_update 5 cycles
    (estimate) x 30 pJ (cited), leakage 1 mW (estimate); a 2 x 2 mesh."""
    return {"name": "toy", "description": "a toy", "semantics": "event",
            "core": {"count": 1, "sram_bytes": 1024, "dvfs_level": "only",
                     "static_power_w": {"value": 0.001, "source": "estimate: a guess"},
                     "dvfs": [{"name": "only", "voltage_v": 1.0, "clock_hz": 1e9,
                               "source": CITED}],
                     "actions": {
                         "synop": {"cycles": {"value": 2.0, "source": CITED},
                                   "energy_pj": {"value": 10.0, "source": "estimate: a guess"}},
                         "neuron_update": {"cycles": {"value": 5.0, "source": "Estimate: x"},
                                           "energy_pj": {"value": 30.0, "source": CITED}}}},
            "noc": {"topology": "mesh", "width": 2, "height": 2, "flit_bytes": 16,
                    "hop_latency_ps": 1000, "link_bandwidth_bytes_per_s": 1e9,
                    "hop_energy_pj": 2.0, **noc}}


def row(component, action, count, energy_pj, busy_ps):
    return {"component": component, "action": action, "count": count, "energy_pj": energy_pj,
            "busy_ps": busy_ps}


# --------------------------------------------------------------------------- estimated share

def test_the_share_of_a_hand_built_ledger_resting_on_estimates():
    m = machine_from_dict(toy())
    rows = [row("chip0.core0", "synop", 10, 100.0, 20_000),           # energy_pj estimated
            row("chip0.core0", "neuron_update", 2, 60.0, 10_000),     # cycles estimated
            row("chip0.core0", "static", 0, 40.0, 0)]                 # static power estimated
    share = estimated_share(m, rows)
    # energy: (100 + 40) / 200; busy: 10_000 / 30_000; synop 100 / 200, static 40 / 200
    assert share == {"energy": 140 / 200, "busy_time": 10_000 / 30_000,
                     "numbers": ["core.actions.synop.energy_pj", "core.static_power_w"],
                     "numbers_energy": [0.5, 0.2]}


def _two_run_dir(tmp_path):
    """A ledger.csv of runs "a" and "b", each a synop row (100 pJ, 20 ns) and a neuron_update
    row (60 pJ, 10 ns)."""
    rows = [row("chip0.core0", "synop", 10, 100.0, 20_000),
            row("chip0.core0", "neuron_update", 2, 60.0, 10_000)]
    write_ledger_csv(tmp_path / "ledger.csv", {"a": rows, "b": rows})
    return tmp_path


def _toy_cited_synop() -> dict:
    """``toy()`` with a cited synop energy: none of its energy numbers is an estimate."""
    d = toy()
    d["core"]["actions"]["synop"]["energy_pj"]["source"] = CITED
    return d


def test_a_scenario_naming_each_ledger_runs_machine_gets_each_runs_share_on_it(tmp_path):
    machines = {"a": machine_from_dict(toy()), "b": machine_from_dict(_toy_cited_synop())}
    module = types.SimpleNamespace(ledger_machine=lambda config, run: machines[run])
    share = share_of_run_dir(module, {}, _two_run_dir(tmp_path))
    # a: synop energy estimated 100 / 160, neuron_update cycles estimated 10 / 30 ns;
    # b: no energy number estimated, the same busy time
    a = {"energy": 100 / 160, "busy_time": 10_000 / 30_000,
         "numbers": ["core.actions.synop.energy_pj"], "numbers_energy": [100 / 160]}
    b = {"energy": 0.0, "busy_time": 10_000 / 30_000, "numbers": [], "numbers_energy": []}
    assert share == {**a, "runs": {"a": a, "b": b}}


def test_ledger_machine_takes_precedence_over_machine(tmp_path):
    module = types.SimpleNamespace(machine=lambda config: machine_from_dict(toy()),
                                   ledger_machine=lambda config, run:
                                   machine_from_dict(_toy_cited_synop()))
    share = share_of_run_dir(module, {}, _two_run_dir(tmp_path))
    assert share["energy"] == 0.0 and share["runs"]["a"]["energy"] == 0.0


def test_a_scenarios_note_on_figures_beside_the_ledger_is_in_the_share_and_its_section(
        tmp_path):
    module = types.SimpleNamespace(machine=lambda config: machine_from_dict(toy()),
                                   ESTIMATED_SHARE_NOTE="The latency is no ledger sum.")
    share = share_of_run_dir(module, {}, _two_run_dir(tmp_path))
    assert share["note"] == "The latency is no ledger sum."
    assert markdown(share).endswith("| b | 62.5 % | 33.3 % | `core.actions.synop.energy_pj` "
                                    "(62.5 %) |\n\nThe latency is no ledger sum.\n")


def test_a_noc_link_rests_on_its_axis_number_or_the_shared_one_the_description_gives():
    m = machine_from_dict(toy(hop_energy_y_pj=3.0))
    east = row_numbers(m, "chip0.link0.r0-r1", "flit")       # router 0 -> 1: x
    north = row_numbers(m, "chip0.link1.r0-r2", "flit")      # router 0 -> 2: y
    assert east.energy == ("noc.hop_energy_pj",)
    assert north.energy == ("noc.hop_energy_y_pj",)
    assert east.time == north.time == ("noc.link_bandwidth_bytes_per_s", "noc.hop_latency_ps")


def test_a_row_no_model_writes_on_the_machine_is_an_error_naming_it():
    m = machine_from_dict(toy())
    with pytest.raises(ConfigError, match=re.escape("chip0.core0/mac")):
        row_numbers(m, "chip0.core0", "mac")                 # the toy core has no mac


# --------------------------------------------------------------------------- scaled machines

def test_with_scaled_changes_exactly_one_number():
    m = preset("spinnaker2")
    path = "core.actions.synop.energy_pj"
    m2 = m.with_scaled(path, 2.0)
    synop = Action(cycles=15.0, energy_pj=250.0)
    assert m2 == replace(m, core=replace(m.core, actions={**m.core.actions, "synop": synop}))
    assert [p for p in m.number_paths() if m.number(p) != m2.number(p)] == [path]
    assert m2.estimated(path)


def test_with_scaled_moves_what_follows_the_number_and_rounds_integers():
    m = machine_from_dict(toy())
    noc = m.with_scaled("noc.hop_energy_pj", 2.0).noc
    assert (noc.hop_energy_x_pj, noc.hop_energy_y_pj) == (4.0, 4.0)
    assert m.with_scaled("noc.hop_latency_ps", 0.3).noc.hop_latency_x_ps == 300   # 1000 x 0.3


@pytest.mark.parametrize("path", ["core.actions.synopx.energy_pj", "core.dvfs_level",
                                  "noc.multicast", "core.count.value", "core.dvfs[3].clock_hz"])
def test_with_scaled_refuses_a_path_that_names_no_number(path):
    with pytest.raises(ConfigError, match=re.escape(repr(path))):
        preset("spinnaker2").with_scaled(path, 2.0)


@pytest.mark.parametrize("factor", [0, -1.0, math.nan, True])
def test_with_scaled_refuses_a_bad_factor(factor):
    with pytest.raises(ConfigError, match="core.count"):
        preset("spinnaker2").with_scaled("core.count", factor)


def test_with_scaled_refuses_a_machine_changed_after_it_was_read():
    changed = replace(preset("spinnaker2"), step_ps=5)
    with pytest.raises(ConfigError, match="changed after it was read"):
        changed.with_scaled("core.actions.synop.cycles", 2.0)


def test_a_machine_scale_entry_that_names_no_number_is_refused_before_a_run():
    bad = 'machine_scale={"core.actions.nope.cycles" = 2.0}'
    with pytest.raises(ConfigError, match=re.escape('machine_scale."core.actions.nope.cycles"')):
        load("egru_spinnaker2").resolve([bad])
    assert scaled_preset({"machine": "spinnaker2", "machine_scale": {
        "core.actions.synop.cycles": 2.0}}).core.actions["synop"].cycles == 30.0


# --------------------------------------------------------------------------- sensitivity parts

def test_an_energy_figure_scales_with_the_energy_resting_on_the_number():
    # 25 of 100 pJ rest on the number: x2 adds 25 %, x0.5 takes 12.5 % off
    assert scaled_energy_figure(10.0, 2.0, 25.0, 100.0) == 12.5
    assert scaled_energy_figure(10.0, 0.5, 25.0, 100.0) == 8.75


def test_the_tornado_puts_the_widest_swing_first_ties_by_path_keeps_the_top_of_those_moving():
    entries = [{"number": n, "values": {"m": v}} for n, v in
               (("a", [1.0, 2.0]), ("d", [0.0, 5.0]), ("c", [4.0, 3.0]), ("b", [2.0, 3.0]),
                ("e", [7.0, 7.0]))]
    assert [e["number"] for e in tornado_order(entries, "m", 3)] == ["d", "a", "b"]
    assert [e["number"] for e in tornado_order(entries, "m", 10)] == ["d", "a", "b", "c"]


@pytest.mark.parametrize("text", ["0.5,x", "1,2", "0.5,-2", "", "2,2"])
def test_a_bad_sensitivity_range_is_a_clear_error_before_anything_runs(text, tmp_path, capsys):
    code = main(["run", "egru_spinnaker2", "--sensitivity", "--sensitivity-range", text,
                 "--out", str(tmp_path)])
    assert code == 2
    assert "--sensitivity-range must be" in capsys.readouterr().err
    assert parse_range("2,0.5") == (0.5, 2.0)
    assert not any(tmp_path.iterdir())


def test_a_scenario_that_names_no_machine_refuses_sensitivity():
    bare = Scenario("bare", "", {}, types.SimpleNamespace(SENSITIVITY_METRICS={"x_s": None}))
    with pytest.raises(ConfigError, match="bare does not support --sensitivity: its module "
                                          "lacks machine"):
        require_support(bare)


# --------------------------------------------------------------------------- a hand-made scenario

def _toy_run(config, seed, out_dir, progress):
    """1000 synops and 200 neuron updates on the toy core: latency = their busy time, energy =
    theirs + leakage over that time."""
    m = _toy_machine(config)
    work = [row("chip0.core0", a, n, m.core.energy_pj(a, n), m.core.time_ps(a, n))
            for a, n in (("synop", 1000), ("neuron_update", 200))]
    busy = sum(r["busy_ps"] for r in work)
    rows = work + [row("chip0.core0", "static", 0, m.core.static_power_w * busy, 0)]
    with open(out_dir / "ledger.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["run", "component", "action", "count", "energy_pj", "busy_ps"])
        w.writerows(["toy", *r.values()] for r in rows)
    return {"latency_s": busy / 1e12, "energy_j": sum(r["energy_pj"] for r in rows) * 1e-12}


def _toy_machine(config):
    return scaled(machine_from_dict(toy()), scale_table(config))


def test_sensitivity_of_a_hand_made_scenario(tmp_path):
    module = types.SimpleNamespace(run=_toy_run, machine=_toy_machine,
                                   SENSITIVITY_METRICS={"latency_s": None, "energy_j": "toy"})
    scenario = Scenario("toy", "", {"machine_scale": {}}, module)
    config = {"machine_scale": {}}
    metrics = _toy_run(config, 0, tmp_path, False)
    # busy 2 us (synops) + 1 us (updates); energy 10_000 + 6_000 + 1 mW x 3 us = 19_000 pJ.
    # Estimated and used: synop.energy_pj (exact: 14_000 / 29_000 pJ), static power (exact:
    # 17_500 / 22_000 pJ), neuron_update.cycles (re-run: 2.5 / 4 us, and so 18_500 / 20_000 pJ).
    summary, text = analyse(scenario, config, 0, tmp_path, metrics, (0.5, 2.0), top=10)
    e, lat = summary["metrics"]["energy_j"], summary["metrics"]["latency_s"]
    assert e["interval"] == pytest.approx([14e-9, 29e-9], rel=1e-12)
    assert [t["number"] for t in e["top"]] == ["core.actions.synop.energy_pj",
                                               "core.static_power_w",
                                               "core.actions.neuron_update.cycles"]
    assert e["top"][2]["low"] == pytest.approx(18.5e-9, rel=1e-12)
    assert lat["interval"] == [2.5e-6, 4e-6]
    assert lat["top"][0] == {"number": "core.actions.neuron_update.cycles", "low": 2.5e-6,
                             "high": 4e-6}
    assert summary["reruns"] == 2 and summary["numbers_varied"] == 3
    assert (tmp_path / "sensitivity_energy_j.png").stat().st_size > 0
    assert "`core.actions.neuron_update.cycles`" in (tmp_path / "sensitivity.md").read_text()


# --------------------------------------------------------------------------- the EGRU scenario

TINY = ["model.vocab=50", "model.embedding=16", "model.hidden=[32, 32, 32]", "tokens=2",
        "trace_ticks=1", "dense.enabled=false"]


@pytest.fixture(scope="module")
def egru_run(tmp_path_factory):
    return run_scenario("egru_spinnaker2", TINY, seed=1, out=tmp_path_factory.mktemp("egru"))


def test_every_energy_number_of_spinnaker2_is_an_estimate_so_all_egru_energy_rests_on_one(
        egru_run):
    result, run_dir = egru_run
    share = result["estimated_share"]
    assert share["energy"] == 1.0 and set(share["runs"]) == {"egru"}
    assert "## Estimated numbers" in (run_dir / "report.md").read_text()


def test_the_exact_energy_shortcut_equals_a_rerun_and_leaves_the_latency(egru_run, tmp_path):
    result, run_dir = egru_run
    path = "core.actions.synop.energy_pj"
    module = load("egru_spinnaker2").module
    ledgers = read_ledger_csv(run_dir / "ledger.csv")
    base = {m: result[m] for m in module.SENSITIVITY_METRICS}
    predicted = exact_energy_values(module.machine(result["config"]), ledgers,
                                    module.SENSITIVITY_METRICS, base, path, (2.0,))
    rerun, _ = run_scenario("egru_spinnaker2", TINY + [f'machine_scale={{"{path}" = 2.0}}'],
                            seed=1, out=tmp_path)
    assert predicted["energy_per_token_j"][0] == pytest.approx(rerun["energy_per_token_j"],
                                                               rel=1e-12)
    assert predicted["energy_per_token_j"][0] > result["energy_per_token_j"]
    assert rerun["latency_per_token_s"] == result["latency_per_token_s"]
