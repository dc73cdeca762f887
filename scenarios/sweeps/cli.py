"""``eventsim sweep SWEEP.toml``: the command line of the sweep engine.

``add_parser(subparsers)`` adds the ``sweep`` sub-command to ``eventsim``'s parser; ``main(argv)``
runs it on its own (``python -m scenarios.sweeps SWEEP.toml ...``). Exit codes: 0 when the sweep
has finished points, 1 when every point failed, 2 for a bad sweep file or option (the message
names the key and value), 130 when interrupted (run the same command again to resume).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

DESCRIPTION = (
    "Run a scenario over a grid, random or Latin-hypercube design of its config keys and find "
    "the Pareto front of the objectives. Results go to DIR/results.sqlite (one row per point, "
    "written as each finishes; run the same command again to resume), DIR/pareto.md, "
    "DIR/pareto.png and DIR/runs/. Sweep file format: scenarios/sweeps/sweep_file.py.")


def default_out(sweep_file) -> Path:
    """The sweep directory when ``--out`` is not given: ``out/sweeps/<file stem>``."""
    return Path("out") / "sweeps" / Path(sweep_file).stem


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``sweep`` sub-command to ``subparsers`` (from ``add_subparsers``); its
    ``func`` returns the exit code."""
    p = subparsers.add_parser("sweep", help="design-space sweep of a scenario with its Pareto "
                              "front", description=DESCRIPTION)
    p.add_argument("sweep_file", metavar="SWEEP.toml",
                   help="a sweep file (scenario = ... and [sweep]) or a scenario's TOML with a "
                   "[sweep] table")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="sweep directory (default: out/sweeps/<file stem>)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run the points on this Dask cluster (dask.distributed)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="local worker processes (default: sweep.workers, else min(2, CPUs); "
                   "1 runs in this process)")
    p.add_argument("--export", action="extend", nargs="+", default=[],
                   choices=("csv", "parquet"),
                   help="also write DIR/results.csv and/or DIR/results.parquet")
    p.add_argument("--retry-failed", action="store_true",
                   help="run failed points again (default: keep their recorded error)")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--no-progress", action="store_true",
                     help="no progress bar (shown on stderr only when it is a terminal)")
    bar.add_argument("--progress", action="store_true",
                     help="show the progress bar even when stderr is not a terminal")
    p.set_defaults(func=sweep_command)
    return p


def sweep_command(args) -> int:
    """Run the sweep of ``args`` (from ``add_parser``); print the summary; the exit code."""
    from eventsim.errors import ConfigError

    from .report import summary
    from .runner import run_sweep
    from .sweep_file import load_sweep

    progress = False if args.no_progress else (True if args.progress else None)
    out = Path(args.out) if args.out else default_out(args.sweep_file)
    try:
        spec = load_sweep(args.sweep_file)
        result = run_sweep(spec, out, scheduler=args.scheduler, workers=args.workers,
                           retry_failed=args.retry_failed, progress=progress,
                           export_formats=args.export)
    except ConfigError as e:
        print(f"eventsim: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\neventsim: sweep interrupted; the finished points are in {out}; run the same "
              f"command again to resume", file=sys.stderr)
        return 130
    print(summary(result))
    if result.analysis.counts["done"] == 0:
        print("eventsim: no point finished (every one failed; see the errors above)",
              file=sys.stderr)
        return 1
    return 0


def main(argv=None) -> int:
    """``eventsim sweep`` on its own: ``main(["SWEEP.toml", "--out", "DIR"])``."""
    parser = argparse.ArgumentParser(prog="eventsim")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["sweep", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)
