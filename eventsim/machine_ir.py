"""The machine IR: what the compiled kernel needs to know about hardware, as flat arrays.

Front ends (``hardware_models``) lower their descriptions to this; the kernel's hardware
handlers (``noc_model``, ...) read only this. Indices: cores c, routers r (global over chips),
links l (directed), contention resources s (a link's serialisation resource: the link itself on
a mesh, the output port on a crossbar, one shared resource on a bus), actions a, memories m.
Units are in the names.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError
from .next_hop import Routing, next_link

SEMANTICS = ("event", "timer", "barrier")


@dataclass
class MachineIR:
    name: str
    semantics: str
    step_ps: int
    n_chips: int
    # cores
    core_chip: np.ndarray            # int32[C]
    core_router: np.ndarray          # int32[C]
    core_threads: np.ndarray         # int32[C]
    core_sram_bytes: np.ndarray      # int64[C]
    core_static_power_w: np.ndarray  # float64[C]
    core_clock_hz: np.ndarray        # float64[C] at the DVFS level in use
    action_names: tuple[str, ...]
    action_cycles: np.ndarray        # float64[C, A] clock cycles of one action
    action_energy_pj: np.ndarray     # float64[C, A] energy of one action
    action_available: np.ndarray     # bool[C, A]
    # network
    router_chip: np.ndarray          # int32[R]
    router_xy: np.ndarray            # int32[R, 2] position within its chip
    link_src: np.ndarray             # int32[L] router
    link_dst: np.ndarray             # int32[L] router
    link_latency_ps: np.ndarray      # int64[L] head latency of one hop
    link_ps_per_byte: np.ndarray     # float64[L] serialisation time per byte
    link_energy_pj_per_flit: np.ndarray  # float64[L]
    link_resource: np.ndarray        # int32[L] contention resource of the link
    link_off_chip: np.ndarray        # bool[L] chip-to-chip link
    routing: Routing                 # the routing function (``next_hop``): first link from r towards r2
    flit_bytes: int
    router_static_power_w: float
    multicast: bool = True           # routers copy packets along a tree; else one packet per destination
    # memories (per chip, numbered over the board)
    memory_names: tuple[str, ...] = ()
    memory_chip: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    memory_capacity_bytes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    memory_bandwidth_bytes_per_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    memory_latency_ps: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    memory_read_pj_per_byte: np.ndarray = field(default_factory=lambda: np.zeros(0))
    memory_write_pj_per_byte: np.ndarray = field(default_factory=lambda: np.zeros(0))
    memory_static_power_w: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # host link (bandwidth 0: none)
    host_bandwidth_bytes_per_s: float = 0.0
    host_latency_ps: int = 0
    host_energy_pj_per_byte: float = 0.0
    chip_static_power_w: float = 0.0
    action_unit: np.ndarray | None = None   # int32[C, A] thread that always does the action, -1 any
    synapse_memory: int = -1         # which of a chip's memories holds off-chip synapse rows (-1: none)
    # silicon area in mm² (all 0: not described; ``eventsim.area``)
    core_area_mm2: np.ndarray | None = None      # float64[C]: logic and SRAM
    router_area_mm2: np.ndarray | None = None    # float64[R]
    link_area_mm2: np.ndarray | None = None      # float64[L]: PHYs of chip-to-chip links
    memory_area_mm2: np.ndarray | None = None    # float64[M]: controllers and PHYs
    chip_other_area_mm2: float = 0.0             # per chip, the rest

    def __post_init__(self):
        if self.action_unit is None:
            object.__setattr__(self, "action_unit", np.full(self.action_cycles.shape, -1, np.int32))
        for name, n in (("core_area_mm2", self.n_cores), ("router_area_mm2", self.n_routers),
                        ("link_area_mm2", self.n_links),
                        ("memory_area_mm2", len(self.memory_names))):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.zeros(n))
        if self.semantics not in SEMANTICS:
            raise ConfigError(f"semantics must be one of {SEMANTICS}, got {self.semantics!r}")
        C, R, L = self.n_cores, self.n_routers, self.n_links
        A = len(self.action_names)
        shapes = {"core_router": (C,), "core_threads": (C,), "core_sram_bytes": (C,),
                  "core_static_power_w": (C,), "core_clock_hz": (C,), "action_cycles": (C, A),
                  "action_energy_pj": (C, A), "action_available": (C, A), "action_unit": (C, A),
                  "router_xy": (R, 2), "link_dst": (L,), "link_latency_ps": (L,),
                  "link_ps_per_byte": (L,), "link_energy_pj_per_flit": (L,),
                  "link_resource": (L,), "link_off_chip": (L,), "core_area_mm2": (C,),
                  "router_area_mm2": (R,), "link_area_mm2": (L,),
                  "memory_area_mm2": (len(self.memory_names),)}
        for name, shape in shapes.items():
            got = getattr(self, name).shape
            if got != shape:
                raise ConfigError(f"machine IR {name} has shape {got}, expected {shape}")
        rt = self.routing
        if rt.router_chip.shape != (R,) or rt.port_link.shape[0] != R \
                or rt.chip_next_link.shape != (self.n_chips, self.n_chips) \
                or rt.chip_gateway.shape != (self.n_chips,):
            raise ConfigError(f"machine IR routing arrays do not fit {R} routers on "
                              f"{self.n_chips} chips")
        if C and (self.core_router.min() < 0 or self.core_router.max() >= R):
            raise ConfigError("machine IR core_router points outside the routers")

    @property
    def n_cores(self) -> int:
        return int(self.core_chip.shape[0])

    @property
    def n_routers(self) -> int:
        return int(self.router_chip.shape[0])

    @property
    def n_links(self) -> int:
        return int(self.link_src.shape[0])

    @property
    def n_resources(self) -> int:
        return int(self.link_resource.max()) + 1 if self.n_links else 0

    @property
    def memories_per_chip(self) -> int:
        return len(self.memory_names) // max(self.n_chips, 1)

    def synapse_memory_of_chip(self) -> np.ndarray:
        """int64[chips]: the memory (numbered over the board) that holds each chip's off-chip
        synapse rows; -1 for all if the machine has none."""
        if self.synapse_memory < 0:
            return np.full(self.n_chips, -1, np.int64)
        return np.arange(self.n_chips, dtype=np.int64) * self.memories_per_chip + self.synapse_memory

    def synapse_memory_of_core(self) -> np.ndarray:
        """int64[C]: the memory that holds each core's off-chip synapse rows (its chip's)."""
        return self.synapse_memory_of_chip()[self.core_chip]

    def action(self, name: str) -> int:
        """Index of action ``name``."""
        try:
            return self.action_names.index(name)
        except ValueError:
            raise ConfigError(f"the machine has no action {name!r}; it has {list(self.action_names)}") from None

    def action_time_ps(self, core: int, action: int, n: float = 1) -> int:
        """Busy time of ``n`` actions on ``core``, rounded to the ps once (no per-action drift)."""
        return round(n * self.action_cycles[core, action] * 1e12 / self.core_clock_hz[core])

    def route(self, src_router: int, dst_router: int) -> list[int]:
        """Links of the path from ``src_router`` to ``dst_router`` (following the routing
        function, ``next_hop.next_link``)."""
        for r, name in ((src_router, "src"), (dst_router, "dst")):
            if not 0 <= r < self.n_routers:
                raise ConfigError(f"router {name} = {r} outside 0..{self.n_routers - 1}")
        path, r = [], src_router
        while r != dst_router:
            l = int(next_link(self.routing, r, dst_router))
            if l < 0 or len(path) > self.n_links:
                raise ConfigError(f"no route from router {src_router} to {dst_router}")
            path.append(l)
            r = int(self.link_dst[l])
        return path
