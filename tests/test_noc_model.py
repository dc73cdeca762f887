"""Packets through the compiled NoC model, checked against hand-computed schedules."""
import numpy as np
import pytest

import deliveries_model
from eventsim import Kernel, KernelError
from eventsim.noc_model import NocModel, path_tail_ps, route_nodes
from eventsim.routing_ir import RouteTable
from hardware_models.lowering import lower
from eventsim.multicast_trees import multicast_route_table
from hardware_models.machine import machine_from_dict

from test_machine_description import toy


def mesh_machine(width=4, height=4):
    d = toy(noc__width=width, noc__height=height, core__count=width * height)
    return lower(machine_from_dict(d))   # 1 ns per hop, 4-byte flits at 4 GB/s (1 ns per flit)


def run(ir, sends, multicast_routes=(), max_in_flight=64, trace=False):
    """sends: (t_ps, src, dst core or ("mc", route index), bytes, payload).
    Returns (sorted deliveries (t_ps, core, payload), noc model, kernel)."""
    k = Kernel(trace=trace)
    noc = NocModel(ir, max_in_flight=max_in_flight)
    routes = [int(noc.add_route_table(multicast_route_table(ir, [s], [0, len(ds)], ds))[0])
              for s, ds in multicast_routes]
    noc.attach(k)
    rec = deliveries_model.new_state(noc.state)
    noc.deliver_as(k.add_kind("deliver", deliveries_model.deliver, rec))
    for t, src, dst, nbytes, payload in sends:
        if isinstance(dst, tuple):
            noc.send(k, t, src, nbytes, payload, route=routes[dst[1]])
        else:
            noc.send(k, t, src, nbytes, payload, dst_core=dst)
    k.run()
    return deliveries_model.records(rec), noc, k


def test_a_packet_over_k_hops_costs_k_hop_latencies_plus_one_serialisation():
    ir = mesh_machine()
    # core 0 at (0,0) to core 11 at (3,2): 5 hops; 10 bytes = 3 flits = 3 ns on a link
    got, noc, _ = run(ir, [(0, 0, 11, 10, 77)])
    assert got == [(5 * 1_000 + 3_000, 11, 77)]
    assert noc.mean_latency_ps == 8_000 and noc.in_flight == 0


def test_a_packet_to_its_own_router_arrives_at_once():
    got, _, _ = run(mesh_machine(), [(500, 5, 5, 64, 1)])
    assert got == [(500, 5, 1)]


def test_two_packets_on_one_link_serialise():
    ir = mesh_machine()
    # both leave core 0 at t=0 for core 1 (one hop): the second waits 3 ns for the link
    got, _, _ = run(ir, [(0, 0, 1, 12, 1), (0, 0, 1, 12, 2)])
    assert got == [(1_000 + 3_000, 1, 1), (3_000 + 1_000 + 3_000, 1, 2)]


def test_packets_on_different_links_do_not_interfere():
    got, _, _ = run(mesh_machine(), [(0, 0, 1, 12, 1), (0, 5, 6, 12, 2)])
    assert [t for t, _, _ in got] == [4_000, 4_000]


def test_multicast_crosses_each_tree_link_once_and_reaches_every_destination():
    ir = mesh_machine()
    dests = [2, 6, 3, 0]          # (2,0), (2,1), (3,0) and the source's own router
    got, noc, k = run(ir, [(0, 0, ("mc", 0), 4, 9)], multicast_routes=[(0, dests)])
    assert sorted(c for _, c, _ in got) == sorted(dests)
    flits = noc.link_flits(k)
    tree = noc.tree_links(0)
    assert len(tree) == 4 and set(np.flatnonzero(flits)) == set(tree) and flits.sum() == 4
    times = {c: t for t, c, _ in got}
    assert times[0] == 0 and times[2] == 2 * 1_000 + 1_000 and times[6] == 3 * 1_000 + 1_000


def test_link_energy_is_flits_times_energy_per_flit_by_axis():
    ir = mesh_machine()
    _, _, k = run(ir, [(0, 0, 11, 10, 0)])      # 3 flits over 3 x-hops (3 pJ) and 2 y-hops (4 pJ)
    led = k.ledger.totals(k.now_ps)
    assert led["dynamic_energy_pj"] == pytest.approx(3 * (3 * 3.0 + 2 * 4.0))
    assert led["busy_ps"] == 5 * 3_000


def test_too_many_packets_in_flight_is_a_clear_error():
    with pytest.raises(KernelError, match="more than 2 packets in flight"):
        run(mesh_machine(), [(0, 0, 15, 4, i) for i in range(3)], max_in_flight=2)


def test_slots_are_reused_once_packets_arrive():
    k = Kernel()
    noc = NocModel(mesh_machine(), max_in_flight=1)
    noc.attach(k)
    rec = deliveries_model.new_state(noc.state)
    noc.deliver_as(k.add_kind("deliver", deliveries_model.deliver, rec))
    for i in range(10):
        noc.send(k, i * 100_000, 0, 4, i, dst_core=15)
        k.run_until((i + 1) * 100_000)
    assert len(deliveries_model.records(rec)) == 10 and noc.in_flight == 0


def test_a_packet_to_another_chip_goes_through_the_gateways_and_the_chip_link():
    d = toy(chips=2, chip_link={"bandwidth_bytes_per_s": 1e9, "latency_ps": 5_000,
                                "energy_pj_per_byte": 10.0})
    ir = lower(machine_from_dict(d))
    # core 3 (chip 0, router (1,1)) -> core 7 (chip 1, router (1,1)): 2 hops to gateway r0,
    # chip link (5 ns), 2 hops; head at 9 ns, tail 1 ns later (4 bytes at 4 GB/s on the last link)
    got, noc, k = run(ir, [(0, 3, 7, 4, 5)])
    assert got == [(10_000, 7, 5)]
    # one flit: x (3 pJ) + y (4 pJ) on each chip, and 4 bytes x 10 pJ/B on the chip link
    assert k.ledger.totals(k.now_ps)["dynamic_energy_pj"] == pytest.approx(2 * (3.0 + 4.0) + 40.0)


def test_a_paths_tail_arrives_after_its_hop_latencies_and_its_last_links_serialisation():
    # paths [link 0, link 2] and [link 1]; latencies 3, 4, 5 ps; serialisation 10, 20, 30 ps
    tail = path_tail_ps([0, 2, 3], [0, 2, 1], [3, 4, 5], [10, 20, 30])
    assert tail.tolist() == [3 + 5 + 30, 4 + 20]


def test_an_empty_path_takes_no_time():
    assert path_tail_ps([0, 0, 1], [1], [3, 4], [10, 20]).tolist() == [0, 4 + 20]


def test_route_nodes_make_each_route_a_tree_of_its_routers_with_their_deliveries():
    # route 0 from router 0: delivers to core 5 there, copies onto link 0 (to router 1) and
    # link 2 (to router 2); router 1 delivers to cores 6, 7; router 2 copies onto link 3 (to
    # router 3), which delivers to core 9. Route 1 from router 2 delivers to core 8 there and
    # copies onto link 1, to router 0, where it has no entries.
    table = RouteTable(indptr=np.array([0, 7, 9]), router=np.array([0, 0, 0, 1, 1, 2, 3, 2, 2]),
                       link=np.array([-1, 0, 2, -1, -1, 3, -1, -1, 1]),
                       core=np.array([5, -1, -1, 6, 7, -1, 9, 8, -1]), src_router=np.array([0, 2]))
    root, deliv, child_ptr, child_link, child_node, ptr, cores = route_nodes(
        table, link_dst=[1, 0, 2, 3], n_cores=10)
    # nodes: 0 = route 0 at router 0, 1 = at router 1, 2 = at router 2, 3 = at router 3,
    # 4 = route 1 at router 2
    assert root.tolist() == [0, 4]
    assert deliv.tolist() == [10, 11, -1, 12, 13]
    assert child_ptr.tolist() == [0, 2, 2, 3, 3, 4]
    assert child_link.tolist() == [0, 2, 3, 1]
    assert child_node.tolist() == [1, 2, 3, -1]
    assert ptr.tolist() == list(range(11)) + [11, 13, 14, 15]
    assert cores.tolist() == list(range(10)) + [5, 6, 7, 9, 8]
