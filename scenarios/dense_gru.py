"""A dense GRU stack at batch 1 on a machine's cores: the conventional (not event-based)
execution an EGRU is compared with, run as software threads (``eventsim.thread_model``).

Per token: the host sends the embedding (``embedding`` x 4 bytes) over the host link to core 0;
then layer by layer every core computes its share of the layer's units (rows split evenly over
``cores``): 2 flops per weight of the three gates (W x and U h, FP32) plus ``FLOPS_PER_UNIT``
element-wise flops per unit, reading its weights (4 bytes each) from its own SRAM when every
core's share of all layers fits there (``mem_read_byte`` on the core), else streaming them from
``memory`` (a memory port, e.g. LPDDR4, shared by all cores); it then sends its units' new
state as packets (``packet_send``, 16-byte payloads) and, once every core has finished the
layer, each core receives the whole new state (``packet_recv`` per packet) for the next layer.
After the last layer core 0 sends the last hidden state to the host. Every action is charged
to the ledger by the compiled core and port models; NoC links and routers are not modelled
here (only the cores' send and receive cycles): said in every report that uses it.

Latency of a token (ps) and its parts: ``host_link`` (both transfers), ``compute`` (per layer,
the busy time of the core that finished last on its flops), ``memory`` (the rest of that
layer's phase: waiting for weights), ``noc`` (sending and receiving the new state).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eventsim.errors import ConfigError
from eventsim.kernel import Kernel
from eventsim.machine_ir import MachineIR
from eventsim.process import Environment
from eventsim.static_power import register_static_power
from eventsim.thread_model import SoftwareThread, ThreadPool

from .breakdown import busy_per_core

BYTES_PER_WEIGHT = 4          # FP32
BYTES_PER_VALUE = 4           # FP32 activations
PAYLOAD_BYTES = 16            # values per packet: 16-byte payload (SpiNNaker2 data-NoC flit)
FLOPS_PER_UNIT = 12           # two sigmoids, a tanh, the reset product and the blend (approx.)


@dataclass
class DenseGruRun:
    """What a dense run produced: per-token latency and its parts (ps), the ledger rows over the
    run, per-core busy time (ps) and bytes held, where the weights live."""
    latency_ps: np.ndarray
    latency_parts_ps: dict
    duration_ps: int
    ledger_rows: list = field(repr=False)
    busy_ps: np.ndarray = field(repr=False)
    sram_bytes_per_core: np.ndarray = field(repr=False)
    weights_in: str
    weight_bytes: int
    flops_per_token: int
    cores_used: int
    trace: object = field(default=None, repr=False)


def layer_shapes(sizes: list[int]) -> list[tuple[int, int]]:
    """(inputs, units) of each GRU layer of the stack ``sizes`` = [embedding, h1, h2, ...]."""
    return [(sizes[l], sizes[l + 1]) for l in range(len(sizes) - 1)]


def weights_of(n_in: int, units: int) -> int:
    """Weights of one GRU layer: three gates, each W (n_in x units) and U (units x units)."""
    return 3 * units * (n_in + units)


def _split(units: int, cores: int) -> np.ndarray:
    """Units per core, as even as possible (the first cores take one more)."""
    return np.full(cores, units // cores, np.int64) + (np.arange(cores) < units % cores)


def _packets(n_values: int) -> int:
    per = PAYLOAD_BYTES // BYTES_PER_VALUE
    return -(-int(n_values) // per)


def run_dense_gru(machine: MachineIR, sizes: list[int], n_tokens: int, *, cores: int | None = None,
                  memory: str | None = None, static_power: bool = True,
                  trace: bool = False) -> DenseGruRun:
    """Run ``n_tokens`` tokens through a dense GRU stack ``sizes`` (embedding first) on the first
    ``cores`` cores of ``machine`` (default: all). ``memory``: the memory port that holds the
    weights when they do not fit in SRAM (default: the machine's first memory)."""
    cores = machine.n_cores if cores is None else int(cores)
    if not 1 <= cores <= machine.n_cores:
        raise ConfigError(f"cores must be in 1..{machine.n_cores}, got {cores}")
    if n_tokens < 1 or len(sizes) < 2 or min(sizes) < 1:
        raise ConfigError(f"need n_tokens >= 1 and sizes [embedding, hidden...] >= 1, got "
                          f"{n_tokens}, {sizes}")
    for a in ("flop", "mem_read_byte", "packet_send", "packet_recv"):
        if a not in machine.action_names:
            raise ConfigError(f"machine {machine.name!r} declares no {a!r} action; the dense "
                              f"GRU needs it")
    shapes = layer_shapes(sizes)
    share = [_split(units, cores) for _, units in shapes]
    weight_bytes_core = sum(3 * s * (n_in + u) for (n_in, u), s in zip(shapes, share)) \
        * BYTES_PER_WEIGHT
    state_bytes = max(sizes) * BYTES_PER_VALUE * 2
    sram = machine.core_sram_bytes[:cores]
    fits = bool(np.all(weight_bytes_core + state_bytes <= sram))
    port = -1
    if not fits:
        if not machine.memory_names:
            raise ConfigError(f"the dense GRU's weights ({int(weight_bytes_core.max())} bytes per "
                              f"core) do not fit in SRAM and machine {machine.name!r} has no memory")
        name = memory or machine.memory_names[0]
        if name not in machine.memory_names:
            raise ConfigError(f"memory {name!r} not in machine {machine.name!r}: "
                              f"{list(machine.memory_names)}")
        port = machine.memory_names.index(name)
    kernel = Kernel(seed=0, trace=trace)
    pool = ThreadPool(kernel, machine, max_items=4 * cores + 16)
    if static_power:
        register_static_power(kernel.ledger, machine)
    env = Environment(kernel)
    threads = [SoftwareThread(env, pool, c, name=f"core{c}") for c in range(cores)]
    host = pool.host_port
    flop_ps = machine.action_time_ps(0, machine.action("flop"))
    parts = {k: np.zeros(n_tokens, np.int64) for k in ("host_link", "compute", "memory", "noc")}
    latency = np.zeros(n_tokens, np.int64)

    def layer(l, t):
        n_in, units = shapes[l]
        start = env.now
        works = []
        for c, th in enumerate(threads):
            u = int(share[l][c])
            if u == 0:
                continue
            flops = 2 * 3 * u * (n_in + units) + FLOPS_PER_UNIT * u
            n_bytes = 3 * u * (n_in + units) * BYTES_PER_WEIGHT
            works.append((flops, th.work("flop", flops, port, n_bytes if port >= 0 else 0)))
            if port < 0:
                works.append((0, th.work("mem_read_byte", n_bytes)))
        yield env.all_of([w for _, w in works])
        compute = max(f for f, _ in works) * flop_ps
        phase = env.now - start
        parts["compute"][t] += min(compute, phase)
        parts["memory"][t] += max(0, phase - compute)
        start = env.now
        yield env.all_of([th.work("packet_send", _packets(share[l][c]))
                          for c, th in enumerate(threads) if share[l][c]])
        yield env.all_of([th.work("packet_recv", _packets(units)) for th in threads])
        parts["noc"][t] += env.now - start

    def tokens():
        for t in range(n_tokens):
            t0 = env.now
            yield threads[0].work("packet_recv", _packets(sizes[0]), host,
                                  sizes[0] * BYTES_PER_VALUE if host >= 0 else 0)
            parts["host_link"][t] += env.now - t0
            for l in range(len(shapes)):
                yield from layer(l, t)
            t1 = env.now
            yield threads[0].work("packet_send", _packets(sizes[-1]), host,
                                  sizes[-1] * BYTES_PER_VALUE if host >= 0 else 0, write=True)
            parts["host_link"][t] += env.now - t1
            latency[t] = env.now - t0

    kernel.compile()
    env.process(tokens())
    env.run()
    duration = int(env.now)
    rows = kernel.ledger.rows(duration)
    busy = busy_per_core(rows, machine.n_cores)
    held = np.zeros(machine.n_cores, np.int64)
    held[:cores] = state_bytes + (weight_bytes_core if fits else 0)
    flops_token = sum(2 * weights_of(n_in, u) + FLOPS_PER_UNIT * u for n_in, u in shapes)
    return DenseGruRun(latency, parts, duration, rows, busy, held,
                       "sram" if fits else machine.memory_names[port],
                       sum(weights_of(n_in, u) for n_in, u in shapes) * BYTES_PER_WEIGHT,
                       flops_token, cores, kernel.trace if trace else None)
