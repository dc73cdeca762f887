"""Network-on-chip routing and costs against hand-computed values."""
from dataclasses import replace

import pytest
from hypothesis import given, strategies as st

from eventsim import ConfigError
from hardware_models.noc import NoC


def mesh(w=4, h=4, topology="mesh", multicast=True):
    return NoC(topology=topology, width=w, height=h, cores_per_router=1, flit_bytes=4,
               hop_latency_ps=1_000, link_bandwidth_bytes_per_s=4e9, hop_energy_x_pj=3.0,
               hop_energy_y_pj=4.0, multicast=multicast)


def test_dimension_order_routes_x_first_then_y():
    n = mesh()
    path = [n.links[l][:2] for l in n.route(0, 4 * 2 + 3)]     # (0,0) -> (3,2)
    assert path == [(0, 1), (1, 2), (2, 3), (3, 7), (7, 11)]


@given(st.integers(0, 15), st.integers(0, 15))
def test_mesh_hops_are_the_manhattan_distance(a, b):
    n = mesh()
    (ax, ay), (bx, by) = n.xy(a), n.xy(b)
    assert len(n.route(a, b)) == abs(ax - bx) + abs(ay - by)


def test_torus_takes_the_wrap_around_link_when_shorter():
    n = mesh(topology="torus")
    assert [n.links[l][:2] for l in n.route(0, 3)] == [(0, 3)]


def test_k_hops_cost_k_hop_latencies_plus_one_serialisation():
    n = mesh()
    # 5 hops, 10 bytes = 3 flits of 4 bytes = 12 bytes at 4 GB/s = 3,000 ps
    assert n.unicast_latency_ps(0, 11, 10) == 5 * 1_000 + 3_000
    assert n.unicast_latency_ps(5, 5, 10) == 0


def test_east_west_and_north_south_hops_may_differ_in_latency():
    n = replace(mesh(), hop_latency_x_ps=4_100, hop_latency_y_ps=6_500)
    # (0,0) -> (3,2): 3 x-hops, 2 y-hops, 3 flits serialised once (3,000 ps)
    assert n.unicast_latency_ps(0, 11, 10) == 3 * 4_100 + 2 * 6_500 + 3_000


def test_energy_is_flits_times_per_hop_energy_by_axis():
    n = mesh()
    links = n.route(0, 11)               # 3 x-hops, 2 y-hops
    assert n.packet_energy_pj(links, 10) == 3 * (3 * 3.0 + 2 * 4.0)


def test_multicast_charges_each_tree_link_once():
    n = mesh()
    # from (0,0) to (2,0), (2,1), (3,0): x-path 0->1->2 shared, then 2->3 and 2->6
    tree = n.multicast_tree(0, [2, 6, 3])
    assert sorted(n.links[l][:2] for l in tree) == [(0, 1), (1, 2), (2, 3), (2, 6)]
    unicast = mesh(multicast=False).multicast_tree(0, [2, 6, 3])
    assert len(unicast) == 2 + 3 + 3


def test_crossbar_and_bus_are_one_hop():
    xbar = replace(mesh(), topology="crossbar")
    assert len(xbar.route(0, 15)) == 1
    bus = replace(mesh(), topology="bus")
    assert len(bus.route(0, 15)) == 1 and bus.links[bus.route(3, 4)[0]] == (3, 4, "bus")


def test_routes_outside_the_network_are_refused():
    with pytest.raises(ConfigError, match=r"router dst = 16 outside 0..15"):
        mesh().route(0, 16)
