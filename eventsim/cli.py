"""The ``eventsim`` command line: the one composition root (it may import every floor)."""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path


def _bench_phold(args) -> int:
    from .bench import phold
    sizes = [int(s) for s in args.points.split(",")] if args.points else list(phold.POINTS)
    unknown = [s for s in sizes if s not in phold.POINTS]
    if unknown:
        print(f"eventsim: unknown PHOLD point(s) {unknown}; choose from {list(phold.POINTS)}",
              file=sys.stderr)
        return 2
    if args.repeats < 1:
        print(f"eventsim: --repeats must be >= 1, got {args.repeats}", file=sys.stderr)
        return 2
    say = (lambda m: None) if args.json else (lambda m: print(f"  {m}", file=sys.stderr))
    if args.events is not None and args.events < 1:
        print(f"eventsim: --events must be >= 1, got {args.events}", file=sys.stderr)
        return 2
    results = []
    for size in sizes:
        point = phold.POINTS[size]
        if args.events is not None:
            point = dataclasses.replace(point, target_events=args.events)
        say(f"PHOLD at {size:,} pending events, {args.repeats} repeat(s)...")
        results.append(phold.measure_point(point, repeats=args.repeats,
                                           simpy_budget_s=args.simpy_budget_s, progress=say))
    if args.json:
        print(json.dumps(phold.json_rows(results), indent=2))
    else:
        print(phold.format_table(results))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        doc = {"benchmark": "phold", "repeats": args.repeats, "machine": phold.machine_info(),
               "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "points": results}
        (out / "result.json").write_text(json.dumps(doc, indent=2))
        (out / "table.md").write_text(phold.format_table(results) + "\n")
        say(f"wrote {out / 'result.json'} and {out / 'table.md'}")
    return 0


DEMO_SETS = ("tokens=8", "dense.tokens=2")


def _demo(args) -> int:
    """``make demo``: egru_spinnaker2 in its paper configuration for a handful of tokens."""
    from scenarios import load, run_scenario
    print("eventsim demo: egru_spinnaker2 (Nazeer et al. AICAS 2024 configuration on SpiNNaker2) "
          f"with {', '.join(DEMO_SETS)}; the first run compiles the network kernels (cached after)",
          file=sys.stderr)
    result, run_dir = run_scenario("egru_spinnaker2", DEMO_SETS, seed=0, out=args.out,
                                   progress=sys.stderr.isatty())
    print(load("egru_spinnaker2").module.table(result))
    print(f"\nwrote {run_dir}: report.md, result.json, ledger.csv, run_data.npz and "
          f"{sum(f.endswith('.png') for f in result['files'])} plots in {result['wall_s']:.1f} s")
    return 0


def _list(args) -> int:
    from hardware_models.presets import preset, preset_names
    from scenarios import describe
    rows = [preset(n).headline() for n in preset_names()]
    scenario_rows = describe()
    if args.json:
        print(json.dumps({"machines": rows, "scenarios": scenario_rows}, indent=2))
        return 0
    print("Machines (hardware_models/presets; every number cited in its TOML file):")
    print(f"  {'name':<16}{'chips':>6}{'cores':>7}{'thr/core':>9}{'clock MHz':>11}"
          f"{'SRAM KiB/core':>15}{'energy/op pJ':>18}  noc, semantics")
    for r in rows:
        op = next((f"{r[k]:.3g} ({k[:-3]})" for k in ("synop_pj", "mac_pj", "flop_pj") if k in r), "-")
        print(f"  {r['name']:<16}{r['chips']:>6}{r['cores']:>7}{r['threads_per_core']:>9}"
              f"{r['clock_mhz']:>11.0f}{r['sram_kib_per_core']:>15.0f}{op:>18}  "
              f"{r['noc']}, {r['semantics']}")
    print("\nScenarios (scenarios/; eventsim run SCENARIO [--set key=value ...]):")
    for r in scenario_rows:
        print(f"  {r['name']:<16}{r['description']}")
    print("\nBenchmarks: eventsim bench phold")
    return 0


def _run(args) -> int:
    from eventsim.errors import ConfigError
    from scenarios import load, run_scenario
    progress = not args.no_progress and sys.stderr.isatty()
    try:
        factors = _sensitivity_factors(args)
        result, run_dir = run_scenario(args.scenario, args.set, seed=args.seed, out=args.out,
                                       trace=args.trace, progress=progress,
                                       sensitivity=factors)
    except ConfigError as e:
        print(f"eventsim: {e}", file=sys.stderr)
        return 2
    if args.json:
        sys.stdout.write((run_dir / "result.json").read_text())
        sys.stdout.flush()
    else:
        table = getattr(load(args.scenario).module, "table", None)
        if table is not None:
            print(table(result))
        for line in _uncertainty_lines(result):
            print(line)
        print(f"\nwrote {run_dir} ({', '.join(result['files'])}) in {result['wall_s']:.1f} s")
    return 0


def _sensitivity_factors(args):
    """The factors of ``--sensitivity`` (None without it); ConfigError for a bad
    ``--sensitivity-range`` or one given without ``--sensitivity``."""
    from eventsim.errors import ConfigError
    from scenarios.sensitivity import DEFAULT_FACTORS, parse_range
    if args.sensitivity_range is not None and not args.sensitivity:
        raise ConfigError("--sensitivity-range needs --sensitivity")
    if not args.sensitivity:
        return None
    return DEFAULT_FACTORS if args.sensitivity_range is None else parse_range(args.sensitivity_range)


def _uncertainty_lines(result: dict) -> list[str]:
    """What ``eventsim run`` prints of ``estimated_share`` and ``sensitivity``."""
    out = []
    share = result.get("estimated_share")
    if share:
        out.append(f"\nresting on estimated machine numbers: {100 * share['energy']:.1f} % of the "
                   f"energy, {100 * share['busy_time']:.1f} % of the busy time")
    sens = result.get("sensitivity")
    if sens:
        xs = " and ".join(f"x{f:g}" for f in sens["factors"])
        out.append(f"sensitivity ({sens['numbers_varied']} estimated numbers one at a time at "
                   f"{xs}, {sens['reruns']} re-runs in {sens['rerun_wall_s']:.1f} s):")
        for m, s in sens["metrics"].items():
            lo, hi = s["interval"]
            out.append(f"  {m} {s['baseline']:.6g} in [{lo:.6g}, {hi:.6g}]; moved most by "
                       + ", ".join(t["number"] for t in s["top"][:5]))
    return out


def _validate(args) -> int:
    from scenarios.validation import case_names, load_case
    from scenarios.validation.suite import exit_status, run_validation
    if args.list:
        for name in case_names():
            print(f"  {name:<16}{load_case(name).TITLE}")
        return 0
    if args.jobs < 1:
        print(f"eventsim validate: --jobs must be at least 1, got {args.jobs}", file=sys.stderr)
        return 2
    say = (lambda m: None) if args.json else (lambda m: print(m, file=sys.stderr, flush=True))
    results = run_validation(args.cases, args.out, say, jobs=args.jobs)
    for r in results:
        if r.message:
            print(f"eventsim validate: {r.name}: {r.verdict}: {r.message}", file=sys.stderr)
    if args.json:
        sys.stdout.write((Path(args.out) / "validation.json").read_text())
    else:
        print(f"wrote {Path(args.out) / 'validation.md'}: "
              + ", ".join(f"{r.name} {r.verdict}" for r in results))
    return exit_status(results)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="eventsim", description="Discrete-event simulation of "
                                "event-based neural networks on modelled hardware.")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bench", help="run an engine benchmark")
    bsub = b.add_subparsers(dest="benchmark", required=True)
    ph = bsub.add_parser("phold", help="PHOLD: eventsim vs SimPy (callback and process styles)")
    ph.add_argument("--json", action="store_true", help="print per-point JSON only")
    ph.add_argument("--repeats", type=int, default=5, help="runs per point (median reported)")
    ph.add_argument("--points", default="", help="comma-separated pending counts "
                    "(default: 1000,16384,100000,1000000)")
    ph.add_argument("--events", type=int, default=None,
                    help="events per run (default: the point's own, ~1.5-6 M)")
    ph.add_argument("--simpy-budget-s", type=float, default=60.0,
                    help="report a SimPy style as null when one run would take longer than this")
    ph.add_argument("--out", default="", help="directory for result.json and table.md")
    ph.set_defaults(func=_bench_phold)
    ls = sub.add_parser("list", help="list machine presets and scenarios")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)
    r = sub.add_parser("run", help="run a scenario (eventsim list shows them)",
                       description="Run a scenario; writes OUT/SCENARIO/RUN-ID/ with result.json, "
                       "ledger.csv, PNG plots and report.md.")
    r.add_argument("scenario", help="scenario name (eventsim list)")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key (dotted, e.g. train.epochs=2; value a TOML "
                   "literal, e.g. 'threads=[4]'); repeatable")
    r.add_argument("--out", default="out", help="output root (default: out)")
    r.add_argument("--seed", type=int, default=0, help="the one seed of the run (default 0)")
    r.add_argument("--json", action="store_true",
                   help="print the run's result.json to stdout (and nothing else)")
    r.add_argument("--trace", action="store_true",
                   help="record a trace where the scenario has one (warns where it has not)")
    r.add_argument("--no-progress", action="store_true",
                   help="no progress bar (shown on stderr only when it is a terminal)")
    r.add_argument("--sensitivity", action="store_true",
                   help="also vary each estimated number of the scenario's machine, one at a "
                   "time, and report how far the headline figures move (sensitivity.md, "
                   "sensitivity.json, tornado plots)")
    r.add_argument("--sensitivity-range", default=None, metavar="F1,F2",
                   help="the factors of --sensitivity (default 0.5,2)")
    r.set_defaults(func=_run)
    from scenarios.compare import add_compare_parser
    from scenarios.redraw import add_plot_parser
    from scenarios.sweeps.cli import add_parser as add_sweep_parser
    add_sweep_parser(sub)
    add_plot_parser(sub)
    add_compare_parser(sub)
    v = sub.add_parser("validate", help="compare eventsim with references no one here wrote",
                       description="Run validation cases (all by default) and write "
                       "OUT/validation.md, validation.json and plots. Exit status: 0 all pass, "
                       "1 some check misses, 2 some case could not run (skipped, error, unknown).")
    v.add_argument("cases", nargs="*", help="case names (eventsim validate --list)")
    v.add_argument("--out", default="out/validation", help="output folder (default: "
                   "out/validation)")
    v.add_argument("--json", action="store_true", help="print validation.json to stdout")
    v.add_argument("--list", action="store_true", help="list the cases and stop")
    v.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="cases run at a time, each in its own process (default: the number of "
                        "CPUs; 1: in turn, in this process)")
    v.set_defaults(func=_validate)
    d = sub.add_parser("demo", help="the quick demonstration `make demo` runs")
    d.add_argument("--out", default="out", help="output directory (default: out)")
    d.set_defaults(func=_demo)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
