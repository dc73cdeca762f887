"""How a board joins its chips: which pairs of chips have a chip-to-chip link, and by which link
a packet leaves a chip towards another (shortest paths over the chip links).

Topologies ([chip_link] ``topology``):
- "all_to_all": a link between every ordered pair of chips;
- "mesh": chips on a grid ``grid_width`` wide (chip c at (c mod width, c div width)), each
  linked to its east, west, north and south neighbours (as Loihi chips extend their mesh
  through their four sides: Davies et al., IEEE Micro 2018, read via WikiChip's summary);
- "hex": the same grid, each chip linked to its east, west, north, south, north-east and
  south-west neighbours: six links, as SpiNNaker's triangular lattice of chips (Furber et al.,
  "The SpiNNaker Project", Proc. IEEE 102(5), 2014; the SpiNNaker2 datasheet v0.03 gives each
  chip 6 inter-chip links). No link wraps around the grid's edges.
``grid_width`` 0 picks the narrowest width of at least sqrt(chips) that divides the chips (48
chips: 8 x 6). A packet goes to the neighbour, in the order just listed, first on a shortest
path: dimension order (x, then y) on a mesh.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from eventsim.errors import ConfigError

from .fields import Table

TOPOLOGIES = ("all_to_all", "mesh", "hex")
_STEPS = {"mesh": ((1, 0), (-1, 0), (0, 1), (0, -1)),
          "hex": ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1))}


@dataclass(frozen=True)
class Board:
    topology: str = "all_to_all"
    grid_width: int = 0                    # chips per row of the grid (0: chosen from chips)

    @classmethod
    def from_table(cls, t: Table) -> Board:
        """The board keys of a [chip_link] table (the link's own numbers are ``Link``'s)."""
        return cls(t.string("topology", choices=TOPOLOGIES, default="all_to_all"),
                   t.number("grid_width", default=0, minimum=0, integer=True))

    def width(self, chips: int) -> int:
        """Chips per row of the grid for a board of ``chips``."""
        if self.grid_width:
            if chips % self.grid_width:
                raise ConfigError(f"chip_link.grid_width = {self.grid_width} does not divide "
                                  f"the {chips} chips into rows")
            return self.grid_width
        return next(w for w in range(math.isqrt(chips - 1) + 1 if chips > 1 else 1, chips + 1)
                    if chips % w == 0)

    def links(self, chips: int) -> tuple[np.ndarray, np.ndarray]:
        """(src chip, dst chip) of each directed chip link, by source chip, then neighbour."""
        if self.topology == "all_to_all":
            a, b = np.divmod(np.arange(chips * chips, dtype=np.int64), chips)
            return a[a != b], b[a != b]
        w = self.width(chips)
        h = chips // w
        src, dst = [], []
        for c in range(chips):
            x, y = c % w, c // w
            for dx, dy in _STEPS[self.topology]:
                if 0 <= x + dx < w and 0 <= y + dy < h:
                    src.append(c)
                    dst.append((y + dy) * w + x + dx)
        return np.array(src, np.int64), np.array(dst, np.int64)

    def next_link(self, chips: int) -> np.ndarray:
        """int64[chips, chips]: the index (into ``links``) of the link a packet leaves chip a by
        towards chip b (-1 on the diagonal): the first of a's links onto a shortest path."""
        src, dst = self.links(chips)
        out_of = [[] for _ in range(chips)]
        into = [[] for _ in range(chips)]
        for i, (a, b) in enumerate(zip(src.tolist(), dst.tolist())):
            out_of[a].append((i, b))
            into[b].append(a)
        table = np.full((chips, chips), -1, np.int64)
        for goal in range(chips):
            dist = _distances_to(goal, into, chips)
            for a in range(chips):
                if a != goal:
                    if dist[a] < 0:
                        raise ConfigError(f"chip {a} has no path of chip links to chip {goal}")
                    table[a, goal] = next(i for i, b in out_of[a] if dist[b] == dist[a] - 1)
        return table


def _distances_to(goal: int, into, chips: int) -> list[int]:
    """Hops of chip links from every chip to ``goal`` (-1: none), breadth first."""
    dist = [-1] * chips
    dist[goal] = 0
    todo = deque([goal])
    while todo:
        c = todo.popleft()
        for a in into[c]:
            if dist[a] < 0:
                dist[a] = dist[c] + 1
                todo.append(a)
    return dist
