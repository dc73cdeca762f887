"""Two runs side by side: ``compare_runs`` and the ``eventsim compare RUN_A RUN_B [--out DIR]
[--json]`` command. The runs may be of different scenarios (only shared metrics are compared).

- Metrics: every number in result.json (booleans and None are not numbers here) that both runs
  have, under its dotted key: nested objects are flattened (``energy.total_pj``), lists of
  objects by position (``methods.0.energy_j``); lists of numbers (series) and the keys
  ``config``, ``versions``, ``files`` and ``seed`` (an input, listed with the configuration)
  are left out. Per metric: A, B, B/A (None when A is 0) and B - A.
- Configuration differences: every dotted key of either configuration, and the seed, whose
  values differ, as ``key: A -> B`` (values as JSON; ``(absent)`` where a run lacks the key).
- Files, in the output directory (default ``./compare-<run-id A>-vs-<run-id B>/``):
  ``compare.md`` (the above), ``compare_energy.png`` (the energy breakdown of both runs'
  ledgers, when either has a ledger.csv) and ``compare_latency.png`` (overlaid latency
  histograms, when both have latency_s in run_data.npz).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from . import plots
from .output import plain
from .rundir import RunDir, RunDirError, load_run_dir

NOT_METRICS = ("config", "versions", "files", "seed")
MARKDOWN_FILE = "compare.md"
ENERGY_FILE = "compare_energy.png"
LATENCY_FILE = "compare_latency.png"


# --------------------------------------------------------------------------- metrics

def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def numeric_metrics(result: dict) -> dict[str, int | float]:
    """{dotted key: number} of ``result`` (a result.json document), as the module docstring
    says, in document order."""
    out: dict[str, int | float] = {}

    def walk(value, key):
        if _is_number(value):
            out[key] = value
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            for i, v in enumerate(value):
                walk(v, f"{key}.{i}")

    walk({k: v for k, v in result.items() if k not in NOT_METRICS}, "")
    return out


def metric_rows(result_a: dict, result_b: dict) -> list[dict]:
    """One row ``{"metric", "a", "b", "ratio" (B/A, None when A is 0), "diff" (B - A)}`` per
    numeric metric both results have, in A's order."""
    a, b = numeric_metrics(result_a), numeric_metrics(result_b)
    return [{"metric": k, "a": a[k], "b": b[k], "ratio": b[k] / a[k] if a[k] else None,
             "diff": b[k] - a[k]} for k in a if k in b]


# --------------------------------------------------------------------------- configuration

def flat_config(config: dict, prefix: str = "") -> dict:
    """{dotted key: value} of the nested tables of ``config`` (lists are values)."""
    out = {}
    for k, v in config.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict) and v:
            out.update(flat_config(v, key))
        else:
            out[key] = v
    return out


_ABSENT = object()


def _shown(value) -> str:
    return "(absent)" if value is _ABSENT else json.dumps(value, ensure_ascii=False)


def config_diff(config_a: dict, config_b: dict) -> list[str]:
    """``"key: A -> B"`` for every dotted key whose value differs between the configurations
    (keys of A first, in order, then those only B has)."""
    a, b = flat_config(config_a), flat_config(config_b)
    keys = list(a) + [k for k in b if k not in a]
    return [f"{k}: {_shown(a.get(k, _ABSENT))} -> {_shown(b.get(k, _ABSENT))}"
            for k in keys if a.get(k, _ABSENT) != b.get(k, _ABSENT)]


def run_diff(result_a: dict, result_b: dict) -> list[str]:
    """``config_diff`` of the two results' configurations, with ``seed`` first when it
    differs."""
    seed = [] if result_a.get("seed") == result_b.get("seed") else \
        [f"seed: {_shown(result_a.get('seed', _ABSENT))} -> "
         f"{_shown(result_b.get('seed', _ABSENT))}"]
    return seed + config_diff(result_a.get("config") or {}, result_b.get("config") or {})


# --------------------------------------------------------------------------- report

def _number(x) -> str:
    return str(x) if isinstance(x, int) else f"{x:.6g}"


def _signed(x) -> str:
    return f"{x:+d}" if isinstance(x, int) else f"{x:+.6g}"


def metrics_table(rows: list[dict]) -> str:
    """The markdown table of ``metric_rows``."""
    lines = ["| metric | A | B | B/A | B − A |", "|---|---:|---:|---:|---:|"]
    for r in rows:
        ratio = "–" if r["ratio"] is None else f"{r['ratio']:.4g}"
        lines.append(f"| {r['metric']} | {_number(r['a'])} | {_number(r['b'])} | {ratio} "
                     f"| {_signed(r['diff'])} |")
    return "\n".join(lines)


def _who(run: RunDir) -> str:
    return (f"{run.scenario} {run.run_id} (seed {run.result.get('seed', '?')}), "
            f"`{run.path}`")


def markdown(run_a: RunDir, run_b: RunDir, rows: list[dict], diff: list[str],
             files: list[str]) -> str:
    """compare.md: the two runs, the metrics table, the configuration differences, figures."""
    out = [f"# {run_a.run_id} vs {run_b.run_id}", "", f"- A: {_who(run_a)}",
           f"- B: {_who(run_b)}", ""]
    if run_a.scenario != run_b.scenario:
        out += [f"Different scenarios ({run_a.scenario}, {run_b.scenario}): only the metrics "
                f"both have are compared.", ""]
    out += [f"## Metrics ({len(rows)} shared)", "",
            metrics_table(rows) if rows else "No numeric metric is in both runs.", "",
            "## Configuration differences", ""]
    out += [f"- {line}" for line in diff] or ["None."]
    if files:
        out += ["", "## Figures", "", *[f"![{f}]({f})" for f in files]]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- comparison

def _figures(run_a: RunDir, run_b: RunDir, out: Path) -> list[str]:
    title = f"A = {run_a.scenario} {run_a.run_id}, B = {run_b.scenario} {run_b.run_id}"
    files = []
    ledgers = {f"{tag}: {sub}": rows for tag, run in (("A", run_a), ("B", run_b))
               for sub, rows in run.ledgers.items()}
    if ledgers:
        files.append(plots.energy_breakdown(out / ENERGY_FILE, ledgers,
                                            title=f"energy, {title}"))
    latency = {tag: {f"{tag}: {sub}": f["latency_s"] for sub, f in run.data.items()
                     if "latency_s" in f} for tag, run in (("A", run_a), ("B", run_b))}
    if latency["A"] and latency["B"]:
        files.append(plots.latency_histogram(out / LATENCY_FILE,
                                             {**latency["A"], **latency["B"]},
                                             title=f"latency per item, {title}"))
    return files


def default_out_dir(run_a: RunDir, run_b: RunDir) -> Path:
    """``./compare-<run-id A>-vs-<run-id B>``."""
    return Path(f"compare-{run_a.run_id}-vs-{run_b.run_id}")


def compare_runs(run_a, run_b, out_dir=None) -> dict:
    """Compare the run directories ``run_a`` and ``run_b`` (RunDirError if either is not one)
    and write compare.md and the figures to ``out_dir`` (default ``default_out_dir``); returns
    ``{"a", "b" (scenario, run_id, seed, path), "metrics" (metric_rows), "config_diff",
    "out_dir", "files", "markdown"}``."""
    a, b = load_run_dir(run_a), load_run_dir(run_b)
    out = Path(out_dir) if out_dir is not None else default_out_dir(a, b)
    out.mkdir(parents=True, exist_ok=True)
    rows, diff = metric_rows(a.result, b.result), run_diff(a.result, b.result)
    figures = _figures(a, b, out)
    text = markdown(a, b, rows, diff, figures)
    (out / MARKDOWN_FILE).write_text(text)
    return {"a": _identity(a), "b": _identity(b), "metrics": rows, "config_diff": diff,
            "out_dir": str(out), "files": [MARKDOWN_FILE, *figures], "markdown": text}


def _identity(run: RunDir) -> dict:
    return {"scenario": run.scenario, "run_id": run.run_id, "seed": run.result.get("seed"),
            "path": str(run.path)}


# --------------------------------------------------------------------------- command line

def _compare(args) -> int:
    """``eventsim compare``: exit code 0, or 2 (message on stderr) for a bad directory."""
    try:
        doc = compare_runs(args.run_a, args.run_b, args.out)
    except RunDirError as e:
        print(f"eventsim compare: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(plain({k: v for k, v in doc.items() if k != "markdown"}), indent=1))
    else:
        print(doc["markdown"], end="")
        print(f"\nwrote {doc['out_dir']} ({', '.join(doc['files'])})")
    return 0


def add_compare_parser(subparsers):
    """Add the ``compare`` sub-command to ``subparsers`` (of ``argparse``); returns its
    parser."""
    p = subparsers.add_parser(
        "compare", help="put two runs side by side",
        description="Compare two run directories: every numeric metric both have (A, B, B/A, "
        "B - A), the configuration differences, and the energy breakdown and latency "
        "histograms of both in one figure each.")
    p.add_argument("run_a", help="run directory A (out/SCENARIO/RUN-ID)")
    p.add_argument("run_b", help="run directory B")
    p.add_argument("--out", default=None,
                   help="directory for compare.md and the figures "
                   "(default: ./compare-RUNID_A-vs-RUNID_B)")
    p.add_argument("--json", action="store_true",
                   help="print the comparison as JSON (instead of the markdown)")
    p.set_defaults(func=_compare)
    return p
