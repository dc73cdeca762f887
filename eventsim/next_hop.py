"""A machine's routing function: the first link from one router towards another, computed from
the router's position, not looked up in a router x router table (which grows as the square of
the routers: 4 M entries for a 48-chip SpiNNaker2 board, 10^12 for a 1000 x 1000 mesh).

Routers are numbered over the board, chip by chip (``MachineIR``). Within a chip:
- ``MESH`` and ``TORUS``: dimension order, x first then y; on a torus each axis goes the
  shortest way round (forward on a tie). The link leaving router r towards +x, -x, +y, -y is
  ``port_link[r, 0..3]``.
- ``DIRECT`` (crossbar, bus): one link from each router to each other; the link from r to the
  router with index j within the chip is ``port_link[r, j]``.
Between chips, a packet goes within its chip to the chip's gateway router, over the chip link
``chip_next_link[chip, destination chip]`` (which may lead to an intermediate chip's gateway),
and on from there.

``next_link(rt, at, dst)`` is the function; the NoC model calls it per hop, and
``MachineIR.route`` and ``multicast_trees`` walk it.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .jit import kernel_jit

MESH, TORUS, DIRECT = 0, 1, 2
PLUS_X, MINUS_X, PLUS_Y, MINUS_Y = range(4)

Routing = namedtuple("Routing", ["shape", "router_chip", "router_xy", "port_link",
                                 "chip_gateway", "chip_next_link"])
Routing.__doc__ = """The routing function's arrays (int64): shape = [kind (MESH, TORUS or
DIRECT), routers per chip along x, along y]; router_chip[r], router_xy[r] = (x, y) within its
chip; port_link[r, p] (-1: none); chip_gateway[chip] (a router); chip_next_link[chip, chip]
(-1 on the diagonal)."""


def routing_arrays(kind: int, width: int, height: int, router_chip, router_xy, port_link,
                   chip_gateway, chip_next_link) -> Routing:
    """A Routing with every array as contiguous int64."""
    as64 = lambda a: np.ascontiguousarray(a, dtype=np.int64)
    return Routing(np.array([kind, width, height], np.int64), as64(router_chip),
                   as64(router_xy).reshape(-1, 2), as64(port_link), as64(chip_gateway),
                   as64(chip_next_link))


@kernel_jit(inline="always")
def _axis_step(pos, goal, size, torus):
    """+1 or -1: the direction of one hop from ``pos`` towards ``goal`` along an axis of
    ``size`` routers."""
    if torus:
        forward = (goal - pos) % size
        return 1 if forward <= size - forward else -1
    return 1 if goal > pos else -1


@kernel_jit
def next_link(rt, at, dst):
    """The link a packet at router ``at`` leaves by towards router ``dst`` (-1 if at == dst)."""
    if at == dst:
        return -1
    chip = rt.router_chip[at]
    if rt.router_chip[dst] != chip:
        gateway = rt.chip_gateway[chip]
        if at == gateway:
            return rt.chip_next_link[chip, rt.router_chip[dst]]
        dst = gateway
    kind = rt.shape[0]
    if kind == DIRECT:
        return rt.port_link[at, dst - chip * rt.shape[1] * rt.shape[2]]
    x, y = rt.router_xy[at, 0], rt.router_xy[at, 1]
    gx, gy = rt.router_xy[dst, 0], rt.router_xy[dst, 1]
    torus = kind == TORUS
    if x != gx:
        step = _axis_step(x, gx, rt.shape[1], torus)
        return rt.port_link[at, PLUS_X if step > 0 else MINUS_X]
    step = _axis_step(y, gy, rt.shape[2], torus)
    return rt.port_link[at, PLUS_Y if step > 0 else MINUS_Y]
