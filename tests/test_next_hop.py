"""The routing function of a lowered board (``eventsim.next_hop``, ``hardware_models.lowering``):
paths between chips go by the gateways and the chip link, a torus goes the shorter way round
(forward on a tie), and lowering takes no router x router table."""
from dataclasses import replace

from hypothesis import given, settings, strategies as st

from hardware_models.board import Board
from hardware_models.lowering import lower
from hardware_models.presets import preset


def board(chips=3, width=4, height=3, topology="mesh"):
    """SpiNNaker2 chips with a width x height NoC, every pair of chips linked."""
    s = preset("spinnaker2")
    per_router = -(-s.core.count // (width * height))
    return lower(replace(s, chips=chips, board=Board("all_to_all"),
                         noc=replace(s.noc, topology=topology, width=width, height=height,
                                     cores_per_router=per_router)))


def hops(ir, path):
    return [(int(ir.link_src[l]), int(ir.link_dst[l])) for l in path]


def test_a_packet_to_another_chip_goes_by_both_gateways_and_the_chip_link():
    ir = board()                                   # 12 routers per chip, gateway = router 0
    # chip 0 (1,1) = router 5 -> chip 2 (3,0) = router 24 + 3 = 27
    assert hops(ir, ir.route(5, 27)) == [(5, 4), (4, 0), (0, 24), (24, 25), (25, 26), (26, 27)]
    assert [bool(ir.link_off_chip[l]) for l in ir.route(5, 27)] == [False, False, True, False,
                                                                    False, False]


def test_a_torus_goes_the_shorter_way_round_and_forward_on_a_tie():
    ir = board(chips=1, width=4, height=4, topology="torus")
    assert hops(ir, ir.route(0, 3)) == [(0, 3)]               # 1 hop back, not 3 forward
    assert hops(ir, ir.route(0, 2)) == [(0, 1), (1, 2)]       # 2 either way: forward
    assert hops(ir, ir.route(0, 12)) == [(0, 12)]             # y wraps too


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5), st.data())
def test_path_length_is_the_manhattan_distance_via_the_gateways(chips, width, height, data):
    ir = board(chips, width, height)
    R = width * height
    a = data.draw(st.integers(0, chips * R - 1))
    b = data.draw(st.integers(0, chips * R - 1))
    (ax, ay), (bx, by) = ir.router_xy[a], ir.router_xy[b]
    if a // R == b // R:
        expected = abs(ax - bx) + abs(ay - by)
    else:                                           # to (0, 0), chip link, from (0, 0)
        expected = ax + ay + 1 + bx + by
    path = ir.route(a, b)
    assert len(path) == expected
    at = a
    for src, dst in hops(ir, path):                 # a chain of links from a to b
        assert src == at
        at = dst
    assert at == b


def test_a_thousand_by_thousand_mesh_lowers_without_a_router_pair_table():
    s = preset("spinnaker2")
    ir = lower(replace(s, noc=replace(s.noc, width=1000, height=1000)))
    assert ir.n_routers == 10**6
    assert ir.n_links == 4 * 1000 * 999                    # 2 directions x 2 axes x 999 x 1000
    assert ir.routing.port_link.shape == (10**6, 4)
    assert len(ir.route(0, 10**6 - 1)) == 2 * 999


def test_on_a_hex_board_a_packet_crosses_the_chips_between():
    s = preset("spinnaker2")                       # 48 chips on an 8 x 6 hexagonal lattice
    ir = lower(replace(s, chips=48))
    R = s.noc.n_routers
    path = ir.route(0, 47 * R)                     # chip (0, 0) to chip (7, 5)
    chips = [int(ir.router_chip[ir.link_dst[l]]) for l in path if ir.link_off_chip[l]]
    # east first while it stays on a shortest path (7 hops): 2 east, then 5 north-east
    assert chips == [1, 2, 11, 20, 29, 38, 47]
