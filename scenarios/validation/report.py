"""``validation.md`` and the summary plot of a validation run."""
from __future__ import annotations

import math
from pathlib import Path

from ..plots import new_figure, save_figure
from .check import MISS, CaseResult

SUMMARY_PNG = "validation_errors.png"


def number(x) -> str:
    """A figure as text: 4 significant digits, "n/a" for None."""
    if x is None:
        return "n/a"
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return f"{x:.4g}"


def _error(pct) -> str:
    return "n/a" if pct is None else f"{pct:+.2f} %"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def summary_table(results: list[CaseResult]) -> list[str]:
    """One row per check (a case that could not run: one row with its reason)."""
    lines = ["| case | quantity | reference | source | eventsim | error | tolerance | verdict |",
             "|---|---|---:|---|---:|---:|---|---|"]
    for r in results:
        if not r.checks:
            lines.append(f"| {r.name} | | | | | | | **{r.verdict}**: {_cell(r.message)} |")
        for c in r.checks:
            unit = f" {c.unit}" if c.unit else ""
            lines.append(f"| {r.name} | {_cell(c.quantity)} | {number(c.reference)}{unit} | "
                         f"{_cell(c.source)} | {number(c.value)}{unit} | {_error(c.error_pct)} | "
                         f"{c.tolerance} | {'pass' if c.passed else '**miss**'} |")
    return lines


def breakdown_table(result: CaseResult) -> list[str]:
    lines = ["| part | reference | eventsim | difference | note |", "|---|---:|---:|---:|---|"]
    for b in result.breakdown:
        unit = f" {b.unit}" if b.unit else ""
        diff = ("n/a" if b.reference is None or b.value is None
                else f"{number(b.value - b.reference)}{unit}")
        lines.append(f"| {_cell(b.part)} | {number(b.reference)}{unit} | {number(b.value)}{unit} "
                     f"| {diff} | {_cell(b.note)} |")
    return lines


def case_section(result: CaseResult) -> list[str]:
    lines = [f"## {result.name}: {result.title}", "",
             f"Verdict: **{result.verdict}** ({result.wall_s:.1f} s)"
             + (f": {result.message}" if result.message else ""), ""]
    lines += [*result.notes, ""] if result.notes else []
    if result.breakdown:
        heading = ("Where the difference comes from" if result.verdict == MISS
                   else "Breakdown")
        lines += [f"### {heading}", "", *breakdown_table(result), ""]
    lines += [f"![{p}]({p})" for p in result.plots]
    return lines + ([""] if result.plots else [])


def validation_markdown(results: list[CaseResult], summary_png: str | None) -> str:
    counts = {v: sum(r.verdict == v for r in results) for v in ("pass", "miss", "skipped", "error")}
    lines = ["# eventsim validation", "",
             "Every figure of eventsim below is compared with a reference that no one here wrote: "
             "a closed form, a peer simulator run here on the same network, or a published "
             "measurement. Error = (eventsim - reference) / |reference|.", "",
             "Cases: " + ", ".join(f"{n} {v}" for v, n in counts.items()), "",
             *summary_table(results), ""]
    if summary_png:
        lines += [f"![errors against tolerances]({summary_png})", ""]
    for r in results:
        lines += case_section(r)
    return "\n".join(lines).rstrip() + "\n"


def summary_plot(results: list[CaseResult], out_dir: Path) -> str | None:
    """|error| of every check with a relative error, against its relative tolerance, on a log
    axis; None when no check has one."""
    rows = [(f"{r.name}: {c.quantity}", abs(c.error_pct), c.rel_tol, c.passed)
            for r in results for c in r.checks if c.error_pct is not None]
    if not rows:
        return None
    fig = new_figure(8.0, 0.9 + 0.28 * len(rows))
    ax = fig.add_subplot()
    y = range(len(rows))
    floor = 1e-4                                   # % shown for an exact match on a log axis
    ax.barh(list(y), [max(e, floor) for _, e, _, _ in rows],
            color=["tab:green" if ok else "tab:red" for *_, ok in rows])
    for i, (_, _, tol, _) in enumerate(rows):
        if tol is not None and tol > 0:
            ax.plot([100 * tol] * 2, [i - 0.4, i + 0.4], color="black", lw=2)
    ax.set_yticks(list(y), [label for label, *_ in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("|error| (%); black mark: tolerance; green pass, red miss")
    ax.set_title("eventsim against its references")
    return save_figure(fig, Path(out_dir) / SUMMARY_PNG)

