"""Packets on the network-on-chip of a MachineIR, hop by hop, with link contention.

A packet's head arrives at a router at time t. To leave it takes the next link of its route;
the link's contention resource is free from ``resource_free_ps``: the packet starts at
max(t, free), holds the resource for its serialisation time (flits x flit_bytes x ps per byte)
and its head reaches the next router a hop latency after it started. At its destination the
packet is delivered when its tail arrives (head + its last serialisation time); delivery
schedules the ``deliver`` kind with target = destination core and the packet's payload.
Uncontended, k hops take k x hop latency + one serialisation; packets queue first come first
served on a busy link. Buffers are unbounded (no back-pressure).

Multicast packets follow a routing tree (``add_route_table``: trees of the routing IR,
``routing_ir.RouteTable``, built by ``hardware_models.routing``) and are copied at its branch
points, so each tree link carries the packet once. Every flit crossing a link is charged to that
link's ledger row (energy per flit; busy time = serialisation).

A delivery reaches a *delivery group* of cores at once: the ``deliver`` event's target is the
group, whose cores are ``deliv_core[deliv_ptr[d]:deliv_ptr[d + 1]]`` (ascending). Group c < n
cores is core c alone (a unicast packet); the others are the cores a multicast tree reaches at
one router, whose tails arrive together. One event per group, not per core, is the same order of
handling: the per-core events were pushed one after the other at the same time and priority,
so nothing could come between them.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from .jit import kernel_jit

from .context import ERR_USER, fail, register_error, schedule_at
from .ledger import ledger_charge_amount
from .machine_ir import MachineIR
from .multicast_trees import route_link_uses
from .next_hop import next_link
from .routing_ir import RouteTable, concat_route_tables, route_max_copies
from .trace import trace_busy, trace_on
from .errors import ConfigError, KernelError

ERR_NOC_FULL = register_error(ERR_USER + 1, "more than {b} packets in flight on the NoC "
                                           "(raise max_in_flight); at t = {a} ps")
ERR_NOC_ROUTE = register_error(ERR_USER + 2, "multicast route {a} does not exist ({b} routes)")

# stats[] slots
FREE_HEAD, IN_FLIGHT, DELIVERED, LATENCY_SUM_PS, LATENCY_MAX_PS, INJECTED, HOP_KIND, \
    DELIVER_KIND, LABEL, FLITS = range(10)

NocState = namedtuple("NocState", [
    "link_dst", "link_latency_ps", "link_ps_per_byte", "link_resource", "link_row",
    "link_component", "routing", "core_router", "flit_bytes", "resource_free_ps",
    "pkt_dst_core", "pkt_route", "pkt_flits", "pkt_t0", "pkt_payload", "pkt_refs", "pkt_next",
    "mc_root", "mc_deliv", "mc_child_ptr", "mc_child_link", "mc_child_node", "deliv_ptr",
    "deliv_core", "stats"])
NocState.__doc__ = """Links (link_*: head latency ps, ps per byte, contention resource, ledger
row, trace component), the routing function's arrays (``next_hop.Routing``), core_router[core],
resource_free_ps[resource]; the packets in flight by slot (pkt_*: destination core or -1,
multicast route or -1, flits, injection time ps, payload, copies alive, free list); the
multicast routes as trees of nodes, a node being a route at one of its routers
(``route_nodes``): mc_root[route] = the node at its source router (-1: none), mc_deliv[n] = the
delivery group of the cores node n reaches at its router (-1: none), and its copies onto
links mc_child_link[j] towards node mc_child_node[j] (-1: the route does not go on there) for j
in mc_child_ptr[n]:mc_child_ptr[n + 1]; delivery groups deliv_ptr, deliv_core (see the module's
docstring); stats[] (FREE_HEAD ... FLITS)."""


@kernel_jit
def _alloc(ctx, noc, t_ps):
    slot = noc.stats[FREE_HEAD]
    if slot < 0:
        fail(ctx, ERR_NOC_FULL, t_ps, noc.pkt_next.shape[0])
        return -1
    noc.stats[FREE_HEAD] = noc.pkt_next[slot]
    noc.stats[IN_FLIGHT] += 1
    noc.stats[INJECTED] += 1
    return slot


@kernel_jit
def _release(noc, slot):
    noc.pkt_next[slot] = noc.stats[FREE_HEAD]
    noc.stats[FREE_HEAD] = slot
    noc.stats[IN_FLIGHT] -= 1


@kernel_jit
def packet_flits(n_bytes, flit_bytes):
    """Flits of a packet of ``n_bytes`` bytes (integers) on links of ``flit_bytes``-byte flits:
    ceil(n_bytes / flit_bytes), at least 1 (a header-only packet still takes a flit). The one
    definition, for compiled code and for Python."""
    f = (n_bytes + flit_bytes - 1) // flit_bytes
    return f if f > 0 else 1


@kernel_jit
def noc_flits(noc, n_bytes):
    """Flits of a packet of ``n_bytes`` on this NoC (``packet_flits``)."""
    return packet_flits(n_bytes, noc.flit_bytes[0])


@kernel_jit
def _fill(noc, slot, dst_core, route, n_bytes, t_ps, payload):
    """Write a new packet into ``slot`` (dst_core -1 for multicast, route -1 for unicast)."""
    noc.pkt_dst_core[slot] = dst_core
    noc.pkt_route[slot] = route
    noc.pkt_flits[slot] = noc_flits(noc, n_bytes)
    noc.pkt_t0[slot] = t_ps
    noc.pkt_payload[slot] = payload
    noc.pkt_refs[slot] = 1


@kernel_jit
def noc_unicast(ctx, noc, t_ps, src_core, dst_core, n_bytes, payload):
    """Inject a packet of ``n_bytes`` from ``src_core`` to ``dst_core`` at ``t_ps``; it is
    delivered as event ``deliver`` (target dst_core, ``payload``). True on success."""
    slot = _alloc(ctx, noc, t_ps)
    if slot < 0:
        return False
    _fill(noc, slot, dst_core, -1, n_bytes, t_ps, payload)
    return schedule_at(ctx, t_ps, noc.stats[HOP_KIND], noc.core_router[src_core], slot)


@kernel_jit
def noc_multicast(ctx, noc, t_ps, src_core, route, n_bytes, payload):
    """Inject a packet at ``src_core``'s router that follows multicast ``route`` (a route
    starts at its source's router)."""
    if route < 0 or route >= noc.mc_root.shape[0]:
        fail(ctx, ERR_NOC_ROUTE, route, noc.mc_root.shape[0])
        return False
    slot = _alloc(ctx, noc, t_ps)
    if slot < 0:
        return False
    _fill(noc, slot, -1, route, n_bytes, t_ps, payload)
    return schedule_at(ctx, t_ps, noc.stats[HOP_KIND], noc.mc_root[route], slot)


def serialisation_ps(flits, flit_bytes, ps_per_byte):
    """Time (ps, as a float of an integer) that a link of ``ps_per_byte`` takes to pass a
    packet of ``flits`` flits of ``flit_bytes`` bytes: flits x flit_bytes x ps_per_byte,
    rounded to the nearest ps (half to even). ``ps_per_byte`` a number or an array (per link).
    The one definition: Python calls it with numpy, compiled code as ``_serialisation_ps``."""
    return np.rint(flits * flit_bytes * ps_per_byte)


_serialisation_ps = kernel_jit(inline="always")(serialisation_ps)


def path_tail_ps(ptr, links, link_latency_ps, link_serialisation_ps) -> np.ndarray:
    """Uncontended time (ps) until a packet's tail reaches the end of each path
    ``links[ptr[i]:ptr[i + 1]]``: the head latencies of its links (``link_latency_ps[link]``)
    plus the serialisation of its last link (``link_serialisation_ps[link]``, for the packet's
    flits); 0 for an empty path. The one definition: compiled code walks a path as
    ``noc_path_tail_ps``, which charges each link as it goes."""
    ptr, links = np.asarray(ptr, np.int64), np.asarray(links, np.int64)
    latency = np.asarray(link_latency_ps, np.int64)
    summed = np.concatenate([[0], np.cumsum(latency[links])])
    hops = np.diff(ptr)
    if links.size == 0:
        return np.zeros(hops.shape[0], np.int64)
    last = links[np.maximum(ptr[1:] - 1, 0)]
    ser = np.where(hops > 0, np.asarray(link_serialisation_ps, np.int64)[last], 0)
    return summed[ptr[1:]] - summed[ptr[:-1]] + ser


@kernel_jit
def noc_charge_link(ctx, noc, link, flits):
    """One packet of ``flits`` over ``link``: energy per flit and serialisation time in the
    ledger; returns the serialisation time in ps."""
    ser = np.int64(_serialisation_ps(flits, noc.flit_bytes[0], noc.link_ps_per_byte[link]))
    row = noc.link_row[link]
    ledger_charge_amount(ctx.ledger, row, flits, flits * ctx.ledger.cost_energy_pj[row], ser)
    return ser


@kernel_jit(inline="always")
def noc_path_tail_ps(ctx, noc, src_router, dst_router, flits):
    """Charge each link from src_router to dst_router one packet of ``flits``; return the
    uncontended time until its tail arrives (``path_tail_ps``: hop latencies + the last
    link's serialisation)."""
    r, t, ser = src_router, np.int64(0), np.int64(0)
    while r != dst_router:
        link = next_link(noc.routing, r, dst_router)
        ser = noc_charge_link(ctx, noc, link, flits)
        t += noc.link_latency_ps[link]
        r = noc.link_dst[link]
    return t + ser


@kernel_jit
def _forward(ctx, noc, t_ps, slot, link, at):
    """Send one copy of ``slot`` over ``link`` (contention, energy, trace, next hop event,
    whose target is ``at``: ``noc_hop``)."""
    res = noc.link_resource[link]
    start = max(t_ps, noc.resource_free_ps[res])
    flits = noc.pkt_flits[slot]
    ser = noc_charge_link(ctx, noc, link, flits)
    noc.resource_free_ps[res] = start + ser
    noc.stats[FLITS] += flits
    if trace_on(ctx.trace):
        trace_busy(ctx.trace, start, ser, noc.link_component[link], noc.stats[LABEL])
    schedule_at(ctx, start + noc.link_latency_ps[link], noc.stats[HOP_KIND], at,
                (ser << 32) | slot)


@kernel_jit
def _deliver(ctx, noc, t_ps, slot, group):
    """Deliver ``slot``'s packet to the cores of delivery group ``group`` at t_ps."""
    n = noc.deliv_ptr[group + 1] - noc.deliv_ptr[group]
    latency = t_ps - noc.pkt_t0[slot]
    noc.stats[DELIVERED] += n
    noc.stats[LATENCY_SUM_PS] += n * latency
    if latency > noc.stats[LATENCY_MAX_PS]:
        noc.stats[LATENCY_MAX_PS] = latency
    schedule_at(ctx, t_ps, noc.stats[DELIVER_KIND], group, noc.pkt_payload[slot])


@kernel_jit
def noc_hop(t_ps, at, packed, noc, ctx):
    """Handler: a packet's head (``packed`` = last serialisation ps << 32 | slot) reaches a
    router: ``at`` is that router for a unicast packet, and for a multicast packet its route's
    node there (``route_nodes``; -1: the route does not go on there), which delivers to its
    cores and then copies the packet onto its links."""
    slot = packed & 0xFFFFFFFF
    tail_ps = t_ps + (packed >> 32)
    route = noc.pkt_route[slot]
    if route < 0:
        dst = noc.pkt_dst_core[slot]
        if noc.core_router[dst] == at:
            _deliver(ctx, noc, tail_ps, slot, dst)
            _release(noc, slot)
        else:
            link = next_link(noc.routing, at, noc.core_router[dst])
            _forward(ctx, noc, t_ps, slot, link, noc.link_dst[link])
        return
    if at >= 0:
        if noc.mc_deliv[at] >= 0:
            _deliver(ctx, noc, tail_ps, slot, noc.mc_deliv[at])
        for j in range(noc.mc_child_ptr[at], noc.mc_child_ptr[at + 1]):
            noc.pkt_refs[slot] += 1
            _forward(ctx, noc, t_ps, slot, noc.mc_child_link[j], noc.mc_child_node[j])
    noc.pkt_refs[slot] -= 1
    if noc.pkt_refs[slot] == 0:
        _release(noc, slot)


def route_nodes(table: RouteTable, link_dst, n_cores: int):
    """The multicast routes of ``table`` (entries sorted by router within each route) as trees
    of nodes, a node being a route's entries at one router, numbered in entry order: the node
    of each route at its source router (root, per route; -1: none); per node, the delivery
    group of its cores (deliv, -1: none) and its copies onto links (child_ptr; per copy, in entry
    order, child_link and the route's node at the router that link leads to, child_node, -1:
    none); and the delivery groups (``deliv_ptr``, ``deliv_core``: groups 0..n_cores-1 the cores
    alone, then one per node with cores, ascending as the entries). Returns (root, deliv,
    child_ptr, child_link, child_node, deliv_ptr, deliv_core)."""
    n_routes, n = table.indptr.shape[0] - 1, table.router.shape[0]
    route = np.repeat(np.arange(n_routes, dtype=np.int64), np.diff(table.indptr))
    R = int(max(table.router.max(initial=0), np.max(link_dst, initial=0),
                table.src_router.max(initial=0))) + 1
    key = route * R + table.router                       # ascending: sorted by (route, router)
    first = np.ones(n, bool)
    first[1:] = key[1:] != key[:-1]
    node_of = np.cumsum(first) - 1                       # each entry's node
    n_nodes = int(first.sum())

    def node_at(wanted):
        at = np.searchsorted(key, wanted)
        found = at < n
        found[found] = key[at[found]] == wanted[found]
        return np.where(found, node_of[np.minimum(at, max(n - 1, 0))], -1)

    root = node_at(np.arange(n_routes, dtype=np.int64) * R + table.src_router)
    forward = table.link >= 0
    child_link = table.link[forward].astype(np.int64)
    child_node = node_at(route[forward] * R + np.asarray(link_dst, np.int64)[child_link])
    child_ptr = np.concatenate([[0], np.cumsum(np.bincount(node_of[forward], minlength=n_nodes))])
    cores_per_node = np.bincount(node_of[~forward], minlength=n_nodes)
    delivers = cores_per_node > 0
    deliv = np.full(n_nodes, -1, np.int64)
    deliv[delivers] = n_cores + np.arange(int(delivers.sum()))
    ptr = np.concatenate([np.arange(n_cores + 1), n_cores + np.cumsum(cores_per_node[delivers])])
    cores = np.concatenate([np.arange(n_cores), table.core[~forward]])
    return (root.astype(np.int64), deliv, child_ptr.astype(np.int64), child_link,
            child_node.astype(np.int64), ptr.astype(np.int64), cores.astype(np.int64))


def charge_route_uses(ledger, noc, uses, m) -> None:
    """Charge the links of every multicast route of mapping ``m`` its uses (``uses[r]``) x one
    packet of ``m.spike_bytes`` each, as ``noc_charge_link`` charges one packet, and zero the
    uses (the analytic NoC's multicast packets, charged after a run). The links crossed are
    counted from the routes' paths (``multicast_trees.route_link_uses``)."""
    if not uses.any():
        return
    per_link = route_link_uses(m.machine, m.route_src_router, m.tree_dest_ptr,
                               m.tree_dest_core, uses)
    links = np.flatnonzero(per_link)
    per_link = per_link[links]
    flits = int(packet_flits(int(m.spike_bytes), int(noc.flit_bytes[0])))
    ser = serialisation_ps(flits, noc.flit_bytes[0], noc.link_ps_per_byte[links]).astype(np.int64)
    rows = noc.link_row[links]
    a = ledger.arrays
    np.add.at(a.count, rows, per_link * flits)
    np.add.at(a.energy_pj, rows, per_link * (flits * a.cost_energy_pj[rows]))
    np.add.at(a.busy_ps, rows, per_link * ser)
    uses[:] = 0


class NocModel:
    """Builds the NoC state of a MachineIR, its multicast routes and its ledger rows, and
    attaches its hop handler to a kernel."""

    def __init__(self, ir: MachineIR, max_in_flight: int = 1 << 16):
        if max_in_flight < 1:
            raise ConfigError(f"max_in_flight must be >= 1, got {max_in_flight}")
        self.ir = ir
        self.max_in_flight = max_in_flight
        self._tables: list[RouteTable] = []
        self._table: RouteTable | None = None
        self.n_routes = 0
        self.state: NocState | None = None
        self.hop_kind = -1

    def add_route_table(self, table: RouteTable) -> np.ndarray:
        """Add the routes of ``table`` (e.g. built before, for an earlier run on this machine);
        returns their ids."""
        if self.state is not None:
            raise ConfigError("add multicast routes before attach()")
        n = table.indptr.shape[0] - 1
        self._tables.append(table)
        self._table = None
        self.n_routes += n
        return np.arange(self.n_routes - n, self.n_routes, dtype=np.int64)

    @property
    def routes(self) -> RouteTable:
        """Every multicast route added so far, as one RouteTable."""
        if self._table is None:
            self._table = self._tables[0] if len(self._tables) == 1 else concat_route_tables(self._tables)
            self._tables = [self._table]
        return self._table

    @property
    def route_src_router(self) -> list[int]:
        """The router where each multicast route starts."""
        return self.routes.src_router.tolist()

    @property
    def _routes(self) -> list[list[tuple[int, int, int]]]:
        """The (router, link, core) entries of each route as Python lists (for code that walks
        them in Python; ``routes`` has them as arrays)."""
        t = self.routes
        entries = list(zip(t.router.tolist(), t.link.tolist(), t.core.tolist()))
        return [entries[a:b] for a, b in zip(t.indptr[:-1].tolist(), t.indptr[1:].tolist())]

    def tree_links(self, route: int) -> list[int]:
        """The links of multicast ``route``."""
        t = self.routes
        links = t.link[t.indptr[route]:t.indptr[route + 1]]
        return links[links >= 0].tolist()

    def attach(self, kernel, deliver_kind: int = -1, max_pushes: int | None = None) -> int:
        """Register the hop handler on ``kernel``, its ledger rows and trace components;
        packets are delivered as ``deliver_kind`` (-1: none yet, see ``deliver_as``). Returns
        the hop kind id."""
        ir = self.ir
        rows, comps = [], []
        for l in range(ir.n_links):
            chip = int(ir.router_chip[ir.link_src[l]])
            name = f"chip{chip}.link{l}.r{ir.link_src[l]}-r{ir.link_dst[l]}"
            rows.append(kernel.ledger.add_action(name, "flit",
                                                 energy_pj=float(ir.link_energy_pj_per_flit[l]),
                                                 chip=chip))
            comps.append(kernel.components.id(name))
        table = self.routes
        if ir.n_cores + table.router.shape[0] >= 1 << 31:
            raise ConfigError(f"{table.router.shape[0]} multicast route entries: more than an "
                              f"event's 32-bit target can name")
        trees = route_nodes(table, ir.link_dst, ir.n_cores)
        P = self.max_in_flight
        stats = np.zeros(10, np.int64)
        stats[HOP_KIND] = -1
        stats[DELIVER_KIND] = deliver_kind
        stats[LABEL] = kernel.trace.label("packet")
        pkt_next = np.arange(1, P + 1, dtype=np.int64)
        pkt_next[-1] = -1
        self.state = NocState(
            ir.link_dst.astype(np.int64), ir.link_latency_ps.astype(np.int64),
            ir.link_ps_per_byte.astype(np.float64), ir.link_resource.astype(np.int64),
            np.array(rows, np.int64), np.array(comps, np.int64), ir.routing,
            ir.core_router.astype(np.int64), np.array([ir.flit_bytes], np.int64),
            np.zeros(max(ir.n_resources, 1), np.int64),
            np.zeros(P, np.int64), np.zeros(P, np.int64), np.zeros(P, np.int64),
            np.zeros(P, np.int64), np.zeros(P, np.int64), np.zeros(P, np.int64), pkt_next,
            *trees, stats)
        if max_pushes is None:
            max_pushes = route_max_copies(table)
        self.hop_kind = kernel.add_kind("noc_hop", noc_hop, self.state, max_pushes=max_pushes)
        stats[HOP_KIND] = self.hop_kind
        return self.hop_kind

    def deliver_as(self, kind: int) -> None:
        """Deliver packets as event kind ``kind`` (registered by the caller after ``attach``,
        whose state may hold this NoC's)."""
        if self.state is None:
            raise ConfigError("attach() the NoC to a kernel before naming its delivery kind")
        self.state.stats[DELIVER_KIND] = kind

    def send(self, kernel, t_ps: int, src_core: int, n_bytes: int, payload: int = 0, *,
             dst_core: int | None = None, route: int | None = None) -> None:
        """From Python: inject a packet at ``t_ps`` to ``dst_core`` or along multicast
        ``route`` (exactly one of them)."""
        if self.state is None:
            raise ConfigError("attach() the NoC to a kernel before sending")
        if (dst_core is None) == (route is None):
            raise ConfigError("send() needs exactly one of dst_core and route")
        ir, st = self.ir, self.state
        for name, c in (("src_core", src_core), ("dst_core", dst_core)):
            if c is not None and not 0 <= c < ir.n_cores:
                raise ConfigError(f"{name} = {c} outside 0..{ir.n_cores - 1}")
        if route is not None and not 0 <= route < self.n_routes:
            raise ConfigError(f"multicast route {route} does not exist ({self.n_routes} routes)")
        if n_bytes < 0:
            raise ConfigError(f"n_bytes must be >= 0, got {n_bytes}")
        slot = int(st.stats[FREE_HEAD])
        if slot < 0:
            raise KernelError(f"more than {self.max_in_flight} packets in flight on the NoC "
                              f"(raise max_in_flight); at t = {t_ps} ps")
        at = int(ir.core_router[src_core]) if route is None else int(st.mc_root[route])
        kernel.schedule(t_ps, self.hop_kind, target=at, payload=slot)
        st.stats[FREE_HEAD] = st.pkt_next[slot]
        st.stats[IN_FLIGHT] += 1
        st.stats[INJECTED] += 1
        _fill(st, slot, -1 if dst_core is None else dst_core, -1 if route is None else route,
              n_bytes, t_ps, payload)

    # -- results -------------------------------------------------------------------------
    @property
    def delivered(self) -> int:
        return int(self.state.stats[DELIVERED])

    @property
    def injected(self) -> int:
        return int(self.state.stats[INJECTED])

    @property
    def in_flight(self) -> int:
        return int(self.state.stats[IN_FLIGHT])

    @property
    def mean_latency_ps(self) -> float:
        d = self.delivered
        return float(self.state.stats[LATENCY_SUM_PS]) / d if d else float("nan")

    @property
    def max_latency_ps(self) -> int:
        return int(self.state.stats[LATENCY_MAX_PS])

    def link_flits(self, kernel) -> np.ndarray:
        """Flits that crossed each link so far."""
        return kernel.ledger.arrays.count[self.state.link_row].copy()
