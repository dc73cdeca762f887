"""Exact event-driven CUBA against the discrete-time run of the same network, in one script.

CUBA (Brette et al. 2007: 4000 neurons, 2 % connectivity, 0.1 ms synaptic delays so that both
runs see the same network) for 1 s of network time: ``simulate(integrator="exact")``
(continuous time, threshold crossings to the picosecond) and ``simulate`` at dt = 0.1 ms and 10
us. Reports rates, synaptic events and wall times (medians after a warm-up run). The network is
chaotic: trajectories of different integrations part within tens of ms, and the realised rate
of one network moves by a percent or two from one integration to another (also between the
discrete step sizes), so rates agree to that, not spike for spike.

    python benchmarks/exact_cuba.py [--repeats 5] [--json] [--write-results]
"""
from __future__ import annotations

import argparse
import json
import sys

from eventsim.simulation import simulate
from networks.builders.cuba import cuba

from cuba import timed
from results_file import write_section

DELAY_PS = 100_000_000          # 0.1 ms
DURATION_S = 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--neurons", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--write-results", action="store_true")
    a = ap.parse_args()
    log = (lambda m: None) if a.json else (lambda m: print(f"  {m}", file=sys.stderr, flush=True))
    w = cuba(a.neurons, seed=a.seed, delay_ps=DELAY_PS)
    log("exact event-driven run")
    wall_exact, ex = timed(lambda: simulate(w, integrator="exact", duration_s=DURATION_S),
                           a.repeats)
    rows = [{"run": "exact (continuous time)", "wall_s": wall_exact,
             "spikes": ex.counts["spikes"], "synaptic_events": ex.counts["synaptic_events"]}]
    for dt in (1e-4, 1e-5):
        n = round(DURATION_S / dt)
        log(f"discrete run, dt = {dt * 1e3:g} ms")
        wall, r = timed(lambda: simulate(w, dt, n), a.repeats)
        rows.append({"run": f"discrete, dt = {dt * 1e3:g} ms", "wall_s": wall,
                     "spikes": r.counts["spikes"], "synaptic_events": r.counts["synaptic_events"]})
    for r in rows:
        r["rate_hz"] = r["spikes"] / a.neurons / DURATION_S
        r["synaptic_events_per_s"] = r["synaptic_events"] / r["wall_s"]
    record = {"neurons": a.neurons, "synapses": sum(p.n_synapses for p in w.projections),
              "duration_s": DURATION_S, "delay_s": DELAY_PS / 1e12, "repeats": a.repeats,
              "exact_counts": ex.counts, "runs": rows}
    if a.json:
        print(json.dumps(record, indent=2))
        return
    table = format_table(record)
    print(table)
    if a.write_results:
        write_section("exact_cuba", "## Exact event-driven CUBA "
                                    "(`python benchmarks/exact_cuba.py --write-results`)\n\n" + table)


def format_table(r: dict) -> str:
    lines = [f"CUBA, {r['neurons']} neurons, {r['synapses']:,} synapses, "
             f"{r['delay_s'] * 1e3:g} ms delays, {r['duration_s']:g} s of network time; "
             f"medians of {r['repeats']} runs after a warm-up. The exact run made "
             f"{r['exact_counts']['threshold_checks']:,} threshold checks and "
             f"{r['exact_counts']['neuron_updates']:,} state updates.",
             "",
             "| run | rate (Hz) | synaptic events | wall (s) | synaptic events / s |",
             "|---|---:|---:|---:|---:|"]
    for x in r["runs"]:
        lines.append(f"| {x['run']} | {x['rate_hz']:.2f} | {x['synaptic_events']:,} | "
                     f"{x['wall_s']:.3f} | {x['synaptic_events_per_s'] / 1e6:.1f} M |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
