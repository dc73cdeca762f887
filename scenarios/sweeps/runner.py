"""Run a sweep: check every point, run the ones not yet finished, record each as it finishes,
then find the feasible points and the Pareto front and write the files.

``run_sweep(spec, out)``:

1. makes the design and resolves every point's config against the scenario
   (``check_points``) before anything runs or is written: an unknown key or a value of the
   wrong type is a ``ConfigError``, as is a design in which every point fails the scenario's
   own check; a point that fails it while others pass is run and recorded as failed;
2. opens ``DIR/results.sqlite`` (``store``): a new store gets every point as pending; an existing
   one must hold the same design (else ``ConfigError``) and its done points are skipped, and
   its failed points too unless ``retry_failed``;
3. runs the remaining points on an executor (``executors``: this process, local processes or a
   Dask cluster), keeping as many in flight as there are worker slots, and writes each outcome
   to the store as it arrives (commit per point, from this process only); every run goes to
   ``DIR/runs/<scenario>/<run-id>/``;
4. recomputes feasibility and the front over every done point (``analysis``) and writes
   ``pareto.md``, ``pareto.png`` and the requested exports.

Interrupting it (Ctrl-C) stops the points in flight, marks them pending again and re-raises
``KeyboardInterrupt``; running it again resumes. Local worker processes are started with
``spawn``: a script that calls ``run_sweep`` with ``workers > 1`` needs the usual
``if __name__ == "__main__":`` guard.
"""
from __future__ import annotations

import sys
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import scenarios
from eventsim.errors import ConfigError
from scenarios.config import apply_overrides, parse_set

from .analysis import Analysis, analyse
from .executors import WorkerLost, make_executor
from .export import check_formats, export
from .metrics import closest_keys
from .objectives import violations
from .report import FRONT_MD, FRONT_PNG, front_markdown, plot_front, write_front_markdown
from .store import STORE_NAME, open_store
from .worker import PointTask, error_text, execute, failed, run_scenario_point

RUNS_DIR = "runs"


@dataclass
class SweepResult:
    """What a sweep did: the ``spec``, the sweep directory ``out``, ``total`` design points
    (``dropped`` duplicate draws), points ``ran`` now and ``skipped`` (finished before), the
    ``analysis`` (counts, feasibility, front), ``failures`` [(idx, error)] of every failed
    point, the ``executor`` used and the ``files`` written."""
    spec: object
    out: Path
    total: int
    dropped: int
    ran: int
    skipped: int
    analysis: Analysis
    executor: str
    failures: list = field(default_factory=list)
    files: list = field(default_factory=list)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _short(point) -> str:
    text = ", ".join(point.sets)
    return text if len(text) <= 200 else text[:197] + "..."


def check_points(scenario_name: str, points) -> int:
    """Resolve every point's config (the scenario defaults with the point's overrides) and run
    the scenario's ``check`` on it; raises ConfigError for an unknown key or a value of the
    wrong type (naming the point), or when every point fails the check. Returns the number of
    points that fail the check (they will be recorded as failed when they run)."""
    scenario = scenarios.load(scenario_name)
    check = getattr(scenario.module, "check", None)
    failing, first = 0, None
    for p in points:
        try:
            config = apply_overrides(scenario.defaults, [parse_set(s) for s in p.sets],
                                     scenario.open_tables)
        except ConfigError as e:
            raise ConfigError(f"sweep point {p.index} ({_short(p)}): {e}") from None
        if check is None:
            continue
        try:
            check(config)
        except ConfigError as e:
            failing += 1
            first = first or f"point {p.index} ({_short(p)}): {e}"
    if points and failing == len(points):
        raise ConfigError(f"every one of the {len(points)} sweep points fails scenario "
                          f"{scenario_name}'s check, e.g. {first}")
    return failing


class _Progress:
    """The progress bar over points (tqdm on stderr) and the warnings printed beside it."""

    def __init__(self, total: int, initial: int, enabled: bool, label: str, warn):
        from tqdm import tqdm
        self.bar = tqdm(total=total, initial=initial, desc=label, unit="point",
                        file=sys.stderr, disable=not enabled, dynamic_ncols=True)
        self.enabled, self.warn = enabled, warn
        self.done = self.failed = 0

    def update(self, status: str) -> None:
        self.done += status == "done"
        self.failed += status == "failed"
        self.bar.set_postfix_str(f"{self.done} done, {self.failed} failed", refresh=False)
        self.bar.update(1)

    def say(self, message: str) -> None:
        if self.enabled:
            self.bar.write(message, file=sys.stderr)
        else:
            self.warn(message)

    def close(self) -> None:
        self.bar.close()


def _drive(executor, tasks, point_fn, store, on_outcome) -> None:
    """Run ``tasks`` on ``executor``, at most ``executor.slots()`` in flight, calling
    ``on_outcome`` with each outcome as it arrives. Points in flight when a local worker
    process dies are re-run one at a time: the one that kills its worker alone is failed."""
    queue, suspects, in_flight = deque(tasks), deque(), {}
    while queue or suspects or in_flight:
        source = suspects if suspects else queue
        limit = 1 if suspects else executor.slots()
        while source and len(in_flight) < limit:
            task = source.popleft()
            store.mark_running(task.index)
            in_flight[executor.submit(execute, point_fn, task)] = task
        for handle in executor.wait(list(in_flight)):
            if handle not in in_flight:
                continue  # dropped with a broken pool below
            task = in_flight.pop(handle)
            try:
                outcome = executor.result(handle)
            except WorkerLost as e:
                lost = [task] + _settle(executor, in_flight, on_outcome)
                in_flight.clear()
                executor.restart()
                if len(lost) == 1:
                    on_outcome(failed(task, f"WorkerLost: {e}"))
                else:
                    suspects.extend(sorted(lost, key=lambda t: t.index))
                break
            except Exception as e:  # noqa: BLE001 - e.g. Dask's KilledWorker, a pickling error
                outcome = failed(task, error_text(e))
            on_outcome(outcome)


def _settle(executor, in_flight: dict, on_outcome) -> list:
    """After a worker process died: record the points in flight that finished anyway and
    return the tasks of the others (lost with the pool)."""
    lost = []
    for handle, task in in_flight.items():
        if not handle.done():
            lost.append(task)
            continue
        try:
            outcome = executor.result(handle)
        except WorkerLost:
            lost.append(task)
            continue
        except Exception as e:  # noqa: BLE001
            outcome = failed(task, error_text(e))
        on_outcome(outcome)
    return lost


def run_sweep(spec, out, *, scheduler: str | None = None, workers: int | None = None,
              retry_failed: bool = False, progress: bool | None = None, export_formats=(),
              point_fn=run_scenario_point, warn=_stderr) -> SweepResult:
    """Run the sweep ``spec`` (``sweep_file.SweepSpec``) into directory ``out`` (see the module
    docstring). ``workers`` overrides ``spec.workers`` (local processes; 1 = this process);
    ``scheduler`` (``tcp://HOST:PORT``) runs on that Dask cluster instead; ``progress``: None
    shows the bar when stderr is a terminal; ``export_formats``: any of ``csv``, ``parquet``;
    ``point_fn``: the module-level function that runs a point (tests inject their own)."""
    if scheduler and workers is not None:
        raise ConfigError("--workers sets local processes; with --scheduler the Dask "
                          "cluster's workers run the points (start them with --nworkers)")
    workers = spec.workers if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be an integer >= 1, got {workers!r}")
    formats = check_formats(export_formats)
    design = spec.points()
    points = design.points
    check_points(spec.scenario, points)
    out = Path(out).resolve()
    executor = make_executor(scheduler, workers)  # a Dask scheduler is reached before any write
    cancel = True
    try:
        with open_store(out, lock=True) as store:
            store.bind(spec, points)
            todo = store.todo(retry_failed)
            runs_dir = str(out / RUNS_DIR)
            tasks = [PointTask(i, points[i].id, spec.scenario, tuple(points[i].sets),
                               spec.run_seed, runs_dir, str(out)) for i in todo]
            skipped = len(points) - len(tasks)
            if tasks:
                enabled = sys.stderr.isatty() if progress is None else bool(progress)
                bar = _Progress(len(points), skipped, enabled, f"sweep {spec.scenario}", warn)
                try:
                    _drive(executor, tasks, point_fn, store, _recorder(store, spec, bar))
                except BaseException:
                    store.reset_running()
                    raise
                finally:
                    bar.close()
            result = _finish(store, spec, out, formats, design, len(tasks), skipped,
                             executor.describe() if tasks else "nothing")
        cancel = False
        return result
    finally:
        executor.close(cancel=cancel)


def _recorder(store, spec, bar: _Progress):
    """The callback that writes each outcome to the store, advances the bar and warns once per
    objective or constraint key that a done point's metrics lack."""
    keys = spec.metric_keys
    warned = set()

    def on_outcome(outcome) -> None:
        why = None
        if outcome.status == "done":
            metrics = outcome.metrics
            why = violations(metrics, spec.objectives, spec.constraints)
            for k in keys:
                if k not in metrics and k not in warned:
                    warned.add(k)
                    near = closest_keys(k, metrics)
                    bar.say(f"eventsim: warning: metric {k!r} (an objective or constraint) is "
                            f"not in the results of point {outcome.index}"
                            + (f"; similar keys: {', '.join(near)}" if near else "")
                            + "; such points are infeasible (the sweep goes on)")
        store.record(outcome, why, keys)
        bar.update(outcome.status)
    return on_outcome


def _finish(store, spec, out: Path, formats, design, ran, skipped, executor) -> SweepResult:
    """Analyse every stored point, store the verdicts, write the front and the exports."""
    rows = store.rows()
    analysis = analyse(rows, spec.objectives, spec.constraints)
    store.set_analysis([(i, f, v, p) for i, (f, v, p) in analysis.verdicts.items()])
    rows = store.rows()
    total = len(design.points)
    write_front_markdown(out / FRONT_MD, front_markdown(spec, analysis, total, design.dropped))
    files = [out / STORE_NAME, out / FRONT_MD]
    if plot_front(out / FRONT_PNG, spec, rows, analysis):
        files.append(out / FRONT_PNG)
    elif (out / FRONT_PNG).exists():
        (out / FRONT_PNG).unlink()  # a plot of an earlier state would mislead
    files += export(out, formats)
    failures = [(r["idx"], r["error"]) for r in rows if r["status"] == "failed"]
    return SweepResult(spec, out, total, design.dropped, ran, skipped, analysis, executor,
                       failures, files)
