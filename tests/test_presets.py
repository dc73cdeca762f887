"""The shipped machine presets: each loads, lowers, cites every number, and states the figures
the project's issue asks for."""
import json

import numpy as np
import pytest

from eventsim.cli import main
from hardware_models.lowering import lower
from hardware_models.presets import PRESET_DIR, preset, preset_names, unsourced_numbers

PRESETS = ("spinnaker2", "loihi", "ipu_gc200", "cpu_multicore", "a100", "loihi_sanafe")


def test_the_presets_ship():
    assert set(PRESETS) <= set(preset_names())


@pytest.mark.parametrize("name", PRESETS)
def test_every_number_of_a_preset_has_a_source(name):
    assert unsourced_numbers(PRESET_DIR / f"{name}.toml") == []


@pytest.mark.parametrize("name", PRESETS)
def test_a_preset_lowers_to_the_machine_ir(name):
    m = preset(name)
    ir = lower(m)
    assert ir.n_cores == m.n_cores and ir.semantics == m.semantics


@pytest.mark.parametrize("name", PRESETS)
def test_a_stepped_preset_can_run_its_steps(name):
    m = preset(name)
    if m.semantics == "barrier":
        assert "barrier" in m.core.actions, f"{name}: barrier semantics without a barrier cost"
    if m.semantics == "timer":
        assert m.step_ps > 0


def test_spinnaker2_is_the_chip_the_issue_describes():
    m = preset("spinnaker2")
    assert m.core.count == 152 and m.noc.cores_per_router == 4
    assert m.core.sram_bytes == 128 * 1024
    assert {(lv.clock_hz, lv.voltage_v) for lv in m.core.dvfs} >= {(150e6, 0.5), (300e6, 0.8)}
    assert m.core.actions["mac_array"].width == 64
    assert m.noc.topology == "mesh" and m.noc.multicast
    assert any(mem.kind == "dram" for mem in m.memories) and m.chip_link is not None


def test_loihi_carries_the_costs_of_davies_2018_table_2():
    m = preset("loihi")
    assert m.core.count == 128 and m.semantics == "barrier"
    assert m.core.energy_pj("synop") == pytest.approx(23.6)
    assert m.core.time_ps("synop") == 3_500
    assert m.noc.hop_energy_x_pj == pytest.approx(3.0) and m.noc.hop_energy_y_pj == pytest.approx(4.0)
    assert "Davies" in m.sources["core.actions.synop.energy_pj"]


def test_the_ipu_has_1472_tiles_of_six_threads_and_624_kib():
    m = preset("ipu_gc200")
    assert (m.core.count, m.core.threads, m.core.sram_bytes) == (1472, 6, 624 * 1024)


def test_loihi_sanafe_carries_sanafe_costs_summed_per_action():
    core = preset("loihi_sanafe").core
    assert core.energy_pj("neuron_update", 1) == pytest.approx(51.2 + 21.6)
    assert core.energy_pj("neuron_update_spiking", 1) == pytest.approx(51.2 + 21.6 + 69.3)
    assert core.time_ps("neuron_update_spiking", 1) == 6_000 + 3_700 + 30_000
    assert (core.energy_pj("packet_send", 1), core.time_ps("packet_recv", 1)) == (111.0, 16_000)


def test_eventsim_list_shows_every_preset(capsys):
    assert main(["list", "--json"]) == 0
    names = {r["name"] for r in json.loads(capsys.readouterr().out)["machines"]}
    assert set(PRESETS) <= names


@pytest.mark.parametrize("name", PRESETS)
def test_a_small_network_runs_on_every_preset_with_a_balanced_ledger(name):
    from eventsim import simulate
    from hardware_models.placement import place
    from networks.builders.cuba import cuba
    w = cuba(200, seed=0)
    ir = lower(preset(name))
    res = simulate(w, 1e-4, 30, machine=ir, placement=place(w, ir, "balanced"), noc="analytic")
    software = simulate(w, 1e-4, 30)
    for a, b in zip(res.spike_steps + res.spike_neurons, software.spike_steps + software.spike_neurons):
        np.testing.assert_array_equal(a, b)
    res.ledger.check(res.hardware_time_ps)
    assert res.ledger.totals(res.hardware_time_ps)["dynamic_energy_pj"] > 0
