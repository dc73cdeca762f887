"""The helpers the scenarios share: config value checks, units and their text, text tables, the
host link's transfer times and ledger charge, runs of one network on several machines, the
EGRU-only config and the standard plots of a scenario."""
from types import SimpleNamespace

import numpy as np
import pytest

from eventsim import ConfigError, Ledger
from scenarios import checks, host_link, load, network_runs, units
from scenarios.egru_spinnaker2 import EGRU_KEYS, egru_only_config
from scenarios.redraw import scenario_plots
from scenarios.text_table import text_table


def _message(check, *args, **kwargs) -> str:
    with pytest.raises(ConfigError) as e:
        check(*args, **kwargs)
    return str(e.value)


# --------------------------------------------------------------------------- checks

@pytest.mark.parametrize("value", [1, 5, 10 ** 12])
def test_int_at_least_accepts_integers_from_low_up(value):
    assert checks.int_at_least("tokens", value, 1) is None


@pytest.mark.parametrize("value, shown", [(0, "0"), (-3, "-3"), (1.0, "1.0"), (True, "True"),
                                          ("2", "'2'"), (None, "None")])
def test_int_at_least_refuses_anything_else_naming_key_and_value(value, shown):
    assert _message(checks.int_at_least, "tokens", value, 1) == \
        f"tokens must be an integer >= 1, got {shown}"


def test_int_at_least_zero_takes_zero():
    assert checks.int_at_least("hardware.cores", 0, 0) is None
    assert _message(checks.int_at_least, "hardware.cores", -1, 0) == \
        "hardware.cores must be an integer >= 0, got -1"


def test_finite_number_strict_or_not():
    assert checks.finite_number("dt_ms", 0.5, 0.0, strict=True) is None
    assert checks.finite_number("step_us", 0.0, 0.0, strict=False) is None
    assert checks.finite_number("step_us", 3, 0.0, strict=False) is None
    assert _message(checks.finite_number, "dt_ms", 0.0, 0.0, strict=True) == \
        "dt_ms must be a finite number > 0.0, got 0.0"
    assert _message(checks.finite_number, "step_us", -1, 0.0, strict=False) == \
        "step_us must be a finite number >= 0.0, got -1"


@pytest.mark.parametrize("value, shown", [(float("nan"), "nan"), (float("inf"), "inf"),
                                          (True, "True"), ("1", "'1'")])
def test_finite_number_refuses_non_finite_booleans_and_text(value, shown):
    assert _message(checks.finite_number, "x", value, 0.0, strict=False) == \
        f"x must be a finite number >= 0.0, got {shown}"


def test_positive_numbers_and_integers():
    assert checks.positive("hardware.sram_kib_per_core", 0.5) is None
    assert checks.positive("hardware.mesh_width", 3, integer=True) is None
    assert _message(checks.positive, "hardware.sram_kib_per_core", -0.5) == \
        "hardware.sram_kib_per_core must be a number > 0, got -0.5"
    assert _message(checks.positive, "x", True) == "x must be a number > 0, got True"
    assert _message(checks.positive, "hardware.mesh_width", 0, integer=True) == \
        "hardware.mesh_width must be an integer > 0, got 0"
    assert _message(checks.positive, "hardware.mesh_width", 2.0, integer=True) == \
        "hardware.mesh_width must be an integer > 0, got 2.0"


def test_one_of_lists_the_choices():
    assert checks.one_of("noc", "packets", ("analytic", "packets")) is None
    assert _message(checks.one_of, "noc", "x", ("analytic", "packets")) == \
        "noc must be one of ['analytic', 'packets'], got 'x'"
    assert _message(checks.one_of, "placement", 3, {"balanced": 1, "contiguous": 2}) == \
        "placement must be one of ['balanced', 'contiguous'], got 3"


def test_int_list():
    assert checks.int_list("threads", [1, 4]) is None
    assert checks.int_list("sizes", [0, 2], low=0) is None
    for value, shown in (([], "[]"), ([0], "[0]"), ([1, True], "[1, True]"),
                         ([1.0], "[1.0]"), ((1, 2), "(1, 2)"), (3, "3")):
        assert _message(checks.int_list, "threads", value) == \
            f"threads must be a non-empty list of integers >= 1, got {shown}"


def test_fraction_list():
    assert checks.fraction_list("grid.weight_sparsity", [0, 0.5, 0.95], 1.0) is None
    for value, shown in (([], "[]"), ([1.0], "[1.0]"), ([-0.1], "[-0.1]"), ([True], "[True]"),
                         (["0.5"], "['0.5']"), (0.5, "0.5")):
        assert _message(checks.fraction_list, "grid.weight_sparsity", value, 1.0) == \
            f"grid.weight_sparsity must be a non-empty list of numbers in [0, 1.0), got {shown}"
    assert _message(checks.fraction_list, "grid.weight_sparsity", [0.1, 0.2, 0.1], 1.0) == \
        "grid.weight_sparsity has repeated values: [0.1, 0.2, 0.1]"


# --------------------------------------------------------------------------- units

def test_units_as_text():
    assert units.PS_PER_S == 10 ** 12
    assert units.ms(0.0125) == "12.500 ms"
    assert units.us(2.5e-6) == "2.500 us"
    assert units.mj(0.0015) == "1.500 mJ"
    assert units.mj(0.0015, digits=4) == "1.5000 mJ"
    assert units.uj(1.5e-6) == "1.500 uJ"
    assert units.nj(2e-9) == "2.000 nJ"
    assert units.scaled(3, 10, "x", 1) == "30.0 x"
    assert [f(None) for f in (units.ms, units.us, units.mj, units.uj, units.nj)] == ["n/a"] * 5


def test_ratio_and_its_text():
    assert units.ratio(3, 2) == 1.5
    assert units.ratio(0, 2) == 0.0
    assert units.ratio(None, 2) is None
    assert units.ratio(1, 0) is None
    assert units.ratio(1, None) is None
    assert units.times(0.5) == "0.5x"
    assert units.times(1234.5) == "1.23e+03x"
    assert units.times(None) == "n/a"


def test_text_table_right_aligns_titles_and_cells_and_left_aligns_names():
    columns = (("latency", 10, lambda r: units.ms(r["t"])), ("n", 4, lambda r: str(r["n"])))
    assert text_table(columns, [("a", {"t": 0.001, "n": 3}), ("bb", {"t": None, "n": 12})],
                      name_width=4) == ["       latency   n",
                                        "a     1.000 ms   3",
                                        "bb         n/a  12"]
    assert text_table(columns[1:], [("", {"n": 123456})]) == ["   n", "123456"]


# --------------------------------------------------------------------------- host link

LINK = SimpleNamespace(host_latency_ps=100_000_000, host_bandwidth_bytes_per_s=125e6,
                       host_energy_pj_per_byte=4000.0)      # 8000 ps per byte
NO_LINK = SimpleNamespace(host_latency_ps=100_000_000, host_bandwidth_bytes_per_s=0.0,
                          host_energy_pj_per_byte=4000.0)


def test_one_transfer_is_latency_plus_bytes_over_bandwidth():
    assert host_link.transfer_ps(LINK, 3000) == 124_000_000
    assert host_link.transfer_ps(LINK, 0) == 100_000_000       # the latency even for 0 bytes
    assert host_link.transfer_ps(NO_LINK, 3000) == 0


def test_transfers_take_no_time_without_bytes_or_link():
    t = host_link.transfers_ps(LINK, np.array([0, 1, 3000]))
    assert t.dtype == np.int64 and t.tolist() == [0, 100_008_000, 124_000_000]
    assert host_link.transfers_ps(NO_LINK, [5, 6]).tolist() == [0, 0]


def test_charge_adds_bytes_energy_and_busy_time_to_the_host_link_rows():
    ledger = Ledger()
    host_link.charge(ledger, LINK, "to_chip", 3000)
    host_link.charge(ledger, LINK, "to_host", 0)
    host_link.charge(ledger, LINK, "to_chip", 1)
    assert ledger.rows(0) == [
        {"component": "host_link", "action": "to_chip", "count": 3001,
         "energy_pj": 12_004_000.0, "busy_ps": 24_008_000},
        {"component": "host_link", "action": "to_host", "count": 0, "energy_pj": 0.0,
         "busy_ps": 0}]


def test_nothing_is_charged_without_a_host_link():
    ledger = Ledger()
    host_link.charge(ledger, NO_LINK, "to_chip", 3000)
    assert ledger.rows(0) == []


# --------------------------------------------------------------------------- network runs

def test_trace_window_of_timer_and_event_machines_is_known_without_a_run():
    timer = SimpleNamespace(semantics="timer", step_ps=1_000_000_000)
    event = SimpleNamespace(semantics="event", step_ps=0)
    assert network_runs.first_steps_window_ps(timer, None, 1e-3, 3, None, None, "analytic",
                                              0) == (0, 3_000_000_000)
    assert network_runs.first_steps_window_ps(event, None, 2.5e-4, 2, None, None, "analytic",
                                              0) == (0, 500_000_000)


class _Run:
    def __init__(self, spikes: dict):
        self.population_names = list(spikes)
        self._spikes = list(spikes.values())

    def steps(self, p):
        steps, neurons = self._spikes[p]
        return np.array(steps, np.int64), np.array(neurons, np.int64)


def test_spikes_identical_compares_step_neuron_pairs_in_any_order():
    a = _Run({"in": ([0, 1, 1], [2, 0, 1]), "out": ([], [])})
    same = _Run({"in": ([1, 0, 1], [1, 2, 0]), "out": ([], [])})
    moved = _Run({"in": ([0, 1, 2], [2, 0, 1]), "out": ([], [])})
    renamed = _Run({"in": ([0, 1, 1], [2, 0, 1]), "hidden": ([], [])})
    assert network_runs.spikes_identical(a, same) is True
    assert network_runs.spikes_identical(a, moved) is False
    assert network_runs.spikes_identical(a, renamed) is False


def test_perfetto_runs_gives_each_run_its_processes():
    docs = {"barrier": {"traceEvents": [{"ph": "M", "name": "process_name", "pid": 0,
                                         "args": {"name": "chip0"}},
                                        {"ph": "X", "pid": 1, "ts": 5}],
                        "otherData": {"dropped_records": 2}},
            "event": {"traceEvents": [{"ph": "X", "ts": 1}]}}
    assert network_runs.perfetto_runs(docs) == {
        "traceEvents": [{"ph": "M", "name": "process_name", "pid": 0,
                         "args": {"name": "barrier chip0"}},
                        {"ph": "X", "pid": 1, "ts": 5},
                        {"ph": "X", "ts": 1, "pid": 1000}],
        "displayTimeUnit": "ns",
        "otherData": {"time_unit_of_ts": "us", "dropped_records": {"barrier": 2, "event": 0}}}
    assert docs["barrier"]["traceEvents"][0]["args"] == {"name": "chip0"}   # not changed


# --------------------------------------------------------------------------- scenarios

def test_egru_only_config_copies_the_egru_keys_and_turns_the_dense_and_gpu_runs_off():
    config = {"machine": "spinnaker2", "dvfs": "low", "tick_us": 1000.0, "tokens": 3,
              "placement": "balanced", "noc": "analytic",
              "model": {"vocab": 50, "hidden": [32, 32]}, "host": {"bytes_in_per_value": 4},
              "grid": {"weight_sparsity": [0.0]}}
    c = egru_only_config(config, weight_sparsity=0.5, checkpoint="")
    assert c == {"machine": "spinnaker2", "dvfs": "low", "tick_us": 1000.0, "tokens": 3,
                 "placement": "balanced", "noc": "analytic",
                 "model": {"vocab": 50, "hidden": [32, 32], "weight_sparsity": 0.5,
                           "checkpoint": ""},
                 "host": {"bytes_in_per_value": 4},
                 "dense": {"enabled": False, "memory": "", "tokens": 1},
                 "gpu": {"enabled": False, "machine": "a100", "tokens": 1, "decoder": True},
                 "trace_ticks": 1}
    assert set(EGRU_KEYS) | {"dense", "gpu", "trace_ticks"} == set(c)
    c["model"]["hidden"].append(64)
    assert config["model"] == {"vocab": 50, "hidden": [32, 32]}     # a copy


@pytest.mark.parametrize("name", ["cuba_loihi", "egru_spinnaker2", "event_ssm_dvs", "noc_dse"])
def test_scenarios_with_the_standard_figures_share_their_plots(name):
    assert load(name).module.plots is scenario_plots


def test_scenario_plots_of_a_directory_without_data_draw_nothing(tmp_path):
    run_dir = tmp_path / "cuba_loihi" / "run1"
    run_dir.mkdir(parents=True)
    assert scenario_plots({}, run_dir) == []
