"""NIR (Neuromorphic Intermediate Representation, Pedersen et al. 2024) import and export.

    net = from_nir("lif_norse.nir")                       # a NirNetwork
    inputs = net.input_events(x, dt_s=1e-4)               # x: [steps, input channels]
    result = simulate(net.with_inputs(inputs), 1e-4, steps)

Neuron nodes (LIF, CubaLIF, IF, LI, I, Threshold) become populations (their shape flattened).
The weight nodes between two neuron nodes (Affine, Linear, Conv2d, SumPool2d, Flatten, Scale,
Delay) are composed into one sparse projection; their biases become the post population's bias
input. A Delay anywhere on the way splits the path by its distinct delays (a synapse reached
by channels of different delays becomes one synapse per delay, in separate projections
``src->dst``, ``src->dst#1``, ...); delays on one path add up. Edges from ``Input`` through weight nodes become an *input map*: a step's input vector
is multiplied through it at run time and delivered to the neurons as input events (the host's
work, not charged to the machine). Every projection takes at least one step (eventsim's
discrete-time semantics: a spike is a message); a ``Delay`` adds its delay. So a spike of layer
L reaches layer L + 1 one step later than in simulators that evaluate a whole graph per step.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from eventsim.errors import ConfigError
from eventsim.neuron_model import resolve
from eventsim.workload_ir import InputEvents, Projection, WorkloadIR

from .population import population

NEURON_NODES = ("LIF", "CubaLIF", "IF", "LI", "I", "Threshold", "CubaLI")
WEIGHT_NODES = ("Affine", "Linear", "Conv2d", "SumPool2d", "Flatten", "Scale", "Delay")


@dataclass
class InputMap:
    """Input channels -> neurons of one population: matrix [population size, n inputs]."""
    population: int
    matrix: sp.csr_matrix


@dataclass
class NirNetwork:
    workload: WorkloadIR
    n_inputs: int
    input_maps: list[InputMap]
    outputs: list[int]                       # populations that feed the Output node
    node_population: dict[str, int] = field(default_factory=dict)

    def input_events(self, x, dt_s: float) -> list[InputEvents]:
        """Input events for ``x``: [steps, n_inputs] values (a current held over the step, or a
        spike count), or a NIR ``EventData`` (its first sample; events binned into steps)."""
        if hasattr(x, "idx") and hasattr(x, "time"):
            x = event_data_to_counts(x, dt_s)
        x = np.asarray(x, np.float64)
        if x.ndim != 2 or x.shape[1] != self.n_inputs:
            raise ConfigError(f"input must be [steps, {self.n_inputs}], got shape {x.shape}")
        dt_ps = round(dt_s * 1e12)
        out = []
        for m in self.input_maps:
            currents = sp.csr_matrix(x) @ m.matrix.T          # [steps, population size]
            coo = currents.tocoo()
            keep = coo.data != 0
            out.append(InputEvents(m.population, coo.row[keep].astype(np.int64) * dt_ps,
                                   coo.col[keep].astype(np.int32), coo.data[keep]))
        return out

    def with_inputs(self, inputs: list[InputEvents]) -> WorkloadIR:
        """The workload with ``inputs`` as its input events."""
        return replace(self.workload, inputs=list(inputs))


def event_data_to_counts(data, dt_s: float, sample: int = 0) -> np.ndarray:
    """Spike counts [steps, n_neurons] of one sample of a NIR ``EventData`` (times in s)."""
    idx = np.asarray(data.idx)[sample]
    time = np.asarray(data.time)[sample]
    keep = idx >= 0
    steps = int(math.ceil(data.t_max / dt_s - 1e-9))
    k = np.floor(time[keep] / dt_s + 1e-9).astype(np.int64)
    if k.size and k.max() >= steps:
        raise ConfigError(f"EventData has events at {time[keep].max()} s, after t_max = {data.t_max} s")
    counts = np.zeros((steps, int(data.n_neurons)))
    np.add.at(counts, (k, idx[keep]), 1.0)
    return counts


def spikes_to_event_data(result, population, dt_s: float | None = None):
    """The spikes of one population of a run as NIR ``EventData`` (one sample; times in s =
    step x dt)."""
    from nir.data_ir import EventData
    dt = result.dt_s if dt_s is None else dt_s
    steps, neurons = result.steps(population)
    p = population if isinstance(population, int) else result.population_names.index(population)
    n = result.final_state[p].shape[0]
    return EventData(idx=neurons[None, :].astype(np.int64), time=(steps * dt)[None, :],
                     n_neurons=n, t_max=result.n_steps * dt)


def read_graph(path):
    """A NIR graph from ``path``; a graph whose declared shapes disagree is read without the
    type check, with a warning naming the mismatch; an unreadable one is a ConfigError."""
    import nir
    try:
        return nir.read(str(path))
    except ValueError as e:
        if "type" not in str(e).lower() or "mismatch" not in str(e).lower():
            raise ConfigError(f"cannot read NIR graph {path}: {e}") from None
        warnings.warn(f"NIR graph {path}: {e}; read without type checking", stacklevel=2)
        try:
            return nir.read(str(path), type_check=False)
        except Exception as e2:
            raise ConfigError(f"cannot read NIR graph {path}: {e2}") from None
    except (OSError, KeyError) as e:
        raise ConfigError(f"cannot read NIR graph {path}: {e}") from None


def from_nir(graph, reset_subtract: bool = False) -> NirNetwork:
    """Import a NIR graph (or a path to one). ``reset_subtract``: reset by subtracting the
    threshold instead of NIR's reset to v_reset (the convention of e.g. snnTorch's
    ``reset_mechanism="subtract"``, which NIR 1.0 cannot express)."""
    if not hasattr(graph, "nodes"):
        graph = read_graph(graph)
    nodes, succ = graph.nodes, _successors(graph)
    unknown = {k: type(v).__name__ for k, v in nodes.items()
               if type(v).__name__ not in NEURON_NODES + WEIGHT_NODES + ("Input", "Output", "NIRGraph")}
    if unknown:
        raise ConfigError(f"NIR nodes of unsupported types: {unknown}")
    nested = [k for k, v in nodes.items() if type(v).__name__ == "NIRGraph"]
    if nested:
        raise ConfigError(f"nested NIR sub-graphs are not supported (nodes {nested}); flatten them first")
    neuron_names = [k for k, v in nodes.items() if type(v).__name__ in NEURON_NODES]
    inputs = [k for k, v in nodes.items() if type(v).__name__ == "Input"]
    if len(inputs) != 1:
        raise ConfigError(f"a NIR graph needs exactly one Input node, found {inputs}")
    index = {name: i for i, name in enumerate(neuron_names)}
    paths = {src: _paths(nodes, succ, src) for src in inputs + neuron_names}
    bias = {name: np.zeros(_size(nodes[name])) for name in neuron_names}
    projections, input_maps, outputs = [], [], []
    for src, found in paths.items():
        if src in index and any(type(nodes[f[0]]).__name__ == "Output" for f in found):
            outputs.append(index[src])
        pieces, biases = _merge_pieces([f for f in found if type(nodes[f[0]]).__name__ != "Output"])
        for dst, groups in pieces.items():
            bias[dst] += biases[dst]
            if src in inputs:
                if any(np.any(g[3]) for g in groups):
                    raise ConfigError(f"a Delay between Input and {dst!r} is not supported")
                post, pre, w = (np.concatenate([g[k] for g in groups]) for k in range(3))
                input_maps.append(InputMap(index[dst], sp.csr_matrix(
                    (w, (post, pre)), shape=(_size(nodes[dst]), _size(nodes[src])))))
                continue
            for k, g in enumerate(groups):
                name = f"{src}->{dst}" + (f"#{k}" if k else "")
                projections.append(_projection(name, index[src], index[dst],
                                               _size(nodes[src]), *g))
    pops = [_population(name, nodes[name], bias[name], reset_subtract) for name in neuron_names]
    n_in = int(np.prod(_shape(nodes[inputs[0]], "input")))
    return NirNetwork(WorkloadIR(pops, projections), n_in, input_maps, sorted(set(outputs)), index)


# -- graph walking ------------------------------------------------------------------------------

def _successors(graph) -> dict[str, list[str]]:
    succ: dict[str, list[str]] = {k: [] for k in graph.nodes}
    for a, b in graph.edges:
        if a not in graph.nodes or b not in graph.nodes:
            raise ConfigError(f"NIR edge ({a!r}, {b!r}) names a node that does not exist")
        succ[a].append(b)
    return succ


def _paths(nodes, succ, src):
    """From ``src`` through weight nodes to each neuron or Output node reached: (dst, matrix
    [dst size, src size], bias at dst, delay in s). A Delay node splits the path by its
    distinct delays (channels with delay d go on as one piece of delay d, through any weight
    nodes after it; delays on one path add up), so a (src, dst) pair may come in pieces."""
    out = []
    n_src = _size(nodes[src])
    stack = [(b, sp.identity(n_src, format="csr"), np.zeros(n_src), 0.0) for b in succ[src]]
    seen = 0
    while stack:
        name, m, bias, delay = stack.pop()
        seen += 1
        if seen > 10_000:
            raise ConfigError(f"NIR graph: weight nodes from {src!r} form a cycle")
        node = nodes[name]
        kind = type(node).__name__
        if kind in NEURON_NODES or kind == "Output":
            out.append((name, m, bias, delay))
            continue
        w, b, d = _linear(name, node, m.shape[0])
        pieces = [(sp.csr_matrix(w @ m), w @ bias + b, delay)]
        if d is not None:
            pieces = []
            for value in np.unique(d):
                keep = sp.diags((d == value).astype(np.float64), format="csr")
                piece = sp.csr_matrix(keep @ m)
                if piece.nnz or value == d.min():       # the bias travels with one piece
                    pieces.append((piece, bias * (d == value) if piece.nnz else bias,
                                   delay + float(value)))
        for nxt in succ[name]:
            stack.extend((nxt, pm, pb, pd) for pm, pb, pd in pieces)
    return out


def _merge_pieces(found):
    """Group the pieces of ``_paths`` by destination: {dst: [(post, pre, weight, delay_s)
    arrays of synapses]} with pieces merged while their synapses do not overlap (one
    projection each), and {dst: summed bias}."""
    by_dst: dict[str, list] = {}
    bias: dict[str, np.ndarray] = {}
    for dst, m, b, delay in found:
        bias[dst] = bias.get(dst, 0) + b
        c = sp.coo_matrix(m)
        keep = c.data != 0
        piece = (c.row[keep], c.col[keep], c.data[keep], np.full(keep.sum(), delay))
        groups = by_dst.setdefault(dst, [])
        key = set(zip(piece[0].tolist(), piece[1].tolist()))
        for g in groups:
            if not key & g[0]:
                g[0] |= key
                g[1] = tuple(np.concatenate([x, y]) for x, y in zip(g[1], piece))
                break
        else:
            groups.append([key, piece])
    return {d: [g[1] for g in gs] for d, gs in by_dst.items()}, bias


def _linear(name, node, n_in):
    """(sparse matrix [out, in], bias [out], delay_s [out] or None) of a weight node."""
    kind = type(node).__name__
    if kind in ("Affine", "Linear"):
        w = np.asarray(node.weight, np.float64)
        if w.shape[1] != n_in:
            raise ConfigError(f"NIR node {name!r}: weight has {w.shape[1]} inputs, gets {n_in}")
        b = np.asarray(node.bias, np.float64) if kind == "Affine" else np.zeros(w.shape[0])
        return sp.csr_matrix(w), b, None
    if kind == "Flatten":
        return sp.identity(n_in, format="csr"), np.zeros(n_in), None
    if kind == "Scale":
        s = np.broadcast_to(np.asarray(node.scale, np.float64).ravel(), (n_in,))
        return sp.diags(s, format="csr"), np.zeros(n_in), None
    if kind == "Delay":
        d = np.broadcast_to(np.asarray(node.delay, np.float64).ravel(), (n_in,))
        return sp.identity(n_in, format="csr"), np.zeros(n_in), d
    if kind == "Conv2d":
        return _conv2d(name, node)
    if kind == "SumPool2d":
        return _sumpool2d(name, node)
    raise ConfigError(f"NIR node {name!r}: unsupported type {kind}")


def _pair(v):
    a = np.asarray(v).ravel()
    return (int(a[0]), int(a[-1]))


def _conv2d(name, node):
    w = np.asarray(node.weight, np.float64)              # [C_out, C_in / groups, kH, kW]
    c_out, c_in_g, kh, kw = w.shape
    groups = int(node.groups)
    if node.input_shape is None:
        raise ConfigError(f"NIR node {name!r}: Conv2d needs input_shape")
    H, W = _pair(node.input_shape)
    sh, sw = _pair(node.stride)
    ph, pw = _pair(node.padding) if not isinstance(node.padding, str) else (kh // 2, kw // 2)
    dh, dw = _pair(node.dilation)
    oh = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    c_in = c_in_g * groups
    co, ci, ky, kx, oy, ox = np.meshgrid(np.arange(c_out), np.arange(c_in_g), np.arange(kh),
                                         np.arange(kw), np.arange(oh), np.arange(ow), indexing="ij")
    iy, ix = oy * sh - ph + ky * dh, ox * sw - pw + kx * dw
    cin = (co // (c_out // groups)) * c_in_g + ci
    ok = (iy >= 0) & (iy < H) & (ix >= 0) & (ix < W)
    rows = ((co * oh + oy) * ow + ox)[ok]
    cols = ((cin * H + iy) * W + ix)[ok]
    vals = w[co, ci, ky, kx][ok]
    m = sp.csr_matrix((vals, (rows, cols)), shape=(c_out * oh * ow, c_in * H * W))
    bias = np.repeat(np.asarray(node.bias, np.float64), oh * ow) if node.bias is not None \
        else np.zeros(m.shape[0])
    return m, bias, None


def _sumpool2d(name, node):
    shape = _shape(node, "input")
    if len(shape) != 3:
        raise ConfigError(f"NIR node {name!r}: SumPool2d needs a [C, H, W] input type, got {shape}")
    C, H, W = (int(s) for s in shape)
    kh, kw = _pair(node.kernel_size)
    sh, sw = _pair(node.stride)
    ph, pw = _pair(node.padding)
    oh, ow = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    c, ky, kx, oy, ox = np.meshgrid(np.arange(C), np.arange(kh), np.arange(kw), np.arange(oh),
                                    np.arange(ow), indexing="ij")
    iy, ix = oy * sh - ph + ky, ox * sw - pw + kx
    ok = (iy >= 0) & (iy < H) & (ix >= 0) & (ix < W)
    rows = ((c * oh + oy) * ow + ox)[ok]
    cols = ((c * H + iy) * W + ix)[ok]
    m = sp.csr_matrix((np.ones(rows.shape[0]), (rows, cols)), shape=(C * oh * ow, C * H * W))
    return m, np.zeros(m.shape[0]), None


def _shape(node, which):
    t = node.input_type if which == "input" else node.output_type
    return np.asarray(next(iter(t.values()))).ravel()


def _size(node) -> int:
    kind = type(node).__name__
    if kind in NEURON_NODES:
        for attr in ("tau", "tau_mem", "r", "v_threshold", "threshold"):
            if getattr(node, attr, None) is not None:
                return int(np.asarray(getattr(node, attr)).size)
    return int(np.prod(_shape(node, "output" if kind == "Input" else "input")))


# -- nodes to populations and projections --------------------------------------------------------

def _population(name, node, bias, reset_subtract):
    kind = type(node).__name__
    n = _size(node)
    f = lambda attr: np.asarray(getattr(node, attr), np.float64).ravel()
    sub = float(reset_subtract)
    if kind == "LIF":
        return population(name, "lif", n, tau=f("tau"), r=f("r"), v_leak=f("v_leak"),
                          v_threshold=f("v_threshold"), v_reset=_reset(node, n), i_bias=bias,
                          reset_subtract=sub)
    if kind in ("CubaLIF", "CubaLI"):
        th = f("v_threshold") if kind == "CubaLIF" else np.full(n, math.inf)
        return population(name, "cuba_lif", n, tau_syn=f("tau_syn"), tau_mem=f("tau_mem"),
                          r=f("r"), v_leak=f("v_leak"), v_threshold=th, v_reset=_reset(node, n),
                          w_in=f("w_in"), i_bias=bias, reset_subtract=sub)
    if kind == "IF":
        return population(name, "if_neuron", n, r=f("r"), v_threshold=f("v_threshold"),
                          v_reset=_reset(node, n), i_bias=bias, reset_subtract=sub)
    if kind == "I":
        return population(name, "if_neuron", n, r=f("r"), v_threshold=math.inf, i_bias=bias)
    if kind == "LI":
        return population(name, "li", n, tau=f("tau"), r=f("r"), v_leak=f("v_leak"), i_bias=bias)
    if kind == "Threshold":
        return population(name, "threshold", n, v_threshold=f("threshold"), i_bias=bias)
    raise ConfigError(f"NIR node {name!r}: unsupported neuron type {kind}")


def _reset(node, n):
    v = getattr(node, "v_reset", None)
    return np.zeros(n) if v is None else np.asarray(v, np.float64).ravel()


def _projection(name, pre, post, n_pre, post_ids, pre_ids, weights, delay_s) -> Projection:
    """A CSR projection from synapses given as (post, pre, weight, delay in s) arrays."""
    order = np.lexsort([post_ids, pre_ids])
    pre_ids, post_ids = pre_ids[order], post_ids[order]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(pre_ids, minlength=n_pre))])
    delays = np.round(np.asarray(delay_s)[order] * 1e12).astype(np.int64)
    return Projection(name, pre, post, indptr.astype(np.int64), post_ids.astype(np.int32),
                      np.asarray(weights)[order].astype(np.float32), delays_ps=delays,
                      bytes_per_synapse=12)


# -- export --------------------------------------------------------------------------------------

def to_nir(net: NirNetwork | WorkloadIR):
    """A NIR graph of a network: a node per population (LIF, CubaLIF or CubaLI, IF or I, LI,
    Threshold), a Linear or Affine node per projection (dense weights [post, pre]; a population's
    bias goes to its first incoming node), a Delay node where a projection's delays are one per
    post neuron. For a NirNetwork, also its Input (through Linear nodes) and Output."""
    import nir
    w = net.workload if isinstance(net, NirNetwork) else net
    nodes, edges = {}, []
    biased = set()
    names = [p.name for p in w.populations]
    for p in w.populations:
        nodes[p.name] = _neuron_node(p)
    for k, pr in enumerate(w.projections):
        pre, post = w.populations[pr.pre], w.populations[pr.post]
        dense = np.zeros((post.size, pre.size))
        rows = np.repeat(np.arange(pre.size), np.diff(pr.indptr))
        np.add.at(dense, (pr.indices, rows), pr.weights.astype(np.float64))
        key = f"w{k}_{pre.name}_{post.name}"
        bias = _bias_of(post)
        if pr.post not in biased and np.any(bias):
            nodes[key] = nir.Affine(dense, bias)
            biased.add(pr.post)
        else:
            nodes[key] = nir.Linear(dense)
        edges.append((pre.name, key))
        delays = pr.delays_ps
        if np.any(delays):
            per_post = np.zeros(post.size)
            per_post[pr.indices] = delays / 1e12
            if not np.allclose(per_post[pr.indices], delays / 1e12, rtol=0, atol=1e-15):
                raise ConfigError(f"projection {pr.name!r}: NIR's Delay node holds one delay per "
                                  f"post neuron; this projection's delays differ per synapse")
            nodes[key + "_delay"] = nir.Delay(per_post)
            edges += [(key, key + "_delay"), (key + "_delay", post.name)]
        else:
            edges.append((key, post.name))
    unbiased = [names[i] for i, p in enumerate(w.populations) if i not in biased and np.any(_bias_of(p))]
    if unbiased and not isinstance(net, NirNetwork):
        raise ConfigError(f"populations {unbiased} have a bias input but no incoming projection "
                          f"to carry it in NIR")
    if isinstance(net, NirNetwork):
        nodes["input"] = nir.Input(np.array([net.n_inputs]))
        for k, m in enumerate(net.input_maps):
            post = w.populations[m.population]
            key = f"in{k}_{post.name}"
            bias = _bias_of(post)
            if m.population not in biased and np.any(bias):
                nodes[key] = nir.Affine(m.matrix.toarray(), bias)
                biased.add(m.population)
            else:
                nodes[key] = nir.Linear(m.matrix.toarray())
            edges += [("input", key), (key, post.name)]
        out_size = sum(w.populations[o].size for o in net.outputs)
        nodes["output"] = nir.Output(np.array([out_size]))
        edges += [(names[o], "output") for o in net.outputs]
    if any(p.params is not None and _param(p, "reset_subtract").any() for p in w.populations
           if resolve(p.model).name in ("lif", "cuba_lif", "if_neuron")):
        warnings.warn("reset by subtraction cannot be expressed in NIR 1.0: exported as reset "
                      "to v_reset", stacklevel=2)
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def _param(pop, name):
    return pop.params[:, resolve(pop.model).params.index(name)]


def _bias_of(pop):
    params = resolve(pop.model).params
    return pop.params[:, params.index("i_bias")] if "i_bias" in params else np.zeros(pop.size)


def _neuron_node(pop):
    import nir
    model = resolve(pop.model).name
    g = lambda name: _param(pop, name).copy()
    if model == "lif":
        return nir.LIF(tau=g("tau"), r=g("r"), v_leak=g("v_leak"), v_threshold=g("v_threshold"),
                       v_reset=g("v_reset"))
    if model == "cuba_lif":
        if np.all(np.isinf(g("v_threshold"))):
            return nir.CubaLI(tau_syn=g("tau_syn"), tau_mem=g("tau_mem"), r=g("r"),
                              v_leak=g("v_leak"), w_in=g("w_in"))
        return nir.CubaLIF(tau_syn=g("tau_syn"), tau_mem=g("tau_mem"), r=g("r"), v_leak=g("v_leak"),
                           v_threshold=g("v_threshold"), v_reset=g("v_reset"), w_in=g("w_in"))
    if model == "if_neuron":
        if np.all(np.isinf(g("v_threshold"))):
            return nir.I(r=g("r"))
        return nir.IF(r=g("r"), v_threshold=g("v_threshold"), v_reset=g("v_reset"))
    if model == "li":
        return nir.LI(tau=g("tau"), r=g("r"), v_leak=g("v_leak"))
    if model == "threshold":
        return nir.Threshold(threshold=g("v_threshold"))
    raise ConfigError(f"population {pop.name!r}: model {model!r} has no NIR node")
