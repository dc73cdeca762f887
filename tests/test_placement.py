"""Placement of workloads onto machines: strategies, loads, and errors that say what does not fit."""
import numpy as np
import pytest

from eventsim.workload_ir import Population, Projection, WorkloadIR
from hardware_models.lowering import lower
from hardware_models.machine import machine_from_dict
from hardware_models.placement import PlacementError, place, traffic_hops

from test_machine_description import toy


def machine(sram=1024, width=4, height=4):
    return lower(machine_from_dict(toy(noc__width=width, noc__height=height,
                                       core__count=width * height, core__sram_bytes=sram)))


def dense(name, pre, post, n_pre, n_post, bytes_per_synapse=8):
    indptr = np.arange(n_pre + 1, dtype=np.int64) * n_post
    indices = np.tile(np.arange(n_post, dtype=np.int32), n_pre)
    return Projection(name, pre, post, indptr, indices, np.ones(indices.size, np.float32),
                      bytes_per_synapse=bytes_per_synapse)


def layered(sizes=(16, 16, 16), state=16):
    pops = [Population(f"l{i}", n, state_bytes_per_neuron=state) for i, n in enumerate(sizes)]
    projs = [dense(f"p{i}", i, i + 1, sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)]
    return WorkloadIR(pops, projs)


def test_round_robin_deals_neurons_out_in_turn():
    p = place(layered(), machine(), "round_robin")
    assert p.core_of_neuron[:18].tolist() == list(range(16)) + [0, 1]
    assert p.neurons_per_core.tolist() == [3] * 16


def test_neuron_memory_is_state_plus_incoming_synapses():
    w = layered()
    # layer 0 has no inputs: 16 B; layers 1, 2: 16 B + 16 synapses x 8 B = 144 B
    assert w.neuron_bytes().tolist() == [16] * 16 + [144] * 32


def test_layer_contiguous_fills_each_core_before_the_next():
    p = place(layered(), machine(sram=1024), "layer_contiguous")
    # 16 x 16 B = 256 B of layer 0 fit on core 0 with 5 neurons of layer 1 (5 x 144 = 720 B)
    assert (p.core_of_neuron[:21] == 0).all() and p.core_of_neuron[21] == 1
    assert p.bytes_per_core[0] == 16 * 16 + 5 * 144


def test_balanced_evens_out_memory_use():
    p = place(layered(), machine(sram=1024), "balanced")
    used = p.bytes_per_core
    assert used.max() - used.min() <= 144
    assert p.neurons_per_core.sum() == 48


def test_max_neurons_per_core_is_respected():
    p = place(layered(), machine(), "balanced", max_neurons_per_core=3)
    assert p.neurons_per_core.max() == 3


def test_traffic_aware_needs_fewer_hops_than_round_robin():
    w, m = layered(sizes=(32, 32, 32, 32), state=16), machine(sram=2048)
    hops = {s: traffic_hops(w, m, place(w, m, s)) for s in ("round_robin", "traffic_aware")}
    assert hops["traffic_aware"] < hops["round_robin"]


def test_a_population_too_big_for_the_machine_says_by_how_much():
    w = WorkloadIR([Population("in", 16), Population("egru2", 64)],
                   [dense("w", 0, 1, 16, 64, bytes_per_synapse=32)])
    # egru2: 64 x (16 + 16 x 32) = 33,792 B; 16 cores x 1 KiB = 16,384 B minus 256 B for "in"
    with pytest.raises(PlacementError, match=r"population 'egru2' needs 33.0 KiB of core SRAM "
                                             r"\(state and incoming synapses kept in SRAM\); 16 cores x 1.0 KiB leave 15.8 KiB"):
        place(w, machine(sram=1024), "balanced")


def test_a_neuron_larger_than_any_core_is_named():
    w = WorkloadIR([Population("in", 64), Population("big", 1)], [dense("w", 0, 1, 64, 1, 32)])
    with pytest.raises(PlacementError, match=r"neuron 0 of population 'big' needs 2.0 KiB of "
                                             r"core SRAM \(state and incoming synapses kept in "
                                             r"SRAM\); the largest core SRAM is 1.0 KiB"):
        place(w, machine(sram=1024))


def test_report_gives_per_core_load_and_memory():
    r = place(layered(), machine(), "balanced").report()
    assert r["cores_used"] == 16 and len(r["per_core"]) == 16
    assert sum(c["neurons"] for c in r["per_core"]) == 48
    assert 0 < r["memory_utilisation_max"] <= 1


def test_unknown_strategy_is_refused():
    with pytest.raises(Exception, match=r"strategy must be one of .* got 'random'"):
        place(layered(), machine(), "random")


def test_a_given_placement_keeps_its_cores_and_refuses_an_overfull_one():
    from eventsim import ConfigError
    from hardware_models.placement import given
    from hardware_models.presets import preset
    from networks.builders.cuba import cuba
    w = cuba(40, seed=1)
    ir = lower(preset("loihi"))
    p = given(w, ir, np.arange(40) % 3)
    assert p.core_of_neuron.tolist() == (np.arange(40) % 3).tolist()
    assert p.neurons_per_core[:3].tolist() == [14, 13, 13] and p.strategy == "given"
    with pytest.raises(ConfigError, match=r"one core in \[0, 128\) per neuron \(40\)"):
        given(w, ir, np.full(40, 128))
    tiny = lower(preset("loihi"))
    tiny.core_sram_bytes[:] = 10
    with pytest.raises(PlacementError, match="given: core 0 would hold 40 neurons"):
        given(w, tiny, np.zeros(40, int))
