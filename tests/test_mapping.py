"""Mapping (``hardware_models.mapping``, ``hardware_models.routing``): routing trees built at
once equal the union of the machine's paths, tail latencies are the closed form of an
uncontended packet, and a mapping is made once for a workload, machine and placement."""
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from eventsim import ConfigError
from eventsim.workload_ir import Population, Projection, WorkloadIR
from hardware_models.mapping import map_network
from eventsim.multicast_trees import multicast_route_table, route_deliveries, route_link_uses
from hardware_models.routing import neuron_routes, population_routes
from hardware_models.synapse_rows import _row_ranges, _rows, synapse_rows, tree_positions
from hardware_models.lowering import lower
from hardware_models.machine import machine_from_dict
from hardware_models.placement import place
from hardware_models.presets import preset

from test_machine_description import toy
from test_network_runtime import two_layers


def union_of_paths(ir, src_core, dst_cores):
    """The entries of a tree as the NoC model defines it: every hop of every path, and one
    delivery per destination core, sorted."""
    src = int(ir.core_router[src_core])
    entries = {(int(ir.core_router[d]), -1, int(d)) for d in dst_cores}
    for d in dst_cores:
        r = src
        for link in ir.route(src, int(ir.core_router[d])):
            entries.add((r, int(link), -1))
            r = int(ir.link_dst[link])
    return sorted(entries)


@pytest.mark.parametrize("name", ["spinnaker2", "loihi", "toy"])
def test_route_tables_are_the_union_of_the_paths_to_each_destination(name):
    ir = lower(machine_from_dict(toy()) if name == "toy" else preset(name))
    rng = np.random.default_rng(3)
    C = ir.n_cores
    routes = [(int(rng.integers(C)), np.unique(rng.integers(0, C, rng.integers(0, C + 1))))
              for _ in range(40)] + [(0, np.arange(C)), (C - 1, np.zeros(0, np.int64))]
    ptr = np.concatenate([[0], np.cumsum([len(d) for _, d in routes])])
    t = multicast_route_table(ir, [s for s, _ in routes], ptr,
                              np.concatenate([d for _, d in routes]))
    for i, (s, d) in enumerate(routes):
        got = list(zip(*(x[t.indptr[i]:t.indptr[i + 1]].tolist() for x in (t.router, t.link, t.core))))
        assert got == union_of_paths(ir, s, d)
        assert t.src_router[i] == ir.core_router[s]


def uncontended_tail_ps(ir, src_router, dst_router, n_bytes):
    """The NoC model's uncontended packet (``eventsim.noc_model`` docstring): every hop's
    latency, then the last link's serialisation of ceil(bytes / flit) flits (0 within a
    router)."""
    path = ir.route(src_router, dst_router)
    if not path:
        return 0
    flits = -(-n_bytes // ir.flit_bytes)
    last = round(flits * ir.flit_bytes * float(ir.link_ps_per_byte[path[-1]]))
    return sum(int(ir.link_latency_ps[link]) for link in path) + last


@pytest.mark.parametrize("spike_bytes", [4, 9])
def test_tail_latencies_are_those_of_an_uncontended_packet(spike_bytes):
    w, _ = two_layers()
    ir = lower(preset("spinnaker2"))
    m = map_network(w, ir, place(w, ir, "round_robin"), spike_bytes=spike_bytes)
    for r in range(m.tree_dest_ptr.shape[0] - 1):
        for e in range(m.tree_dest_ptr[r], m.tree_dest_ptr[r + 1]):
            dst = int(ir.core_router[m.tree_dest_core[e]])
            assert m.tree_dest_tail_ps[e] == uncontended_tail_ps(
                ir, int(m.routes.src_router[r]), dst, spike_bytes)


def test_every_synapse_is_mapped_once_in_core_order():
    w, _ = two_layers()
    ir = lower(preset("spinnaker2"))
    pl = place(w, ir, "round_robin")
    m = map_network(w, ir, pl)
    assert sorted(m.order.tolist()) == list(range(m.n_synapses))
    core_of = np.asarray(pl.core_of_neuron)
    for g in range(w.n_neurons):
        rows = m.syn_post[m.syn_ptr[g]:m.syn_ptr[g + 1]]
        assert list(zip(core_of[rows], rows)) == sorted(zip(core_of[rows], rows))
        cores = m.dest_core[m.dest_ptr[g]:m.dest_ptr[g + 1]]
        assert cores.tolist() == sorted(set(core_of[rows].tolist()))
        if cores.size:                                  # each is found on g's routing tree
            first = m.tree_dest_ptr[m.route_of[g]]
            pos = m.dest_tree_pos[m.dest_ptr[g]:m.dest_ptr[g + 1]]
            assert m.tree_dest_core[first + pos].tolist() == cores.tolist()


def test_bad_mapping_options_are_named():
    w, _ = two_layers()
    ir = lower(preset("spinnaker2"))
    pl = place(w, ir, "round_robin")
    with pytest.raises(ConfigError, match="routing must be"):
        map_network(w, ir, pl, routing="tree")
    with pytest.raises(ConfigError, match="spike_bytes must be"):
        map_network(w, ir, pl, spike_bytes=-1)


def test_tree_positions_are_each_destinations_place_on_its_route():
    rng = np.random.default_rng(3)
    C, routes = 12, 7
    tree = [np.sort(rng.choice(C, 5, replace=False)) for _ in range(routes)]
    tree_ptr = np.arange(0, 5 * routes + 1, 5)
    route_of = rng.integers(-1, routes, 40)
    dests = [np.sort(rng.choice(tree[r], rng.integers(1, 6), replace=False)) if r >= 0
             else np.zeros(0, np.int64) for r in route_of]
    dest_ptr = np.concatenate([[0], np.cumsum([len(d) for d in dests])])
    pos = tree_positions(route_of, dest_ptr, np.concatenate(dests), tree_ptr,
                         np.concatenate(tree), True)
    expected = [tree[r].tolist().index(c) for r, d in zip(route_of, dests) for c in d]
    assert pos.tolist() == expected


def test_synapse_rows_sort_by_pre_post_core_and_post_with_ties_in_given_order():
    rng = np.random.default_rng(5)
    sizes, C = [10, 20], 4
    pops = [Population(f"p{i}", n) for i, n in enumerate(sizes)]
    projs, pre, post = [], [], []
    for j, (a, b) in enumerate([(0, 1), (1, 0), (0, 0), (0, 1)]):   # multapses included
        n = 150
        rows = np.sort(rng.integers(0, sizes[a], n))
        cols = rng.integers(0, sizes[b], n)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=sizes[a]))])
        projs.append(Projection(f"j{j}", a, b, indptr, cols.astype(np.int32),
                                np.ones(n, np.float32)))
        pre.append(rows + [0, 10][a])
        post.append(cols + [0, 10][b])
    pre, post = np.concatenate(pre), np.concatenate(post)
    core_of = rng.integers(0, C, 30)
    order, syn_ptr, syn_post = synapse_rows(WorkloadIR(pops, projs), core_of)
    assert order.tolist() == np.lexsort([post, core_of[post], pre]).tolist()
    assert syn_post.tolist() == post[order].tolist()
    assert syn_ptr.tolist() == [0] + np.cumsum(np.bincount(pre, minlength=30)).tolist()
    # the stable sort (for keys too large to pack) gives the same rows
    first, last, base = _row_ranges(WorkloadIR(pops, projs))
    post_all = np.concatenate([pr.indices + [0, 10][pr.post] for pr in projs]).astype(np.int32)
    stable_order, stable_post = np.empty_like(order), np.empty_like(syn_post)
    _rows(first, last, post_all, core_of.astype(np.int64), syn_ptr, stable_order, stable_post,
          False)
    assert stable_order.tolist() == order.tolist() and stable_post.tolist() == syn_post.tolist()


def test_neuron_routes_share_a_route_between_alike_neurons_numbered_by_the_first():
    core_of = np.array([0, 0, 1, 0, 2, 0])
    dests = [[1, 2], [3], [1, 2], [1, 2], [], [3]]   # 0 and 3 alike; 2 has another core
    dest_ptr = np.concatenate([[0], np.cumsum([len(d) for d in dests])])
    dest_core = np.array([c for d in dests for c in d], np.int64)
    route_of, n_dest, src, ptr, cores = neuron_routes(core_of, dest_ptr, dest_core)
    assert route_of.tolist() == [0, 1, 2, 0, -1, 1]
    assert src.tolist() == [0, 0, 1] and n_dest.tolist() == [2, 1, 2, 2, 0, 1]
    assert [cores[ptr[r]:ptr[r + 1]].tolist() for r in range(3)] == [[1, 2], [3], [1, 2]]


def test_population_routes_reach_the_union_of_their_neurons_destinations():
    core_of = np.array([0, 0, 1, 0, 0])
    pop_of = np.array([0, 0, 0, 1, 1])
    dests = [[3, 1], [2], [1], [], [4]]           # route (core 0, pop 0) reaches 1, 2, 3
    dests = [sorted(d) for d in dests]
    dest_ptr = np.concatenate([[0], np.cumsum([len(d) for d in dests])])
    dest_core = np.array([c for d in dests for c in d], np.int64)
    route_of, n_dest, src, ptr, cores = population_routes(core_of, pop_of, dest_ptr,
                                                          dest_core, 5)
    assert route_of.tolist() == [0, 0, 2, -1, 1]   # keys (core, pop): (0,0), (0,1), (1,0)
    assert n_dest.tolist() == [3, 3, 1, 0, 1]
    assert src.tolist() == [0, 0, 1]
    assert [cores[ptr[r]:ptr[r + 1]].tolist() for r in range(3)] == [[1, 2, 3], [4], [1]]


def test_a_deliverys_tail_is_the_uncontended_tail_of_its_path():
    ir = lower(replace(preset("spinnaker2"), chips=2))
    ser = np.full(ir.n_links, 7_000, np.int64)            # every link: 7 ns of serialisation
    dst = np.array([300, 5, 0, 152, 151, 5], np.int64)    # other chip, on chip, own router
    ptr, cores, tail = route_deliveries(ir, [int(ir.core_router[9])], [0, 6], dst, ser)
    assert ptr.tolist() == [0, 5] and cores.tolist() == [0, 5, 151, 152, 300]
    for core, got in zip(cores.tolist(), tail.tolist()):
        path = ir.route(int(ir.core_router[9]), int(ir.core_router[core]))
        assert got == sum(int(ir.link_latency_ps[l]) for l in path) + (7_000 if path else 0)


def test_link_uses_count_each_tree_link_once_per_packet():
    ir = lower(preset("spinnaker2"))
    dst = np.array([40, 41, 100, 151], np.int64)
    t = multicast_route_table(ir, [0, 0], [0, 4, 6], np.concatenate([dst, [100, 12]]))
    uses = route_link_uses(ir, t.src_router, [0, 4, 6], np.concatenate([dst, [100, 12]]),
                           [3, 5])
    expected = np.zeros(ir.n_links, np.int64)
    for r, weight in ((0, 3), (1, 5)):
        links = t.link[t.indptr[r]:t.indptr[r + 1]]
        expected[links[links >= 0]] += weight
    assert uses.tolist() == expected.tolist()


