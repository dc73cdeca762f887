"""Running validation cases: each in turn, whatever the others do, into one output folder."""
from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from eventsim.errors import ConfigError

from . import case_names, load_case
from .check import ERROR, MISS, PASS, SKIPPED, CaseResult, CaseSkipped
from .report import summary_plot, validation_markdown


@dataclass(frozen=True)
class CaseRun:
    """What a case gets: the folder for its plots and a function for progress messages."""
    out_dir: Path
    say: object


def run_case(name: str, out_dir: Path, say=lambda message: None) -> CaseResult:
    """Case ``name`` run into ``out_dir``; never raises for the case's own failures: a case
    that cannot run comes back SKIPPED, one that raised comes back ERROR, with one line."""
    try:
        module = load_case(name)
    except ConfigError as e:
        return CaseResult(name, name, status=ERROR, message=str(e))
    return run_module(name, module, out_dir, say)


def run_module(name: str, module, out_dir: Path, say=lambda message: None) -> CaseResult:
    """``run_case`` for a loaded case module (anything with ``TITLE`` and ``run(ctx)``)."""
    t0 = time.perf_counter()
    try:
        result = module.run(CaseRun(Path(out_dir), say))
    except CaseSkipped as e:
        result = CaseResult(name, module.TITLE, status=SKIPPED, message=str(e))
    except Exception as e:                                   # reported, and the suite goes on
        last = traceback.extract_tb(e.__traceback__)[-1]
        result = CaseResult(name, module.TITLE, status=ERROR,
                            message=f"{type(e).__name__}: {e} ({Path(last.filename).name}:"
                                    f"{last.lineno})")
    result.wall_s = time.perf_counter() - t0
    return result


def run_validation(names, out_dir, say=lambda message: None) -> list[CaseResult]:
    """Cases ``names`` (all when empty), each reported; writes ``validation.md``,
    ``validation.json`` and the summary plot into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = list(names) or case_names()
    results = []
    for i, name in enumerate(names, 1):
        say(f"[{i}/{len(names)}] {name} ...")
        result = run_case(name, out_dir, say)
        say(f"[{i}/{len(names)}] {name}: {result.verdict} in {result.wall_s:.1f} s"
            + (f": {result.message}" if result.message else ""))
        results.append(result)
    plot = summary_plot(results, out_dir)
    (out_dir / "validation.md").write_text(validation_markdown(results, plot))
    (out_dir / "validation.json").write_text(json.dumps(
        {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
         "cases": [r.to_dict() for r in results]}, indent=2))
    return results


def exit_status(results: list[CaseResult]) -> int:
    """0 when every case passes, 1 when some check misses, 2 when some case could not run
    (skipped, error or unknown)."""
    verdicts = {r.verdict for r in results}
    if verdicts & {SKIPPED, ERROR}:
        return 2
    return 1 if MISS in verdicts else 0


__all__ = ["CaseRun", "run_case", "run_module", "run_validation", "exit_status", "PASS", "MISS", "SKIPPED",
           "ERROR"]
