"""Network-on-chip: 2-D mesh or torus with dimension-order (x, then y) routing, a crossbar, or a
shared bus; multicast by routing tree; per-hop latency, link serialisation and energy per flit.

Routers are numbered r = y * width + x. Links are directed. A packet of B bytes is
ceil(B / flit_bytes) flits; without contention it arrives after the sum of its hops' latencies
(hop_latency_x_ps east-west, hop_latency_y_ps north-south; both default to hop_latency_ps) plus its
serialisation time flits x flit_bytes / link bandwidth (wormhole: serialisation is paid once).
A multicast packet travels once over each link of the union of its dimension-order paths.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from eventsim.errors import ConfigError
from eventsim.noc_model import packet_flits, path_tail_ps, serialisation_ps

from .fields import Table

TOPOLOGIES = ("mesh", "torus", "crossbar", "bus")
PS_PER_S = 10**12


@dataclass(frozen=True)
class NoC:
    topology: str
    width: int
    height: int
    cores_per_router: int
    flit_bytes: int
    hop_latency_ps: int
    link_bandwidth_bytes_per_s: float
    hop_energy_x_pj: float
    hop_energy_y_pj: float
    hop_latency_x_ps: int = -1       # -1: hop_latency_ps
    hop_latency_y_ps: int = -1
    router_static_power_w: float = 0.0
    multicast: bool = True

    @classmethod
    def from_table(cls, t: Table) -> NoC:
        topology = t.string("topology", choices=TOPOLOGIES)
        default_hop = t.number("hop_energy_pj", default=0.0, minimum=0)
        both_axes = t.has("hop_latency_x_ps") and t.has("hop_latency_y_ps")
        default_latency = t.number("hop_latency_ps", default=0 if both_axes else None, minimum=0,
                                   integer=True)
        n = cls(topology=topology,
                width=t.number("width", default=1, minimum=1, integer=True),
                height=t.number("height", default=1, minimum=1, integer=True),
                cores_per_router=t.number("cores_per_router", default=1, minimum=1, integer=True),
                flit_bytes=t.number("flit_bytes", minimum=1, integer=True),
                hop_latency_ps=default_latency,
                hop_latency_x_ps=t.number("hop_latency_x_ps", default=default_latency, minimum=0,
                                          integer=True),
                hop_latency_y_ps=t.number("hop_latency_y_ps", default=default_latency, minimum=0,
                                          integer=True),
                link_bandwidth_bytes_per_s=t.number("link_bandwidth_bytes_per_s", above=0),
                hop_energy_x_pj=t.number("hop_energy_x_pj", default=default_hop, minimum=0),
                hop_energy_y_pj=t.number("hop_energy_y_pj", default=default_hop, minimum=0),
                router_static_power_w=t.number("router_static_power_w", default=0.0, minimum=0),
                multicast=t.boolean("multicast", default=True))
        t.done()
        return n

    # -- geometry ----------------------------------------------------------------------------
    @property
    def n_routers(self) -> int:
        return self.width * self.height

    def xy(self, router: int) -> tuple[int, int]:
        return router % self.width, router // self.width

    def router_of_core(self, core: int) -> int:
        """The router a core (index within its chip) is attached to."""
        return core // self.cores_per_router

    @cached_property
    def links(self) -> list[tuple[int, int, str]]:
        """Directed links as (src router, dst router, axis): axis "x", "y", "xbar" or "bus".
        A crossbar or bus joins every pair of its width x height ports directly; on a bus all
        those links share one medium, on a crossbar each output port is shared."""
        if self.topology in ("crossbar", "bus"):
            n, axis = self.n_routers, ("xbar" if self.topology == "crossbar" else "bus")
            return [(a, b, axis) for a in range(n) for b in range(n) if a != b]
        out = []
        wrap = self.topology == "torus"
        for r in range(self.n_routers):
            x, y = self.xy(r)
            for dx, dy, axis in ((1, 0, "x"), (-1, 0, "x"), (0, 1, "y"), (0, -1, "y")):
                nx, ny = x + dx, y + dy
                if wrap:
                    nx, ny = nx % self.width, ny % self.height
                if 0 <= nx < self.width and 0 <= ny < self.height and (nx, ny) != (x, y):
                    link = (r, ny * self.width + nx, axis)
                    if link not in out:
                        out.append(link)
        return out

    @cached_property
    def link_id(self) -> dict[tuple[int, int], int]:
        return {(a, b): i for i, (a, b, _) in enumerate(self.links)}

    def _step(self, pos: int, goal: int, size: int) -> int:
        """+1 or -1: the direction of one hop along an axis (shortest way round on a torus)."""
        if self.topology == "torus":
            forward = (goal - pos) % size
            return 1 if forward <= size - forward else -1
        return 1 if goal > pos else -1

    def route(self, src: int, dst: int) -> list[int]:
        """Link ids of the dimension-order path from router ``src`` to ``dst`` ([] if equal)."""
        for r, name in ((src, "src"), (dst, "dst")):
            if not 0 <= r < self.n_routers:
                raise ConfigError(f"router {name} = {r} outside 0..{self.n_routers - 1}")
        if src == dst:
            return []
        if self.topology in ("crossbar", "bus"):
            return [self.link_id[(src, dst)]]
        (x, y), (gx, gy) = self.xy(src), self.xy(dst)
        path = []
        while x != gx:
            nx = (x + self._step(x, gx, self.width)) % self.width
            path.append(self.link_id[(y * self.width + x, y * self.width + nx)])
            x = nx
        while y != gy:
            ny = (y + self._step(y, gy, self.height)) % self.height
            path.append(self.link_id[(y * self.width + x, ny * self.width + x)])
            y = ny
        return path

    def multicast_tree(self, src: int, dsts) -> list[int]:
        """Link ids of the multicast tree from ``src`` to every router in ``dsts`` (each link
        once). Without multicast support, the links of one unicast per destination (repeats
        kept)."""
        if self.multicast:
            return sorted({l for d in dsts for l in self.route(src, d)})
        return [l for d in dsts for l in self.route(src, d)]

    # -- costs -------------------------------------------------------------------------------
    def flits(self, n_bytes: int) -> int:
        """Flits of a packet of ``n_bytes`` (an int; ``eventsim.noc_model.packet_flits``)."""
        return int(packet_flits(int(n_bytes), int(self.flit_bytes)))

    def serialisation_ps(self, n_bytes: int) -> int:
        """Time for a packet's flits to cross one link, in ps
        (``eventsim.noc_model.serialisation_ps``)."""
        return int(serialisation_ps(self.flits(n_bytes), self.flit_bytes,
                                    PS_PER_S / self.link_bandwidth_bytes_per_s))

    def link_energy_pj(self, link: int) -> float:
        """Energy per flit crossing ``link``, in pJ."""
        axis = self.links[link][2]
        return self.hop_energy_y_pj if axis == "y" else self.hop_energy_x_pj

    def link_latency_ps(self, link: int) -> int:
        """Head latency of one hop over ``link`` (router + wire), in ps."""
        axis = self.links[link][2]
        lat = self.hop_latency_y_ps if axis == "y" else self.hop_latency_x_ps
        return self.hop_latency_ps if lat < 0 else lat

    def unicast_latency_ps(self, src: int, dst: int, n_bytes: int) -> int:
        """Uncontended latency of one packet, in ps (0 within a router)."""
        path = self.route(src, dst)
        latency = [self.link_latency_ps(link) for link in path]
        return int(path_tail_ps([0, len(path)], np.arange(len(path)), latency,
                                [self.serialisation_ps(n_bytes)] * len(path))[0])

    def packet_energy_pj(self, links, n_bytes: int) -> float:
        """Energy of a packet of ``n_bytes`` crossing ``links`` once each, in pJ."""
        return self.flits(n_bytes) * sum(self.link_energy_pj(l) for l in links)
