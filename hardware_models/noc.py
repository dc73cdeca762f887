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
from eventsim.next_hop import DIRECT, MESH, TORUS, Routing, next_link, routing_arrays
from eventsim.noc_model import packet_flits, path_tail_ps, serialisation_ps

from .fields import Table

TOPOLOGIES = ("mesh", "torus", "crossbar", "bus")
AXES = ("x", "y", "xbar", "bus")
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
    def link_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The chip's directed links as arrays: (src router, dst router, axis code: an index
        into AXES) of each link, and port_link[r, p], the link leaving router r by port p (-1:
        none; ports as ``eventsim.next_hop`` numbers them: +x, -x, +y, -y on a mesh or torus,
        the destination router on a crossbar or bus). A crossbar or bus joins every pair of
        its width x height ports directly; on a bus all those links share one medium, on a
        crossbar each output port is shared. Links are numbered by source router, then port."""
        n = self.n_routers
        if self.topology in ("crossbar", "bus"):
            src, dst = np.divmod(np.arange(n * n, dtype=np.int64), n)
            keep = src != dst
            port = np.full(n * n, -1, np.int64)
            port[keep] = np.arange(int(keep.sum()))
            axis = AXES.index("xbar" if self.topology == "crossbar" else "bus")
            return (src[keep], dst[keep], np.full(int(keep.sum()), axis, np.int64),
                    port.reshape(n, n))
        r = np.arange(n, dtype=np.int64)
        x, y = (r % self.width)[:, None], (r // self.width)[:, None]
        nx, ny = x + np.array([1, -1, 0, 0]), y + np.array([0, 0, 1, -1])
        if self.topology == "torus":
            nx, ny = nx % self.width, ny % self.height
        ok = (nx >= 0) & (nx < self.width) & (ny >= 0) & (ny < self.height) \
            & ((nx != x) | (ny != y))
        # on a torus two routers wide, -x reaches the router +x does: one link, both ports
        same_x = ok[:, 0] & ok[:, 1] & (nx[:, 0] == nx[:, 1])
        same_y = ok[:, 2] & ok[:, 3] & (ny[:, 2] == ny[:, 3])
        real = ok.copy()
        real[:, 1] &= ~same_x
        real[:, 3] &= ~same_y
        port = np.full((n, 4), -1, np.int64)
        port[real] = np.arange(int(real.sum()))
        port[same_x, 1] = port[same_x, 0]
        port[same_y, 3] = port[same_y, 2]
        src = np.broadcast_to(r[:, None], (n, 4))[real]
        axis = np.broadcast_to(np.array([0, 0, 1, 1], np.int64), (n, 4))[real]
        return src, (ny * self.width + nx)[real], axis, port

    @property
    def n_links(self) -> int:
        return int(self.link_table[0].shape[0])

    @cached_property
    def links(self) -> list[tuple[int, int, str]]:
        """Directed links as (src router, dst router, axis): axis "x", "y", "xbar" or "bus"
        (``link_table``)."""
        src, dst, axis, _ = self.link_table
        return [(a, b, AXES[k]) for a, b, k in zip(src.tolist(), dst.tolist(), axis.tolist())]

    @cached_property
    def link_id(self) -> dict[tuple[int, int], int]:
        return {(a, b): i for i, (a, b, _) in enumerate(self.links)}

    @cached_property
    def routing(self) -> Routing:
        """The routing function of this chip alone (``eventsim.next_hop``)."""
        kind = {"mesh": MESH, "torus": TORUS}.get(self.topology, DIRECT)
        r = np.arange(self.n_routers)
        return routing_arrays(kind, self.width, self.height, np.zeros(self.n_routers),
                              np.stack([r % self.width, r // self.width], axis=1),
                              self.link_table[3], [0], [[-1]])

    def route(self, src: int, dst: int) -> list[int]:
        """Link ids of the dimension-order path from router ``src`` to ``dst`` ([] if equal)."""
        for r, name in ((src, "src"), (dst, "dst")):
            if not 0 <= r < self.n_routers:
                raise ConfigError(f"router {name} = {r} outside 0..{self.n_routers - 1}")
        path = []
        link_dst = self.link_table[1]
        while src != dst:
            link = int(next_link(self.routing, src, dst))
            path.append(link)
            src = int(link_dst[link])
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

    def link_energy_pj(self, link) -> float | np.ndarray:
        """Energy per flit crossing ``link`` (an id or an array of ids), in pJ."""
        y = self.link_table[2][link] == AXES.index("y")
        energy = np.where(y, float(self.hop_energy_y_pj), float(self.hop_energy_x_pj))
        return float(energy) if np.ndim(link) == 0 else energy

    def link_latency_ps(self, link) -> int | np.ndarray:
        """Head latency of one hop over ``link`` (an id or an array of ids; router + wire),
        in ps."""
        lat_x = self.hop_latency_ps if self.hop_latency_x_ps < 0 else self.hop_latency_x_ps
        lat_y = self.hop_latency_ps if self.hop_latency_y_ps < 0 else self.hop_latency_y_ps
        lat = np.where(self.link_table[2][link] == AXES.index("y"), lat_y, lat_x).astype(np.int64)
        return int(lat) if np.ndim(link) == 0 else lat

    def unicast_latency_ps(self, src: int, dst: int, n_bytes: int) -> int:
        """Uncontended latency of one packet, in ps (0 within a router)."""
        path = self.route(src, dst)
        latency = [self.link_latency_ps(link) for link in path]
        return int(path_tail_ps([0, len(path)], np.arange(len(path)), latency,
                                [self.serialisation_ps(n_bytes)] * len(path))[0])

    def packet_energy_pj(self, links, n_bytes: int) -> float:
        """Energy of a packet of ``n_bytes`` crossing ``links`` once each, in pJ."""
        return self.flits(n_bytes) * sum(self.link_energy_pj(l) for l in links)
