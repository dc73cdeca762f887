"""What a sweep shows: the Pareto front as a markdown table (``pareto.md``), a plot of the
objectives (``pareto.png``) and the summary ``eventsim sweep`` prints.

The plot has one scatter per pair of objectives (one scatter for two objectives; for a single
objective, its value against the point index): feasible points in blue, infeasible finished
points as grey crosses, the front in red (for two objectives joined by its staircase). An axis
is logarithmic when its values are positive and span more than two decades.
"""
from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

from ..output import write_atomically
from .objectives import is_number

FRONT_MD = "pareto.md"
FRONT_PNG = "pareto.png"


def fmt(value) -> str:
    """A table cell: floats to 6 significant digits, lists and tables as JSON, None as ``-``."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    text = json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    return text.replace("|", "\\|")


def _label(objective) -> str:
    return f"{objective.key} ({objective.sense})"


def front_table(spec, front: list[dict]) -> str:
    """The front as a markdown table: point index, swept values, objectives, run directory."""
    params = [p.key for p in spec.parameters]
    head = ["point", *params, *(_label(o) for o in spec.objectives), "run"]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---:" if i == 0 else "---" for i in range(len(head))) + "|"]
    for r in front:
        overrides = json.loads(r["overrides_json"])
        metrics = json.loads(r["metrics_json"])
        cells = [str(r["idx"]), *(fmt(overrides[k]) for k in params),
                 *(fmt(metrics[o.key]) for o in spec.objectives), fmt(r["run_dir"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def counts_line(analysis, total: int) -> str:
    c = analysis.counts
    left = c.get("pending", 0) + c.get("running", 0)
    return (f"{total} points: {c.get('done', 0)} done ({analysis.feasible} feasible, "
            f"{analysis.infeasible} infeasible), {c.get('failed', 0)} failed, {left} not run")


def design_line(spec, total: int, dropped: int) -> str:
    design = spec.design + (f", {spec.samples} samples, seed {spec.seed}"
                            if spec.design != "grid" else "")
    extra = f" ({dropped} duplicate draws dropped)" if dropped else ""
    return (f"design {design}: {total} points{extra} over "
            f"{', '.join(p.key for p in spec.parameters)}; run seed {spec.run_seed}")


def front_markdown(spec, analysis, total: int, dropped: int = 0) -> str:
    """The text of ``pareto.md``."""
    title = f"# Pareto front of a sweep of {spec.scenario}"
    lines = [title, ""]
    if spec.description:
        lines += [spec.description, ""]
    lines += [f"- {design_line(spec, total, dropped)}",
              f"- objectives: {', '.join(o.text for o in spec.objectives)}",
              f"- constraints: {', '.join(c.text for c in spec.constraints) or 'none'}",
              f"- {counts_line(analysis, total)}"]
    reasons = _infeasible_reasons(analysis)
    if reasons:
        lines.append("- infeasible: " + "; ".join(f"{n} x {why}" for why, n in reasons))
    lines.append("")
    if analysis.front:
        lines += [f"{len(analysis.front)} point(s) on the front of the {analysis.feasible} "
                  f"feasible ones, best {_label(spec.objectives[0])} first:", "",
                  front_table(spec, analysis.front)]
    else:
        lines.append("No feasible finished point, so no front.")
    return "\n".join(lines) + "\n"


def write_front_markdown(path: Path, text: str) -> None:
    write_atomically(path, lambda p: p.write_text(text))


def _points(rows, objectives, verdicts):
    """(values, kind) of every finished point whose objectives are all numbers; kind is
    ``front``, ``feasible`` or ``infeasible``."""
    out = []
    for r in rows:
        if r["status"] != "done":
            continue
        metrics = json.loads(r["metrics_json"])
        values = [metrics.get(o.key) for o in objectives]
        if not all(is_number(v) for v in values):
            continue
        feasible, _, on_front = verdicts[r["idx"]]
        out.append((r["idx"], values, "front" if on_front else
                    ("feasible" if feasible else "infeasible")))
    return out


def _log_worthy(values) -> bool:
    return bool(values) and min(values) > 0 and max(values) / min(values) > 100


STYLE = {"infeasible": dict(marker="x", color="0.6", s=18, label="infeasible"),
         "feasible": dict(marker="o", color="tab:blue", s=18, alpha=0.7, label="feasible"),
         "front": dict(marker="o", color="tab:red", s=36, edgecolor="k", linewidth=0.5,
                       label="Pareto front", zorder=3)}


def _panel(ax, pts, xs, ys, xlabel, ylabel, staircase):
    for kind in ("infeasible", "feasible", "front"):
        sel = [i for i, (_, _, k) in enumerate(pts) if k == kind]
        if sel:
            ax.scatter([xs[i] for i in sel], [ys[i] for i in sel], **STYLE[kind])
    if staircase:
        front = sorted((xs[i], ys[i]) for i, (_, _, k) in enumerate(pts) if k == "front")
        if len(front) > 1:
            ax.step([x for x, _ in front], [y for _, y in front], where="post",
                    color="tab:red", linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if _log_worthy(xs):
        ax.set_xscale("log")
    else:
        ax.locator_params(axis="x", nbins=5)
    if _log_worthy(ys):
        ax.set_yscale("log")
    else:
        ax.locator_params(axis="y", nbins=6)
    ax.grid(True, alpha=0.3)


def plot_front(path: Path, spec, rows, analysis) -> bool:
    """Write ``pareto.png`` (see the module docstring); False (and no file) when no finished
    point has numbers for every objective."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    objectives = spec.objectives
    pts = _points(rows, objectives, analysis.verdicts)
    if not pts:
        return False
    if len(objectives) == 1:
        pairs = [None]
    else:
        pairs = list(itertools.combinations(range(len(objectives)), 2))
    ncols = min(3, len(pairs))
    nrows = math.ceil(len(pairs) / ncols)
    fig = Figure(figsize=(4.8 * ncols, 4.0 * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, pair in zip(axes, pairs):
        if pair is None:
            xs = [idx for idx, _, _ in pts]
            ys = [v[0] for _, v, _ in pts]
            _panel(ax, pts, xs, ys, "point", _label(objectives[0]), False)
        else:
            a, b = pair
            _panel(ax, pts, [v[a] for _, v, _ in pts], [v[b] for _, v, _ in pts],
                   _label(objectives[a]), _label(objectives[b]), len(objectives) == 2)
    for ax in axes[len(pairs):]:
        ax.set_visible(False)
    axes[0].legend(fontsize="small")
    fig.suptitle(f"{spec.scenario}: {len(analysis.front)} on the front of "
                 f"{analysis.feasible} feasible / {len(pts)} finished points")
    write_atomically(path, lambda p: fig.savefig(p, format="png", dpi=110))
    return True


def _first_line(text: str, width: int = 200) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else "(no message)"
    return line if len(line) <= width else line[:width - 3] + "..."


def _infeasible_reasons(analysis) -> list[tuple[str, int]]:
    """(reason, number of points) of the infeasible points, most frequent first; a reason is a
    violation without its ``(got ...)`` value."""
    counts: dict[str, int] = {}
    for feasible, why, _ in analysis.verdicts.values():
        if feasible:
            continue
        for v in why.split("; "):
            reason = v.split(" (got ")[0]
            counts[reason] = counts.get(reason, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _ran_line(result) -> str:
    if result.ran:
        return (f"ran {result.ran} point(s) on {result.executor}; {result.skipped} had "
                f"finished before")
    hint = (" (--retry-failed runs the failed ones again)"
            if result.analysis.counts.get("failed", 0) else "")
    return f"nothing to run: all {result.skipped} point(s) had finished before{hint}"


def summary(result) -> str:
    """The text ``eventsim sweep`` prints at the end (a ``runner.SweepResult``)."""
    spec, a = result.spec, result.analysis
    lines = [f"sweep of {spec.scenario} in {result.out}: "
             f"{design_line(spec, result.total, result.dropped)}",
             _ran_line(result),
             counts_line(a, result.total)]
    if result.failures:
        lines.append("failed points:")
        shown = result.failures[:10]
        lines += [f"  point {i}: {_first_line(err)}" for i, err in shown]
        if len(result.failures) > len(shown):
            lines.append(f"  ... and {len(result.failures) - len(shown)} more (column error "
                         f"of the results)")
    reasons = _infeasible_reasons(a)
    if reasons:
        lines.append("infeasible points: " + "; ".join(f"{n} x {why}" for why, n in reasons))
    if a.front:
        lines += ["", f"Pareto front ({len(a.front)} of {a.feasible} feasible points):",
                  front_table(spec, a.front)]
    else:
        lines += ["", "no feasible finished point, so no Pareto front"]
    lines += ["", "wrote " + ", ".join(str(f) for f in result.files)]
    return "\n".join(lines)
