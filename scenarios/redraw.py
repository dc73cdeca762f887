"""The standard figures of a run directory, (re)drawn from its files: ``standard_plots`` and
the ``eventsim plot RUN_DIR [--out DIR]`` command.

Figure files (``<run>`` is the sub-run's name with every character other than letters,
digits, ``_``, ``.`` and ``-`` replaced by ``_``):

- ``raster_<run>.png``: spike raster (``plots.spike_raster``) of a sub-run of run_data.npz with
  spike_time_ps, spike_neuron, spike_population and population_names;
- ``gantt_<run>.png``: per-core busy timeline (``plots.core_gantt``) of a sub-run with
  busy_core, busy_start_ps, busy_dur_ps, busy_label and busy_label_names;
- ``noc_<run>.png``: NoC link load (``plots.noc_heatmap``) of a sub-run with link_src_xy,
  link_dst_xy, link_chip and link_flits;
- ``latency_<run>.png``: latency histogram (``plots.latency_histogram``) of a sub-run with
  latency_s;
- ``energy_breakdown.png``: energy by part and by component kind (``plots.energy_breakdown``)
  of every sub-run of ledger.csv, side by side.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from . import plots
from .rundir import RESULT_FILE, RunDirError, load_run_dir, read_result

RASTER_FIELDS = ("spike_time_ps", "spike_neuron", "spike_population", "population_names")
GANTT_FIELDS = ("busy_core", "busy_start_ps", "busy_dur_ps", "busy_label", "busy_label_names")
NOC_FIELDS = ("link_src_xy", "link_dst_xy", "link_chip", "link_flits")
LATENCY_FIELDS = ("latency_s",)
ENERGY_FILE = "energy_breakdown.png"


def file_stem(run: str) -> str:
    """``run`` made safe as part of a file name (see the module docstring)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", run) or "_"


def _scalar(fields: dict, name: str) -> int | None:
    value = fields.get(name)
    return int(np.asarray(value).ravel()[0]) if value is not None and np.size(value) else None


def run_figures(out_dir, run: str, fields: dict, *, title: str = "") -> list[str]:
    """The per-sub-run figures whose fields (run_data.py) are in ``fields``, written to
    ``out_dir`` as ``<figure>_<run>.png``; returns the file names. ``title`` (default: the
    sub-run's name) heads each figure."""
    out_dir, stem, title = Path(out_dir), file_stem(run), title or run
    duration_ps = _scalar(fields, "duration_ps")
    files = []
    if all(f in fields for f in RASTER_FIELDS):
        files.append(plots.spike_raster(
            out_dir / f"raster_{stem}.png", *(fields[f] for f in RASTER_FIELDS),
            duration_ps=duration_ps, title=f"{title}: spikes"))
    if all(f in fields for f in GANTT_FIELDS):
        files.append(plots.core_gantt(
            out_dir / f"gantt_{stem}.png", *(fields[f] for f in GANTT_FIELDS),
            duration_ps=duration_ps, n_cores=_scalar(fields, "n_cores"),
            title=f"{title}: core busy time"))
    if all(f in fields for f in NOC_FIELDS):
        files.append(plots.noc_heatmap(
            out_dir / f"noc_{stem}.png", *(fields[f] for f in NOC_FIELDS),
            title=f"{title}: NoC link load"))
    if all(f in fields for f in LATENCY_FIELDS):
        files.append(plots.latency_histogram(
            out_dir / f"latency_{stem}.png", fields["latency_s"],
            title=f"{title}: latency per item"))
    return files


def _named_after_path(run_dir: Path) -> dict:
    """The scenario and run-id of a run directory without result.json, from its path
    ``<out>/<scenario>/<run-id>`` or ``<out>/<scenario>/.<run-id>.partial``."""
    name = run_dir.resolve().name
    if name.startswith(".") and name.endswith(".partial"):
        name = name[1:-len(".partial")]
    return {"scenario": run_dir.resolve().parent.name, "run_id": name}


def standard_plots(run_dir, out_dir=None, *, result: dict | None = None) -> list[str]:
    """(Re)draw every standard figure whose data is in ``run_dir`` (run_data.npz: per sub-run;
    ledger.csv: the energy breakdown) into ``out_dir`` (default ``run_dir``); returns the file
    names written, relative to ``out_dir``. The figures are titled with the scenario and run-id
    of ``result``, else of ``run_dir/result.json``, else (a scenario's ``plots`` runs before
    result.json is written) of the path. RunDirError if ``run_dir`` is not a directory or one of
    its files cannot be read."""
    path = Path(run_dir)
    if result is None and path.is_dir() and not (path / RESULT_FILE).exists():
        result = _named_after_path(path)
    run = load_run_dir(path, result)
    out = Path(out_dir) if out_dir is not None else run.path
    out.mkdir(parents=True, exist_ok=True)
    head = f"{run.scenario} {run.run_id}"
    files = []
    for name, fields in run.data.items():
        files += run_figures(out, name, fields, title=f"{head} {name}")
    if run.ledgers:
        files.append(plots.energy_breakdown(out / ENERGY_FILE, run.ledgers,
                                            title=f"{head}: energy by part and component"))
    return files


def scenario_plots(result: dict, out_dir) -> list[str]:
    """A scenario's ``plots(result, out_dir)`` whose figures are the standard ones: those of
    its run directory ``out_dir`` (``standard_plots(out_dir)``; the files hold the data)."""
    return standard_plots(out_dir)


# --------------------------------------------------------------------------- command line

def _plot(args) -> int:
    """``eventsim plot``: exit code 0, or 2 (message on stderr) for a directory that is not a
    run directory (``rundir.read_result``) or whose files cannot be read."""
    try:
        files = standard_plots(args.run_dir, args.out, result=read_result(args.run_dir))
    except RunDirError as e:
        print(f"eventsim plot: {e}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out is not None else Path(args.run_dir)
    if not files:
        print(f"eventsim plot: nothing to draw in {args.run_dir} (no ledger.csv, no "
              f"run_data.npz)", file=sys.stderr)
    for name in files:
        print(f"wrote {out / name}")
    return 0


def add_plot_parser(subparsers):
    """Add the ``plot`` sub-command to ``subparsers`` (of ``argparse``); returns its parser."""
    p = subparsers.add_parser(
        "plot", help="(re)draw the standard figures of a run directory",
        description="Draw the spike raster, core Gantt chart, NoC link load and latency "
        "histogram of every sub-run of RUN_DIR/run_data.npz and the energy breakdown of "
        "RUN_DIR/ledger.csv, as far as the data is there.")
    p.add_argument("run_dir", help="a run directory (out/SCENARIO/RUN-ID)")
    p.add_argument("--out", default=None, help="directory for the PNG files (default: RUN_DIR)")
    p.set_defaults(func=_plot)
    return p
