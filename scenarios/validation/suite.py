"""Running validation cases: each whatever the others do, in turn or ``jobs`` at a time in
worker processes, into one output folder."""
from __future__ import annotations

import json
import multiprocessing
import queue as queues
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
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


def run_validation(names, out_dir, say=lambda message: None, jobs: int = 1) -> list[CaseResult]:
    """Cases ``names`` (all when empty), each reported, in the order of ``names`` whatever
    order they end in: in turn, or ``jobs`` at a time in worker processes (their progress
    messages reach ``say`` here); writes ``validation.md``, ``validation.json`` and the summary
    plot into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = list(names) or case_names()
    if jobs > 1 and len(names) > 1:
        results = _run_in_workers(names, out_dir, say, min(jobs, len(names)))
    else:
        results = []
        for i, name in enumerate(names, 1):
            say(_started(i, len(names), name))
            results.append(run_case(name, out_dir, say))
            say(_ended(i, len(names), results[-1]))
    plot = summary_plot(results, out_dir)
    (out_dir / "validation.md").write_text(validation_markdown(results, plot))
    (out_dir / "validation.json").write_text(json.dumps(
        {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
         "cases": [r.to_dict() for r in results]}, indent=2))
    return results


def _started(i: int, n: int, name: str) -> str:
    return f"[{i}/{n}] {name} ..."


def _ended(i: int, n: int, result: CaseResult) -> str:
    return (f"[{i}/{n}] {result.name}: {result.verdict} in {result.wall_s:.1f} s"
            + (f": {result.message}" if result.message else ""))


def _case_in_worker(i: int, n: int, name: str, out_dir: str, messages) -> CaseResult:
    """``run_case`` in a worker process, its progress messages put on the ``messages`` queue."""
    messages.put(_started(i, n, name))
    return run_case(name, Path(out_dir), messages.put)


def _run_in_workers(names: list[str], out_dir: Path, say, jobs: int) -> list[CaseResult]:
    """The cases ``names`` on ``jobs`` fresh worker processes; a worker that dies makes its
    case an ERROR."""
    n = len(names)
    results: list[CaseResult | None] = [None] * n
    spawn = multiprocessing.get_context("spawn")         # no inherited compiled state
    with spawn.Manager() as manager, ProcessPoolExecutor(jobs, mp_context=spawn) as pool:
        messages = manager.Queue()
        running = {pool.submit(_case_in_worker, i + 1, n, name, str(out_dir), messages): i
                   for i, name in enumerate(names)}
        while running:
            done, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            _forward(messages, say)
            for future in done:
                i = running.pop(future)
                try:
                    results[i] = future.result()
                except Exception as e:                   # the worker itself failed
                    results[i] = CaseResult(names[i], names[i], status=ERROR,
                                            message=f"its worker process failed: {e!r}")
                say(_ended(i + 1, n, results[i]))
        _forward(messages, say)
    return results


def _forward(messages, say) -> None:
    """Every message waiting on the queue, to ``say``."""
    while True:
        try:
            say(messages.get_nowait())
        except queues.Empty:
            return


def exit_status(results: list[CaseResult]) -> int:
    """0 when every case passes, 1 when some check misses, 2 when some case could not run
    (skipped, error or unknown)."""
    verdicts = {r.verdict for r in results}
    if verdicts & {SKIPPED, ERROR}:
        return 2
    return 1 if MISS in verdicts else 0


__all__ = ["CaseRun", "run_case", "run_module", "run_validation", "exit_status", "PASS", "MISS", "SKIPPED",
           "ERROR"]
