"""How a board joins its chips (``hardware_models.board``): which chips are linked in each
topology, and that a packet crosses chips along a shortest path, first neighbour first."""
import numpy as np
import pytest

from eventsim import ConfigError
from hardware_models.board import Board


def hops(board, chips, a, b):
    """The chips a packet visits from chip a to chip b (following ``next_link``)."""
    src, dst = board.links(chips)
    table = board.next_link(chips)
    path = [a]
    while path[-1] != b:
        path.append(int(dst[table[path[-1], b]]))
    return path


def test_a_mesh_links_four_neighbours_and_goes_x_first():
    board = Board("mesh", grid_width=3)             # 3 x 2 chips: 0 1 2 / 3 4 5
    src, dst = board.links(6)
    assert sorted(dst[src == 1].tolist()) == [0, 2, 4]
    assert hops(board, 6, 0, 5) == [0, 1, 2, 5]


def test_a_hex_lattice_links_six_neighbours_and_takes_the_diagonal():
    board = Board("hex", grid_width=3)              # 3 x 3 chips, centre chip 4 at (1, 1)
    src, dst = board.links(9)
    assert sorted(dst[src == 4].tolist()) == [0, 1, 3, 5, 7, 8]   # not 2 (1, -1) nor 6 (-1, 1)
    assert hops(board, 9, 0, 8) == [0, 4, 8]                     # two north-east hops
    assert len(hops(board, 9, 2, 6)) - 1 == 4                    # no (-1, +1) link: 2 + 2


def test_all_to_all_links_every_pair_directly():
    board = Board()
    src, dst = board.links(4)
    assert list(zip(src.tolist(), dst.tolist()))[:3] == [(0, 1), (0, 2), (0, 3)]
    assert all(hops(board, 4, a, b) == [a, b] for a in range(4) for b in range(4) if a != b)


def test_the_grid_is_the_narrowest_width_of_at_least_the_square_root():
    assert Board("hex").width(48) == 8 and Board("hex").width(7) == 7
    assert Board("mesh").width(36) == 6


def test_a_grid_width_that_does_not_divide_the_chips_is_refused():
    with pytest.raises(ConfigError, match="grid_width = 5 does not divide the 48 chips"):
        Board("mesh", grid_width=5).links(48)
