"""The standard figures of a run: spike raster, per-core busy timeline (Gantt chart), NoC link
load, energy breakdown and latency histogram.

Each figure is one function that takes plain arrays or dicts (units in the names: ``_ps``
picoseconds, ``_pj`` picojoules, ``_s`` seconds) and the path of the PNG to write, and returns
the file name (the last part of the path), so a scenario can draw them straight after a run;
``standard_plots`` (``scenarios.redraw``) draws them all from a run directory.

Figures are drawn on ``matplotlib.figure.Figure`` objects and written by the Agg canvas: no
pyplot state, no window, whatever backend the caller uses. A PNG is written to a temporary
name and renamed, so a failed drawing leaves no half-written file.

The helpers that shape the data (``merge_intervals``, ``component_kind``, ``energy_by_kind``,
``energy_by_part``, ``time_unit``, ``energy_unit``) are public: tests and reports use them.
"""
from __future__ import annotations

import math
import re

import numpy as np

from .breakdown import PARTS, part_of
from .output import write_atomically

DPI = 110
MAX_RASTER_SPIKES = 200_000     # more spikes than this: every k-th is drawn
MAX_GANTT_ROWS = 64             # more busy cores than this: the busiest are drawn
MAX_NOC_CHIPS = 4               # more chips than this: the busiest are drawn
SMALL_MESH_ROUTERS = 64         # routers of a chip up to which nodes are labelled (x,y)
TOP_KINDS = 8                   # component kinds in the energy figure; the rest is "other"
MAX_ENERGY_GROUPS = 24          # sub-runs in the energy figure; more: the first ones

_TIME_UNITS = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9), ("ps", 1e-12))
_ENERGY_UNITS = (("J", 1e12), ("mJ", 1e9), ("µJ", 1e6), ("nJ", 1e3), ("pJ", 1.0))


# --------------------------------------------------------------------------- units

def time_unit(span_s: float) -> tuple[str, float]:
    """(name, seconds per unit) of the largest of s, ms, µs, ns, ps in which ``span_s`` (s) is
    at least 1; ps for spans below 1 ps (and 0)."""
    for name, seconds in _TIME_UNITS:
        if span_s >= seconds:
            return name, seconds
    return "ps", 1e-12


def energy_unit(max_pj: float) -> tuple[str, float]:
    """(name, pJ per unit) of the largest of J, mJ, µJ, nJ, pJ in which ``max_pj`` (pJ) is at
    least 1; pJ below 1 pJ."""
    for name, pj in _ENERGY_UNITS:
        if max_pj >= pj:
            return name, pj
    return "pJ", 1.0


# --------------------------------------------------------------------------- drawing basics

def new_figure(width_in: float, height_in: float):
    from matplotlib.figure import Figure
    return Figure(figsize=(width_in, height_in), layout="constrained")


def _wrap_titles(fig) -> None:
    """Break titles that are wider than their axes (or the figure) over several lines."""
    import textwrap
    width_in = fig.get_figwidth()
    texts = [(ax.title, ax.get_position().width * width_in) for ax in fig.axes]
    if getattr(fig, "_suptitle", None) is not None:
        texts.append((fig._suptitle, width_in))
    for text, inches in texts:
        chars = max(20, int(inches * 72 / (0.6 * text.get_fontsize())))
        content = text.get_text()
        if len(content) > chars:
            text.set_text(textwrap.fill(content, chars))


def save_figure(fig, path) -> str:
    """Write ``fig`` as PNG to ``path`` (via a temporary file); returns the file name."""
    _wrap_titles(fig)
    return write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=DPI, format="png")).name


def _colours(n: int, cmap: str = "tab10") -> list:
    from matplotlib import colormaps
    base = list(colormaps[cmap].colors)
    return [base[i % len(base)] for i in range(n)]


def _same_length(**arrays) -> int:
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"arrays must have one length, got {lengths}")
    return next(iter(lengths.values()))


# --------------------------------------------------------------------------- spike raster

def subsample_step(n: int, limit: int) -> int:
    """k such that every k-th of ``n`` items leaves at most ``limit``: ceil(n / limit), 1 when
    ``n <= limit``."""
    return -(-n // limit) if n > limit else 1


def spike_raster(path, spike_time_ps, spike_neuron, spike_population, population_names, *,
                 duration_ps: int | None = None, title: str = "spikes",
                 max_spikes: int = MAX_RASTER_SPIKES) -> str:
    """Spike raster: time (unit chosen by range) against neuron, one colour per population,
    populations stacked (the first on top) with separators, named with their spike counts on
    the right. A population's height is its largest spiking neuron id + 1. More than
    ``max_spikes`` spikes: every k-th (in the given order, k = ceil(spikes / max_spikes)) is
    drawn and the title says so. ``duration_ps`` sets the time axis (default: the last
    spike)."""
    t = np.asarray(spike_time_ps, np.int64)
    neuron = np.asarray(spike_neuron, np.int64)
    pop = np.asarray(spike_population, np.int64)
    n = _same_length(spike_time_ps=t, spike_neuron=neuron, spike_population=pop)
    names = [str(x) for x in population_names]
    if n and (pop.min() < 0 or pop.max() >= len(names)):
        raise ValueError(f"spike_population must index population_names ({len(names)} names), "
                         f"got values {pop.min()}..{pop.max()}")
    sizes = [int(neuron[pop == p].max()) + 1 if np.any(pop == p) else 1
             for p in range(len(names))]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    counts = np.bincount(pop, minlength=len(names))
    step = subsample_step(n, max_spikes)
    t, neuron, pop = t[::step], neuron[::step], pop[::step]
    span_ps = duration_ps if duration_ps else (int(t.max()) if t.size else 0)
    unit, unit_s = time_unit(span_ps * 1e-12)
    rows = int(offsets[-1])

    fig = new_figure(11, min(9.0, 3.0 + 0.02 * rows + 0.25 * len(names)))
    ax = fig.add_subplot()
    marker_pt = float(np.clip(fig.get_size_inches()[1] * 72 * 0.8 / max(rows, 1), 0.6, 5.0))
    colours = _colours(len(names))
    for p, colour in enumerate(colours):
        sel = pop == p
        ax.plot(t[sel] * 1e-12 / unit_s, neuron[sel] + offsets[p], ls="none", marker="|",
                ms=marker_pt, mew=0.6, color=colour)
    for y in offsets[1:-1]:
        ax.axhline(y - 0.5, color="0.4", lw=0.6)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_xlim(0, max(span_ps * 1e-12 / unit_s, 1e-9))
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("neuron (populations stacked)")
    right = ax.secondary_yaxis("right")
    right.set_yticks((offsets[:-1] + offsets[1:] - 1) / 2,
                     labels=[f"{name}\n{c:,} spikes" for name, c in zip(names, counts)])
    right.tick_params(length=0)
    for label, colour in zip(right.get_yticklabels(), colours):
        label.set_color(colour)
    note = f", 1 in {step} drawn" if step > 1 else ""
    ax.set_title(f"{title}: {n:,} spikes in {len(names)} populations{note}")
    if n == 0:
        ax.text(0.5, 0.5, "no spikes", transform=ax.transAxes, ha="center", va="center")
    return save_figure(fig, path)


# --------------------------------------------------------------------------- Gantt chart

def merge_intervals(start_ps, end_ps, gap_ps: float = 0) -> tuple[np.ndarray, np.ndarray]:
    """Union of the intervals [start, end) (ps, any order), also joining two intervals when the
    gap between them is at most ``gap_ps``; returns (start_ps, end_ps) sorted by start."""
    start = np.asarray(start_ps, np.int64)
    end = np.asarray(end_ps, np.int64)
    _same_length(start_ps=start, end_ps=end)
    if start.size == 0:
        return start.copy(), end.copy()
    order = np.argsort(start, kind="stable")
    start, end = start[order], end[order]
    reach = np.maximum.accumulate(end)
    first = np.flatnonzero(np.concatenate([[True], start[1:] > reach[:-1] + gap_ps]))
    return start[first], np.maximum.reduceat(end, first)


def busiest(ids, weights, n: int) -> np.ndarray:
    """The (at most) ``n`` distinct ``ids`` of the largest summed ``weights`` (busy ps, flits),
    ascending; ties go to the lower id."""
    unique, inverse = np.unique(np.asarray(ids, np.int64), return_inverse=True)
    total = np.bincount(inverse, weights=np.asarray(weights, np.float64), minlength=len(unique))
    return np.sort(unique[np.lexsort((unique, -total))[:n]])


def busy_per_bin(start_ps, end_ps, bin_ps: int, n_bins: int) -> np.ndarray:
    """Busy time (ps, int64) of the intervals [start, end) in each of ``n_bins`` bins of
    ``bin_ps`` ps from 0 (overlapping intervals count twice; parts outside the bins are cut)."""
    limit = n_bins * bin_ps
    s = np.clip(np.asarray(start_ps, np.int64), 0, limit)
    e = np.clip(np.asarray(end_ps, np.int64), 0, limit)
    s, e = s[e > s], e[e > s]
    b0, b1 = s // bin_ps, (e - 1) // bin_ps
    one, many = b0 == b1, b0 != b1
    out = np.zeros(n_bins, np.float64)
    out += np.bincount(b0[one], weights=(e - s)[one], minlength=n_bins)
    out += np.bincount(b0[many], weights=(b0[many] + 1) * bin_ps - s[many], minlength=n_bins)
    out += np.bincount(b1[many], weights=e[many] - b1[many] * bin_ps, minlength=n_bins)
    full = np.bincount(b0[many] + 1, minlength=n_bins + 1) - np.bincount(b1[many],
                                                                         minlength=n_bins + 1)
    return np.rint(out).astype(np.int64) + np.cumsum(full)[:n_bins] * bin_ps


def gantt_bars(start_ps, end_ps, label, n_labels: int, bin_ps: int):
    """The bars of one Gantt row at a resolution of ``bin_ps`` (one pixel): the intervals
    merged where their gap is at most ``bin_ps`` (``merge_intervals``), each at least ``bin_ps``
    long, cut where the label with the most busy time in a bin changes; returns (start_ps,
    end_ps, label) of the bars. A bin without busy time takes the label of the last busy bin
    before it (the first busy bin's at the start)."""
    start = np.asarray(start_ps, np.int64)
    end = np.asarray(end_ps, np.int64)
    label = np.asarray(label, np.int64)
    if start.size == 0:
        return start.copy(), end.copy(), label.copy()
    n_bins = max(1, -(-int(end.max()) // bin_ps))
    busy = np.stack([busy_per_bin(start[label == k], end[label == k], bin_ps, n_bins)
                     for k in range(n_labels)])
    filled = np.where(busy.sum(0) > 0, np.arange(n_bins), -1)
    filled = np.maximum.accumulate(filled)
    filled[filled < 0] = np.flatnonzero(busy.sum(0) > 0)[:1] if busy.any() else 0
    dominant = busy.argmax(0)[filled]
    s, e = merge_intervals(start, end, bin_ps)
    e = np.maximum(e, s + bin_ps)
    cuts = (np.flatnonzero(dominant[1:] != dominant[:-1]) + 1) * bin_ps
    points = np.unique(np.concatenate([s, e, cuts]))
    a, b = points[:-1], points[1:]
    mid = a + (b - a) // 2
    bar = np.searchsorted(s, mid, side="right") - 1
    inside = (bar >= 0) & (mid < e[np.maximum(bar, 0)])
    a, b, mid = a[inside], b[inside], mid[inside]
    return a, b, dominant[np.minimum(mid // bin_ps, n_bins - 1)]


def core_gantt(path, busy_core, busy_start_ps, busy_dur_ps, busy_label, busy_label_names, *,
               duration_ps: int | None = None, n_cores: int | None = None,
               title: str = "core busy time", max_rows: int = MAX_GANTT_ROWS) -> str:
    """Per-core utilisation timeline: one row per busy core (the ``max_rows`` busiest when there
    are more, said in the title), busy intervals as bars coloured by label (legend with each
    label's share of the busy time). Each row is drawn at pixel resolution (``gantt_bars``):
    intervals closer than a pixel merged, every bar at least a pixel wide, a pixel coloured by
    the label busiest in it, so a million intervals draw quickly. The time axis spans
    ``duration_ps`` (the run), or the last end when the intervals end before half of it (a
    trace of the first ticks only; the figure says so); ``n_cores`` (the machine's) goes into
    the title."""
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    core = np.asarray(busy_core, np.int64)
    start = np.asarray(busy_start_ps, np.int64)
    dur = np.asarray(busy_dur_ps, np.int64)
    label = np.asarray(busy_label, np.int64)
    _same_length(busy_core=core, busy_start_ps=start, busy_dur_ps=dur, busy_label=label)
    names = [str(x) for x in busy_label_names]
    if label.size and (label.min() < 0 or label.max() >= len(names)):
        raise ValueError(f"busy_label must index busy_label_names ({len(names)} names), got "
                         f"values {label.min()}..{label.max()}")
    end = start + dur
    last_ps = int(end.max()) if end.size else 0
    span_ps = duration_ps if duration_ps and last_ps >= duration_ps / 2 else last_ps
    unit, unit_s = time_unit(span_ps * 1e-12)
    n_busy = len(np.unique(core))
    rows = busiest(core, dur, max_rows)

    width_in = 12.0
    fig = new_figure(width_in, 1.8 + 0.16 * max(len(rows), 4))
    ax = fig.add_subplot()
    bin_ps = max(1, math.ceil(max(span_ps, 1) / (width_in * DPI * 0.8)))
    order = np.lexsort((start, core))
    order = order[np.isin(core[order], rows)]
    first = np.searchsorted(core[order], rows)
    last = np.searchsorted(core[order], rows, side="right")
    boxes = {k: [] for k in range(len(names))}
    for y, (i, j) in enumerate(zip(first, last)):
        sel = order[i:j]
        s, e, lab = gantt_bars(start[sel], end[sel], label[sel], len(names), bin_ps)
        x0, x1 = s * (1e-12 / unit_s), e * (1e-12 / unit_s)
        lo, hi = np.full_like(x0, y - 0.4), np.full_like(x0, y + 0.4)
        corners = np.stack([np.stack(p, -1) for p in ((x0, lo), (x1, lo), (x1, hi), (x0, hi))],
                           1)
        for k in np.unique(lab):
            boxes[int(k)].append(corners[lab == k])
    colours = _colours(len(names))
    for k, colour in enumerate(colours):
        if boxes[k]:
            ax.add_collection(PolyCollection(np.concatenate(boxes[k]), facecolors=colour,
                                             edgecolors="none"))
    ax.set_xlim(0, max(span_ps * 1e-12 / unit_s, 1e-9))
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    ax.set_yticks(range(len(rows)), [f"core {c}" for c in rows],
                  fontsize=float(np.clip(300 / max(len(rows), 1), 4, 8)))
    px_unit, px_unit_s = time_unit(bin_ps * 1e-12)
    ax.set_xlabel(f"time ({unit}); drawn in steps of {bin_ps * 1e-12 / px_unit_s:.3g} "
                  f"{px_unit} (about a pixel), each coloured by its busiest label")
    if span_ps < (duration_ps or 0):
        ax.text(1.0, 1.0, f"intervals recorded up to {span_ps * 1e-12 / unit_s:.3g} of the "
                f"run's {duration_ps * 1e-12 / unit_s:.3g} {unit} ", transform=ax.transAxes,
                ha="right", va="top", fontsize=8, backgroundcolor="white")
    ax.set_ylabel("core")
    of = f" of {n_cores}" if n_cores else ""
    capped = f"; the {len(rows)} busiest shown" if n_busy > len(rows) else ""
    ax.set_title(f"{title}: {n_busy}{of} cores busy{capped}")
    shares = np.bincount(label, weights=dur, minlength=len(names)) / max(int(dur.sum()), 1)
    if names:
        fig.legend([Patch(color=c) for c in colours],
                   [f"{nm} ({sh:.0%})" for nm, sh in zip(names, shares)],
                   loc="outside right upper", fontsize=8, title="busy with (share)")
    if core.size == 0:
        ax.text(0.5, 0.5, "no busy intervals", transform=ax.transAxes, ha="center")
    return save_figure(fig, path)


# --------------------------------------------------------------------------- NoC link load

def _arrows(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(tail xy, vector) of each link's arrow: shortened at both ends and moved to the right of
    its direction of travel, so the two directions of a router pair lie side by side."""
    d = (dst - src).astype(float)
    length = np.hypot(d[:, 0], d[:, 1])
    u = d / length[:, None]
    right = np.stack([u[:, 1], -u[:, 0]], -1)
    trim = np.minimum(0.2, 0.3 * length)[:, None]
    return src + trim * u + 0.1 * right, d - 2 * trim * u


def noc_heatmap(path, link_src_xy, link_dst_xy, link_chip, link_flits, *,
                title: str = "NoC link load", max_chips: int = MAX_NOC_CHIPS) -> str:
    """NoC link load on the mesh: routers at their (x, y), each directed link an arrow coloured
    by the flits that crossed it (thin grey: none; log colour scale when loads span more than two
    decades), one panel per chip (the ``max_chips`` busiest when there are more). A link whose
    two ends share a position (a chip-to-chip link between gateways) cannot be drawn: its flits
    are given in the panel title. Routers are labelled (x,y) on meshes of at most
    ``SMALL_MESH_ROUTERS`` routers."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import ListedColormap, LogNorm, Normalize

    src = np.asarray(link_src_xy, np.int64).reshape(-1, 2)
    dst = np.asarray(link_dst_xy, np.int64).reshape(-1, 2)
    chip = np.asarray(link_chip, np.int64)
    flits = np.asarray(link_flits, np.int64)
    _same_length(link_src_xy=src, link_dst_xy=dst, link_chip=chip, link_flits=flits)
    chips = np.unique(chip)
    shown = busiest(chip, flits, max_chips)
    drawable = np.any(src != dst, axis=1)
    positive = flits[drawable & np.isin(chip, shown) & (flits > 0)]
    top = int(positive.max()) if positive.size else 1
    low = int(positive.min()) if positive.size else 1
    log = top > 100 * low
    norm = LogNorm(low, top) if log else Normalize(0, top)
    cmap = ListedColormap(colormaps["plasma"](np.linspace(0.0, 0.85, 256)))

    cols = 1 if len(shown) == 1 else 2
    nrows = math.ceil(len(shown) / cols) if len(shown) else 1
    extent = np.concatenate([src[drawable], dst[drawable], np.zeros((1, 2), np.int64)])
    nx, ny = extent.max(0) - extent.min(0) + 1
    panel_h = float(np.clip(5.0 * (ny + 0.5) / (nx + 0.5), 2.2, 7.0))
    fig = new_figure(5.5 * cols + 1.2, (panel_h + 0.7) * nrows + 0.5)
    axes = fig.subplots(nrows, cols, squeeze=False).ravel()
    for ax in axes[len(shown):]:
        ax.set_axis_off()
    for ax, c in zip(axes, shown):
        on = chip == c
        here = on & drawable
        nodes = np.unique(np.concatenate([src[here], dst[here]]), axis=0)
        ax.scatter(nodes[:, 0], nodes[:, 1], marker="s", s=40, color="0.55", zorder=3)
        if len(nodes) <= SMALL_MESH_ROUTERS:
            for x, y in nodes:
                ax.annotate(f"({x},{y})", (x, y), xytext=(-3, -3), textcoords="offset points",
                            ha="right", va="top", fontsize=6, color="0.35")
        tail, vec = _arrows(src[here], dst[here])
        busy = flits[here] > 0
        style = dict(angles="xy", scale_units="xy", scale=1, units="xy", width=0.045,
                     headwidth=3, headlength=3, headaxislength=2.6, zorder=2)
        ax.quiver(tail[~busy, 0], tail[~busy, 1], vec[~busy, 0], vec[~busy, 1],
                  color="0.8", **dict(style, width=0.025, headwidth=5, headlength=5,
                                      headaxislength=4.5))
        ax.quiver(tail[busy, 0], tail[busy, 1], vec[busy, 0], vec[busy, 1],
                  flits[here][busy], cmap=cmap, norm=norm, **style)
        ax.set_aspect("equal")
        ax.margins(0.08)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("router x")
        ax.set_ylabel("router y")
        off = int(flits[on & ~drawable].sum())
        extra = f"; {off:,} on chip-to-chip links" if (on & ~drawable).any() else ""
        ax.set_title(f"chip {c}: {int(flits[here].sum()):,} flits on {int(here.sum())} "
                     f"links{extra}", fontsize=9)
    fig.colorbar(ScalarMappable(norm, cmap), ax=list(axes[:max(len(shown), 1)]),
                 label="flits" + (" (log scale)" if log else ""), shrink=0.8)
    capped = f" ({len(shown)} busiest of {len(chips)} chips)" if len(chips) > len(shown) else ""
    fig.suptitle(f"{title}: flits per directed link{capped}")
    return save_figure(fig, path)


# --------------------------------------------------------------------------- energy

_CHIP_PREFIX = re.compile(r"^chip\d+(?:\.|$)")
_KINDS = ((re.compile(r"^core\d+$"), "cores"), (re.compile(r"^link\d+(?:\.|$)"), "links"),
          (re.compile(r"^router\d+$"), "routers"))


def component_kind(component: str) -> str:
    """The kind of a ledger component: ``chipN.coreC`` -> ``cores``, ``chipN.linkL...`` ->
    ``links``, ``chipN.routerR`` -> ``routers``, ``chipN`` -> ``chips``; any other name loses
    its ``chipN.`` prefix (``chip0.l3`` -> ``l3``, ``host_link`` -> ``host_link``)."""
    prefix = _CHIP_PREFIX.match(component)
    rest = component[prefix.end():] if prefix else component
    if prefix and not rest:
        return "chips"
    for pattern, kind in _KINDS:
        if pattern.match(rest):
            return kind
    return rest


def _by(rows, key) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for r in rows:
        actions = out.setdefault(key(r), {})
        actions[r["action"]] = actions.get(r["action"], 0.0) + float(r["energy_pj"])
    return out


def energy_by_kind(rows) -> dict[str, dict[str, float]]:
    """{component kind: {action: energy (pJ)}} of ledger ``rows`` (dicts with component,
    action, energy_pj); kinds as ``component_kind``."""
    return _by(rows, lambda r: component_kind(r["component"]))


def energy_by_part(rows) -> dict[str, dict[str, float]]:
    """{part: {action: energy (pJ)}} of ledger ``rows``, parts as ``breakdown.part_of``; every
    part of ``PARTS`` present."""
    out = {p: {} for p in PARTS}
    out.update(_by(rows, lambda r: part_of(r["component"], r["action"])))
    return out


def _top(groups: list[dict[str, dict[str, float]]], n: int) -> list[dict[str, dict[str, float]]]:
    """``groups`` with only the ``n`` kinds of largest energy (over all groups); the rest summed
    into ``other``."""
    total: dict[str, float] = {}
    for g in groups:
        for kind, actions in g.items():
            total[kind] = total.get(kind, 0.0) + sum(actions.values())
    keep = sorted(total, key=lambda k: -total[k])[:n]
    out = []
    for g in groups:
        new = {k: dict(g.get(k, {})) for k in keep}
        rest = [a for k, a in g.items() if k not in keep]
        if rest:
            other = new.setdefault("other", {})
            for actions in rest:
                for action, pj in actions.items():
                    other[action] = other.get(action, 0.0) + pj
        out.append(new)
    return out


def _stacked_groups(ax, groups: dict[str, dict[str, dict[str, float]]], bars: list[str],
                    colour_of: dict[str, object], pj_per_unit: float,
                    group_labels: list[str]) -> None:
    """Stacked bars: for each group (sub-run) one bar per name in ``bars``, split by action
    (one ``ax.bar`` call per action) with its total written above it, the groups side by side,
    labelled on top."""
    xs = np.array([g * (len(bars) + 1) + i for g in range(len(groups))
                   for i in range(len(bars))], float)
    bottom = np.zeros(len(xs))
    for action, colour in colour_of.items():
        height = np.array([by_bar.get(bar, {}).get(action, 0.0) for by_bar in groups.values()
                           for bar in bars]) / pj_per_unit
        drawn = height != 0
        if drawn.any():
            ax.bar(xs[drawn], height[drawn], 0.8, bottom=bottom[drawn], color=colour)
            bottom += height
    for x, total in zip(xs, bottom):
        if total > 0:
            ax.text(x, total, f" {total:.3g}", ha="center", va="bottom", rotation=90,
                    fontsize=7)
    ax.set_ylim(0, max(float(bottom.max(initial=0.0)), 1e-12) * 1.3)
    ax.set_xticks(xs, bars * len(groups), rotation=35, ha="right", fontsize=8)
    for g in range(1, len(groups)):
        ax.axvline(g * (len(bars) + 1) - 1, color="0.6", lw=0.6, ls=":")
    top = ax.secondary_xaxis("top")
    top.set_xticks([g * (len(bars) + 1) + (len(bars) - 1) / 2 for g in range(len(groups))],
                   labels=group_labels, fontsize=8)
    top.tick_params(length=0)


def energy_breakdown(path, ledgers: dict[str, list[dict]], *, title: str = "energy",
                     top_n: int = TOP_KINDS, max_groups: int = MAX_ENERGY_GROUPS) -> str:
    """Energy breakdown of the ledgers of one or more sub-runs ({sub-run: rows with component,
    action, energy_pj}): top panel one stacked bar per part (compute, noc, memory, host_link,
    static; parts with no energy in any sub-run left out) split by action; bottom panel one bar
    per component kind (``component_kind``; the ``top_n`` largest, the rest as ``other``; kinds
    with no energy left out) split by action; each bar's total written above it. One group of
    bars per sub-run, side by side (the first ``max_groups``, said in the title, when there are
    more); one energy unit for the figure."""
    from matplotlib.patches import Patch

    if not ledgers:
        raise ValueError("energy_breakdown needs at least one ledger")
    n_runs = len(ledgers)
    if n_runs > max_groups:
        ledgers = dict(list(ledgers.items())[:max_groups])
        title = f"{title} (first {max_groups} of {n_runs} sub-runs)"
    parts = {run: energy_by_part(rows) for run, rows in ledgers.items()}
    kinds = dict(zip(ledgers, _top([energy_by_kind(rows) for rows in ledgers.values()], top_n)))
    shown_parts = [p for p in PARTS if any(sum(g[p].values()) for g in parts.values())] \
        or list(PARTS)
    kind_total: dict[str, float] = {}
    for g in kinds.values():
        for k, a in g.items():
            kind_total[k] = kind_total.get(k, 0.0) + sum(a.values())
    shown_kinds = sorted((k for k in kind_total if kind_total[k]),
                         key=lambda k: (k == "other", -kind_total[k])) or sorted(kind_total)
    action_total: dict[str, float] = {}
    for rows in ledgers.values():
        for r in rows:
            action_total[r["action"]] = action_total.get(r["action"], 0.0) + float(r["energy_pj"])
    actions = sorted((a for a in action_total if action_total[a]), key=lambda a: -action_total[a])
    colour_of = dict(zip(actions, _colours(len(actions), "tab20")))
    largest = max([sum(a.values()) for g in parts.values() for a in g.values()] + [0.0])
    unit, pj_per_unit = energy_unit(largest)

    labels = [f"{run}\n{sum(sum(a.values()) for a in g.values()) / pj_per_unit:.4g} {unit}"
              for run, g in parts.items()]
    group_in = max(0.32 * (max(len(shown_parts), len(shown_kinds)) + 1),
                   0.07 * max(len(run) for run in ledgers) + 0.3)
    fig = new_figure(max(10.0, 2.5 + group_in * len(ledgers)), 8.5)
    ax_part, ax_kind = fig.subplots(2, 1)
    _stacked_groups(ax_part, parts, shown_parts, colour_of, pj_per_unit, labels)
    _stacked_groups(ax_kind, kinds, shown_kinds, colour_of, pj_per_unit, labels)
    ax_part.set_ylabel(f"energy ({unit})")
    ax_kind.set_ylabel(f"energy ({unit})")
    ax_part.set_title("by part (on top: sub-run and its total)", fontsize=9)
    ax_kind.set_title(f"by component kind (top {top_n}; cores, links, routers... grouped)",
                      fontsize=9)
    fig.legend([Patch(color=colour_of[a]) for a in actions], actions, loc="outside right upper",
               fontsize=8, title="action")
    fig.suptitle(title, fontsize=12)
    return save_figure(fig, path)


# --------------------------------------------------------------------------- latency

def latency_histogram(path, latency_s, *, title: str = "latency per item",
                      bins: int = 60) -> str:
    """Histogram of per-item latencies (s; one array, or {name: array} for overlaid series),
    in the unit that suits the largest value, with each series' median and 99th percentile
    (numpy's linear interpolation) as vertical lines, their values in the legend. Non-finite
    values are left out (the title counts them). At most ``bins`` bins, fewer for few items
    (2 sqrt(items), at least 10); log-spaced bins and axis when the values span more than three
    decades."""
    series = latency_s if isinstance(latency_s, dict) else {"": latency_s}
    values = {name: np.asarray(v, np.float64).ravel() for name, v in series.items()}
    dropped = sum(int((~np.isfinite(v)).sum()) for v in values.values())
    values = {name: v[np.isfinite(v)] for name, v in values.items()}
    every = np.concatenate(list(values.values()) + [np.zeros(0)])
    hi = float(every.max()) if every.size else 0.0
    lo = float(every.min()) if every.size else 0.0
    unit, unit_s = time_unit(hi)
    longest = max((v.size for v in values.values()), default=0)
    bins = min(bins, max(10, 2 * math.ceil(math.sqrt(longest))))
    log = lo > 0 and hi > 1e3 * lo
    if log:
        edges = np.geomspace(lo, hi, bins + 1) / unit_s
    else:
        edges = np.linspace(lo, hi if hi > lo else lo + max(abs(lo), 1e-12), bins + 1) / unit_s

    fig = new_figure(9, 5)
    ax = fig.add_subplot()
    colours = _colours(len(values))
    overlay = len(values) > 1
    for (name, v), colour in zip(values.items(), colours):
        if v.size == 0:
            continue
        ax.hist(v / unit_s, edges, color=colour, histtype="step" if overlay else "bar",
                alpha=1.0 if overlay else 0.75, lw=1.5 if overlay else 0.5,
                label=f"{name} ({v.size:,} items)" if name else None)
        med, p99 = np.median(v) / unit_s, np.percentile(v, 99) / unit_s
        prefix = f"{name}: " if name else ""
        ax.axvline(med, color=colour if overlay else "k", ls="--",
                   label=f"{prefix}median {med:.4g} {unit}")
        ax.axvline(p99, color=colour if overlay else "tab:red", ls=":",
                   label=f"{prefix}p99 {p99:.4g} {unit}")
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(f"latency ({unit})")
    ax.set_ylabel("items")
    ax.yaxis.get_major_locator().set_params(integer=True)
    note = f", {dropped:,} non-finite left out" if dropped else ""
    ax.set_title(f"{title}: {every.size:,} items{note}")
    if every.size:
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "no latencies", transform=ax.transAxes, ha="center")
    return save_figure(fig, path)


# --------------------------------------------------------------------------- all of them

def standard_plots(run_dir, out_dir=None, *, result: dict | None = None) -> list[str]:
    """Every standard figure of a run directory: ``scenarios.redraw.standard_plots`` (which
    reads the directory; this module only draws), here for scenarios that import it from the
    figures."""
    from .redraw import standard_plots as redraw
    return redraw(run_dir, out_dir, result=result)
