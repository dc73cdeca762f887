"""Asynchronous layer-wise SGD vs Hogwild! vs synchronous SGD: the scenario ``async_sgd`` at its
defaults (scenarios/async_sgd.toml), its table with every method's time to target and energy as
ratios against sync SGD at the same machine and thread count, and its delay study (time to
target against injected worker delays, with sync and Hogwild! over layer-wise async).

    python benchmarks/async_sgd.py                  # run, print the table (run dir under out/)
    python benchmarks/async_sgd.py --write-results  # ... and the section in benchmarks/RESULTS.md,
                                                    #     with the plots copied to benchmarks/

The figures are simulated times and energies of a deterministic simulation: one run gives them
exactly (the same seed gives the same numbers on any host), so there are no medians; only the
wall time depends on the host.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results_file import write_section  # noqa: E402

from scenarios import run_scenario  # noqa: E402
from scenarios.async_sgd import table  # noqa: E402
from scenarios.async_sgd_delays import report as delay_report  # noqa: E402


def _ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def ratio_table(result: dict) -> str:
    """Per run: time to target and energy, and both as ratios to sync at the same machine and
    thread count."""
    target = result["config"]["train"]["target_accuracy"]
    sync = {(m["machine"], m["threads"]): m for m in result["methods"] if m["method"] == "sync"}
    lines = [f"| machine | threads | method | time to {target:.0%} (µs) | ÷ sync | energy (J) "
             f"| ÷ sync | dynamic energy (mJ) | ÷ sync | final accuracy | mean staleness |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for m in sorted(result["methods"], key=lambda m: (m["machine"], m["threads"])):
        s = sync.get((m["machine"], m["threads"]), {})
        tt = m["time_to_target_s"]
        lines.append(
            f"| {m['machine']} | {m['threads']} | {m['method']} "
            f"| {'-' if tt is None else f'{tt * 1e6:.1f}'} "
            f"| {_ratio(tt, s.get('time_to_target_s'))} | {m['energy_j']:.3g} "
            f"| {_ratio(m['energy_j'], s.get('energy_j'))} | {m['dynamic_energy_j'] * 1e3:.3g} "
            f"| {_ratio(m['dynamic_energy_j'], s.get('dynamic_energy_j'))} "
            f"| {m['final_accuracy']:.3f} | {m['mean_staleness']:.2f} |")
    return "\n".join(lines)


def delay_section(result: dict) -> list[str]:
    """The delay study's report section (markdown lines) one heading level down; empty if the
    study did not run."""
    return [("#" + line) if line.startswith("#") else line for line in delay_report(result)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "out"), help="output root of the run directory")
    ap.add_argument("--write-results", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    result, run_dir = run_scenario("async_sgd", seed=0, out=args.out,
                                   progress=sys.stderr.isatty())
    wall = time.perf_counter() - t0
    ratios = ratio_table(result)
    print(table(result))
    print()
    print(ratios)
    delays = delay_section(result)
    print("\n" + "\n".join(delays))
    print(f"\nrun directory {run_dir}; wall time {wall:.1f} s (deterministic figures: one run, "
          f"no medians)", file=sys.stderr)
    if args.write_results:
        here = Path(__file__).parent
        figures = []
        for name in result["files"]:
            if name.endswith(".png"):
                shutil.copyfile(run_dir / name, here / f"async_sgd_{name}")
                figures.append(f"async_sgd_{name}")
        c = result["config"]
        t = c["train"]
        body = "\n".join([
            "## Asynchronous layer-wise SGD vs Hogwild! vs synchronous SGD "
            "(`python benchmarks/async_sgd.py --write-results`)", "",
            f"Measured {time.strftime('%Y-%m-%d')} with `python benchmarks/async_sgd.py "
            f"--write-results` (= `eventsim run async_sgd` at its defaults, seed 0) on "
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}; wall time {wall:.1f} s. The figures are simulated "
            "time and energy of a deterministic simulation: one run, no medians.",
            f"MLP {c['model']['sizes']} on digits, {t['epochs']} epochs, batch "
            f"{t['batch_size']}, lr {t['lr']}, momentum {t['momentum']}, the same initial "
            f"weights and minibatch order for every method; layer-wise forward:backward threads "
            f"{c['layerwise']['fwd_bwd_ratio'][0]}:{c['layerwise']['fwd_bwd_ratio'][1]}. Time to "
            f"{t['target_accuracy']:.0%}: the first test evaluation (every {t['eval_every']} "
            "minibatches) at or above it. Energy: the whole run, dynamic (ledger) + the "
            "machine's static power. " + " ".join(result["notes"]), "",
            ratios, "",
            *delays,
            *[f"![{f}]({f})" for f in figures],
        ])
        write_section("async_sgd", body)
        print(f"wrote the async_sgd section of {here / 'RESULTS.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
