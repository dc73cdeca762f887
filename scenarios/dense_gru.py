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

**Kernel machines (a GPU).** A machine that declares no ``packet_send`` / ``packet_recv`` but a
``barrier`` action runs the stack as GPU kernels at batch 1, as the EGRU authors' CUDA code does
(EvNN, github Efficient-Scalable-Machine-Learning/EvNN, ``lib/egru_forward_gpu.cu``,
``ForwardPass::Run``: per layer and time step a cuBLAS GEMM of the input weights W x, a cuBLAS
GEMM of the recurrent weights R y and one ``PointwiseOperations`` kernel, ``KERNELS_PER_LAYER``;
W and R are dense, so neither weight pruning stored as zeros nor activity sparsity saves a
byte or a flop). Per kernel phase: ``barrier`` = one kernel launch (serial, the next kernel
starts after the previous one has finished: the host's launch is not overlapped with the GPU's
work), then every hardware thread of every core works on an even share of the rows, its weights
streamed from the memory that holds them, the state vectors read from and written to the
smallest memory (on the A100: L2). Weights never stay in a core's SRAM: a GPU's shared memory
lives only as long as one kernel. The memory of the weights (``weights_memory``): the smallest
memory that holds every weight a token reads (they are read once per token, in the same order,
so with a smaller cache every read misses), else the largest. With ``vocab`` the embedding
lookup (one row read) and the decoder (hidden -> ``vocab``, a GEMM with bias, then a
log-softmax: ``DECODER_KERNELS``) run on the machine too, as the authors' ``LanguageModel``
does (EvNN ``benchmarks/lm/models.py``); the host then sends a token id and reads back one
8-byte value (EvNN's evaluation reduces the loss on the GPU and reads a scalar, ``.item()``).
Parts of a token's latency here: ``host_link``, ``launch`` (kernel launches), ``compute`` (the
longest thread's flops of each phase), ``memory`` (the rest of each phase: weight and state
bytes). Not modelled: PyTorch's Python and dispatcher time around the kernels, the small kernels
PyTorch adds (state initialisation, threshold clamp, tensor allocation), overlap of a launch
with the previous kernel, cuBLAS's choice of tiling.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eventsim.errors import ConfigError
from eventsim.machine_ir import MachineIR
from eventsim.machine_setup import require_actions, thread_machine
from eventsim.thread_model import SoftwareThread

from .breakdown import busy_per_core

BYTES_PER_WEIGHT = 4          # FP32
BYTES_PER_VALUE = 4           # FP32 activations
PAYLOAD_BYTES = 16            # values per packet: 16-byte payload (SpiNNaker2 data-NoC flit)
FLOPS_PER_UNIT = 12           # two sigmoids, a tanh, the reset product and the blend (approx.)
# Kernel machines (a GPU), see the module docstring:
KERNELS_PER_LAYER = 3         # EvNN ForwardPass::Run per step: GEMM W x, GEMM R y, pointwise
EMBEDDING_KERNELS = 1         # nn.Embedding: one lookup kernel
DECODER_KERNELS = 2           # nn.Linear (one cuBLAS GEMM with bias) and F.log_softmax
FLOPS_PER_LOGIT = 4           # log-softmax: max, exp, sum, subtract (approx.)
TOKEN_ID_BYTES = 8            # a token id (int64) in, one 8-byte value out


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
    exchange: str = "packets"      # "packets" (cores exchange state by packets) or "memory" (kernels)
    kernels_per_token: int = 0     # kernel launches per token ("memory" only)


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


def exchange_of(machine: MachineIR) -> str:
    """How the cores of ``machine`` pass a layer's new state on: ``"packets"`` when it declares
    packet_send and packet_recv, else ``"memory"`` (kernels; needs a ``barrier``: the launch)."""
    if "packet_send" in machine.action_names and "packet_recv" in machine.action_names:
        return "packets"
    if "barrier" not in machine.action_names or not machine.memory_names:
        raise ConfigError(f"machine {machine.name!r} declares neither packet_send/packet_recv "
                          f"nor a barrier (kernel launch) and a memory; the dense GRU needs one "
                          f"of them")
    return "memory"


def weights_memory(machine: MachineIR, n_bytes: int, memory: str | None = None) -> int:
    """Index of the memory that holds ``n_bytes`` of weights read once per token: ``memory`` if
    given, else the smallest memory that holds them all, else the largest."""
    names = machine.memory_names
    if memory:
        if memory not in names:
            raise ConfigError(f"memory {memory!r} not in machine {machine.name!r}: {list(names)}")
        return names.index(memory)
    cap = machine.memory_capacity_bytes
    fit = [m for m in range(len(names)) if cap[m] >= n_bytes]
    return min(fit, key=lambda m: cap[m]) if fit else int(np.argmax(cap))


def decoder_flops(n_in: int, vocab: int) -> int:
    """Flops of the decoder per token: 2 per weight (hidden -> vocab) + the log-softmax."""
    return 2 * n_in * vocab + FLOPS_PER_LOGIT * vocab


def run_dense_gru(machine: MachineIR, sizes: list[int], n_tokens: int, *, cores: int | None = None,
                  memory: str | None = None, vocab: int | None = None, static_power: bool = True,
                  trace: bool = False) -> DenseGruRun:
    """Run ``n_tokens`` tokens through a dense GRU stack ``sizes`` (embedding first) on the first
    ``cores`` cores of ``machine`` (default: all). ``memory``: the memory port that holds the
    weights when they do not fit in SRAM (default: ``weights_memory``). ``vocab``: on a kernel
    machine, also run the embedding lookup and the decoder to ``vocab`` logits there (module
    docstring)."""
    cores = machine.n_cores if cores is None else int(cores)
    if not 1 <= cores <= machine.n_cores:
        raise ConfigError(f"cores must be in 1..{machine.n_cores}, got {cores}")
    if n_tokens < 1 or len(sizes) < 2 or min(sizes) < 1:
        raise ConfigError(f"need n_tokens >= 1 and sizes [embedding, hidden...] >= 1, got "
                          f"{n_tokens}, {sizes}")
    exchange = exchange_of(machine)
    needed = ("flop", "mem_read_byte", "packet_send", "packet_recv") if exchange == "packets" \
        else ("flop", "barrier")
    require_actions(machine, needed, "the dense GRU")
    if vocab is not None and (exchange == "packets" or vocab < 1):
        raise ConfigError(f"vocab (the decoder on the machine) needs a kernel machine and "
                          f"vocab >= 1; got {vocab} on {machine.name!r} ({exchange})")
    shapes = layer_shapes(sizes)
    layer_weights = sum(weights_of(n_in, u) for n_in, u in shapes)
    total_weights = layer_weights + (sizes[-1] * vocab if vocab else 0)
    n_sw = cores if exchange == "packets" else int(machine.core_threads[:cores].sum())
    kernel, pool, env = thread_machine(machine, trace=trace, max_items=4 * n_sw + 16,
                                       static_power=static_power)
    run = _packet_run if exchange == "packets" else _kernel_run
    latency, parts, held, weights_in, kernels = run(
        machine, env, pool, shapes, sizes, n_tokens, cores, memory, vocab,
        total_weights * BYTES_PER_WEIGHT)
    duration = int(env.now)
    rows = kernel.ledger.rows(duration)
    busy = busy_per_core(rows, machine.n_cores)
    flops_token = sum(2 * weights_of(n_in, u) + FLOPS_PER_UNIT * u for n_in, u in shapes) \
        + (decoder_flops(sizes[-1], vocab) if vocab else 0)
    return DenseGruRun(latency, parts, duration, rows, busy, held, weights_in,
                       total_weights * BYTES_PER_WEIGHT, flops_token, cores,
                       kernel.trace if trace else None, exchange, kernels)


def _packet_run(machine, env, pool, shapes, sizes, n_tokens, cores, memory, vocab, weight_bytes):
    """Cores exchanging state by packets (the module docstring's first part)."""
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
        port = weights_memory(machine, weight_bytes, memory)
    threads = [SoftwareThread(env, pool, c, name=f"core{c}") for c in range(cores)]
    host = pool.host_port
    flop = machine.action("flop")
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
        compute = machine.action_time_ps(0, flop, max(f for f, _ in works))
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

    env.kernel.compile()
    env.process(tokens())
    env.run()
    held = np.zeros(machine.n_cores, np.int64)
    held[:cores] = state_bytes + (weight_bytes_core if fits else 0)
    return latency, parts, held, "sram" if fits else machine.memory_names[port], 0


def _kernel_run(machine, env, pool, shapes, sizes, n_tokens, cores, memory, vocab, weight_bytes):
    """The stack as GPU kernels, state through memory (the module docstring's second part)."""
    wport = weights_memory(machine, weight_bytes, memory)
    sport = int(np.argmin(machine.memory_capacity_bytes))     # state vectors: the smallest memory
    threads = [SoftwareThread(env, pool, c, name=f"core{c}.{k}")
               for c in range(cores) for k in range(int(machine.core_threads[c]))]
    first_of_core = [i for i, th in enumerate(threads) if i == 0 or threads[i - 1].core != th.core]
    host = pool.host_port
    flop = machine.action("flop")
    parts = {k: np.zeros(n_tokens, np.int64) for k in ("host_link", "launch", "compute", "memory")}
    latency = np.zeros(n_tokens, np.int64)

    def phase(t, launches, rows, flops_per_row, bytes_per_row, state_in, state_out):
        """``launches`` kernels over ``rows`` rows split over the threads (each row its flops
        and weight bytes); every core reads ``state_in`` and writes its rows' ``state_out``
        values through the state memory."""
        t0 = env.now
        yield threads[0].work("barrier", launches)
        parts["launch"][t] += env.now - t0
        start = env.now
        share = _split(rows, len(threads))
        works, flops_max = [], 0
        for i, th in enumerate(threads):
            r = int(share[i])
            if r == 0:
                continue
            flops_max = max(flops_max, r * flops_per_row)
            works.append(th.work("flop", r * flops_per_row, wport, r * bytes_per_row))
        for i in first_of_core:
            th = threads[i]
            mine = int(share[i:i + int(machine.core_threads[th.core])].sum())
            if mine and state_in:
                works.append(th.work("flop", 0, sport, state_in * BYTES_PER_VALUE))
            if mine and state_out:
                works.append(th.work("flop", 0, sport, mine * state_out * BYTES_PER_VALUE,
                                     write=True))
        yield env.all_of(works)
        took = env.now - start
        compute = min(machine.action_time_ps(0, flop, flops_max), took)
        parts["compute"][t] += compute
        parts["memory"][t] += took - compute

    def host_transfer(t, n_bytes, write=False):
        t0 = env.now
        yield threads[0].work("flop", 0, host, n_bytes if host >= 0 else 0, write=write)
        parts["host_link"][t] += env.now - t0

    def tokens():
        for t in range(n_tokens):
            t0 = env.now
            if vocab:
                yield from host_transfer(t, TOKEN_ID_BYTES)
                yield from phase(t, EMBEDDING_KERNELS, 1, 0, sizes[0] * BYTES_PER_WEIGHT, 0,
                                 0)
            else:
                yield from host_transfer(t, sizes[0] * BYTES_PER_VALUE)
            for n_in, units in shapes:
                per_unit = 3 * (n_in + units)              # weights of one unit's three gates
                yield from phase(t, KERNELS_PER_LAYER, units, 2 * per_unit + FLOPS_PER_UNIT,
                                 per_unit * BYTES_PER_WEIGHT, n_in + units, 1)
            if vocab:
                n_in = sizes[-1]
                yield from phase(t, DECODER_KERNELS, vocab, 2 * n_in + FLOPS_PER_LOGIT,
                                 n_in * BYTES_PER_WEIGHT, n_in, 1)
                yield from host_transfer(t, TOKEN_ID_BYTES, write=True)
            else:
                yield from host_transfer(t, sizes[-1] * BYTES_PER_VALUE, write=True)
            latency[t] = env.now - t0

    env.kernel.compile()
    env.process(tokens())
    env.run()
    kernels = len(shapes) * KERNELS_PER_LAYER + (EMBEDDING_KERNELS + DECODER_KERNELS
                                                 if vocab else 0)
    return latency, parts, np.zeros(machine.n_cores, np.int64), machine.memory_names[wport], \
        kernels
