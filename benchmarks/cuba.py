"""CUBA benchmark: the balanced network of Brette et al. 2007 (4000 neurons, 2 % connectivity,
1 s of network time at dt = 0.1 ms) in eventsim without and with hardware accounting, and in
Brian2 on the same network, in one script: in its C++ standalone mode (its fastest, one thread;
the ratios of issue 13 are against it) and in its default runtime mode.

    python benchmarks/cuba.py                     # 5 interleaved rounds, print the table
    python benchmarks/cuba.py --json              # the JSON record of the issue
    python benchmarks/cuba.py --write-results     # ... and write benchmarks/RESULTS.md

Brian2 runs in its own environment (the validation peer ``brian2``, ``.venv-peers/brian2``:
brian2 2.9 with numpy < 2, which Brian2 2.9 needs; ``scenarios.validation.peers``), created on
first use unless ``--brian2-python`` names another interpreter
or ``--no-brian2`` skips it. Wall times include building the run (kernel, routes, synapse
rows) but not the network construction, the placement or the first (compiling) run, for both
simulators. The accounting runs are timed twice: building their mapping (synapse rows by core,
destinations, multicast routes: ``hardware_models.mapping.map_network``) in each run, and with a
mapping made once beforehand and reused (as a toolchain maps once, then runs); the mapping's
own time is reported apart. The eventsim runs and Brian2's compiled standalone program (kept
by a Brian2 process that runs it on request, ``Brian2Standalone``) run in interleaved rounds
(``interleaved``), and each ratio against it is the median of the ratios within a round.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from hardware_models.mapping import map_network
from eventsim.simulation import simulate
from hardware_models.lowering import lower
from hardware_models.placement import place
from hardware_models.presets import preset
from networks.builders.cuba import cuba
from scenarios.validation.peers import peer_python

from results_file import write_section

HERE = Path(__file__).resolve().parent
DT_S, STEPS = 1e-4, 10_000


def timed(fn, repeats):
    """(median wall seconds, last result) of ``repeats`` calls after one warm-up call."""
    fn()
    walls, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls), out


def interleaved(fns: dict, rounds: int, self_timed=()) -> tuple[dict, dict]:
    """Walls of ``rounds`` rounds, each calling every fn of ``fns`` once in turn (after one
    warm-up call each): ({name: [wall s per round]}, {name: last result}); a fn named in
    ``self_timed`` returns its own wall. A shared, noisy machine changes speed over seconds;
    within a round the runs see about the same machine, so per-round ratios are steadier than
    ratios of separately taken medians."""
    last = {name: fn() for name, fn in fns.items()}
    walls = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            last[name] = fn()
            walls[name].append(last[name] if name in self_timed else time.perf_counter() - t0)
    return walls, last


class Brian2Standalone:
    """Brian2's CUBA compiled once in C++ standalone mode in its own process
    (``brian2_cuba.py --serve``), run again on request: ``run()`` returns the seconds of one
    ``device.run`` (executing the program: drawing the synapses, initialising, simulating),
    as Brian2 times it."""

    def __init__(self, py: Path, neurons: int, seed: int):
        self.proc = subprocess.Popen(
            [str(py), str(HERE / "brian2_cuba.py"), "--serve", "--neurons", str(neurons),
             "--seed", str(seed)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.info = self._reply()

    def _reply(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"Brian2's standalone server stopped (exit {self.proc.wait()})")
        return json.loads(line)

    def run(self) -> float:
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        self.last = self._reply()
        return self.last["run_s"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def brian2_python(path: str | None) -> Path:
    if path:
        return Path(path)
    return peer_python("brian2", lambda m: print(f"  {m}", file=sys.stderr, flush=True))


def run_brian2(py: Path, neurons: int, seed: int, repeats: int) -> dict:
    """Brian2's runtime mode: ``repeats`` runs after a first (compiling) one, medians."""
    out = subprocess.run([str(py), str(HERE / "brian2_cuba.py"), "--neurons", str(neurons),
                          "--seed", str(seed), "--repeats", str(repeats), "--device", "runtime"],
                         check=True, capture_output=True, text=True).stdout
    doc = json.loads(out.strip().splitlines()[-1])
    runs = doc["runs"]
    doc["wall_s"] = statistics.median(r["run_s"] + r["build_s"] for r in runs)
    doc["rate_hz"] = statistics.median(r["rate_hz"] for r in runs)
    doc["synaptic_events_per_s"] = statistics.median(r["synaptic_events"] / (r["run_s"] + r["build_s"])
                                                     for r in runs)
    return doc


MEMORY_SNIPPET = """
import resource, time, numpy as np
from eventsim.simulation import simulate
from eventsim.workload_ir import WorkloadIR
from networks.builders.cuba import W_EXC, W_INH
from networks.population import population
from networks.projection import fixed_fanout
n, fanout = {neurons}, {fanout}
rng = np.random.default_rng(0)
n_exc = int(0.8 * n)
params = dict(tau_mem=20e-3, tau_exc=5e-3, tau_inh=10e-3, v_rest=-49e-3, v_threshold=-50e-3,
              v_reset=-60e-3, refractory_s=5e-3)
pops = [population("exc", "cuba", n_exc, v=-60e-3 + 10e-3 * rng.random(n_exc), **params),
        population("inh", "cuba", n - n_exc, v=-60e-3 + 10e-3 * rng.random(n - n_exc), **params)]
w = WorkloadIR(pops, [fixed_fanout("e", 0, 0, n_exc, n_exc, fanout * 4 // 5, W_EXC, rng, port=0),
                      fixed_fanout("ei", 0, 1, n_exc, n - n_exc, fanout // 5, W_EXC, rng, port=0),
                      fixed_fanout("ie", 1, 0, n - n_exc, n_exc, fanout * 4 // 5, W_INH, rng, port=1),
                      fixed_fanout("i", 1, 1, n - n_exc, n - n_exc, fanout // 5, W_INH, rng, port=1)])
built = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
res = simulate(w, 1e-4, {steps})
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(sum(p.n_synapses for p in w.projections), built * 1024, peak * 1024, wall,
      res.counts["synaptic_events"])
"""


def memory(neurons: int, fanout: int, steps: int) -> dict:
    """Peak resident memory of building and running a CUBA-like network of ``neurons`` with
    ``fanout`` synapses each, in a fresh process (ru_maxrss)."""
    code = MEMORY_SNIPPET.format(neurons=neurons, fanout=fanout, steps=steps)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    syn, built, peak, wall, events = out.stdout.split()
    return {"neurons": neurons, "synapses": int(syn), "peak_after_build_bytes": int(built),
            "peak_bytes": int(peak), "steps": steps, "wall_s": float(wall),
            "synaptic_events": int(events)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--neurons", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--machine", default="spinnaker2", help="preset for the accounting run")
    ap.add_argument("--brian2-python", default=None)
    ap.add_argument("--no-brian2", action="store_true")
    ap.add_argument("--memory-neurons", type=int, default=1_000_000)
    ap.add_argument("--no-memory", action="store_true", help="skip the 1 M x 100 memory run")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--write-results", action="store_true")
    a = ap.parse_args()
    log = (lambda m: None) if a.json else (lambda m: print(f"  {m}", file=sys.stderr, flush=True))

    w = cuba(a.neurons, seed=a.seed)
    n_syn = sum(p.n_synapses for p in w.projections)
    ir = lower(preset(a.machine))
    placement = place(w, ir, "balanced")
    log(f"mapping CUBA onto {a.machine} (synapse rows, destinations, routes)")
    wall_map, mapping = timed(lambda: map_network(w, ir, placement), a.repeats)
    record = {"brian2_wall_s": None, "brian2_rate_hz": None}
    program = None
    if not a.no_brian2:
        py = brian2_python(a.brian2_python)
        log("Brian2 (default runtime), same network parameters")
        b = run_brian2(py, a.neurons, a.seed, max(1, a.repeats // 2 + 1))
        record.update(brian2_wall_s=b["wall_s"], brian2_rate_hz=b["rate_hz"],
                      brian2_synaptic_events_per_s=b["synaptic_events_per_s"],
                      brian2_target=b["target"], brian2_version=b["brian2_version"],
                      brian2_first_run_s=b["first_run"]["run_s"] + b["first_run"]["build_s"])
        log("Brian2 (C++ standalone, one thread), same network parameters: compiling")
        program = Brian2Standalone(py, a.neurons, a.seed)
        first = program.info["first_run"]
        record.update(standalone_rate_hz=first["rate_hz"],
                      standalone_synaptic_events=first["synaptic_events"],
                      standalone_compile_s=first["build_s"])
    fns = {"off": lambda: simulate(w, DT_S, STEPS)}
    for noc in ("packets", "analytic"):
        for mapped in (False, True):
            kw = {"mapping": mapping} if mapped else {}
            fns[noc, mapped] = (lambda kw=kw, noc=noc: simulate(
                w, DT_S, STEPS, machine=ir, placement=placement, noc=noc, **kw))
    if program is not None:
        fns["standalone"] = program.run
    log(f"{a.repeats} rounds, each: eventsim accounting off; on {a.machine} ({ir.semantics}) "
        f"with NoC packets and analytic, mapping built in the run and reused"
        + ("; Brian2's C++ standalone program" if program else ""))
    walls, last = interleaved(fns, a.repeats, self_timed=("standalone",))
    if program is not None:
        program.close()
    res = last["off"]
    for key in fns:
        if key not in ("off", "standalone"):
            assert last[key].counts["spikes"] == res.counts["spikes"], "accounting changed the network"
    med = {k: statistics.median(v) for k, v in walls.items()}
    ratio = {k: statistics.median(s / x for s, x in zip(walls["standalone"], v))
             for k, v in walls.items()} if program else {}
    res_on = last["packets", False]
    events = res.counts["synaptic_events"]
    record.update({
        "neurons": a.neurons, "synapses": n_syn, "repeats": a.repeats,
        "spikes": res.counts["spikes"], "rate_hz": res.counts["spikes"] / a.neurons / (DT_S * STEPS),
        "synaptic_events": events, "wall_s": med["off"], "synaptic_events_per_s": events / med["off"],
        "walls_s": {("_".join(str(x) for x in k) if isinstance(k, tuple) else k): v
                    for k, v in walls.items()},
        "vs_standalone": {("_".join(str(x) for x in k) if isinstance(k, tuple) else k): v
                          for k, v in ratio.items()},
        "accounting": {"machine": a.machine, "semantics": ir.semantics,
                       "wall_s": med["packets", False],
                       "synaptic_events_per_s": events / med["packets", False],
                       "analytic_noc_wall_s": med["analytic", False],
                       "analytic_noc_synaptic_events_per_s": events / med["analytic", False],
                       "mapping_wall_s": wall_map,
                       "mapped_wall_s": med["packets", True],
                       "mapped_synaptic_events_per_s": events / med["packets", True],
                       "analytic_noc_mapped_wall_s": med["analytic", True],
                       "analytic_noc_mapped_synaptic_events_per_s": events / med["analytic", True],
                       "hardware_time_s": res_on.hardware_time_ps / 1e12,
                       "energy_j": res_on.ledger.totals(res_on.hardware_time_ps)["energy_pj"] * 1e-12}})
    if program is not None:
        record.update(standalone_wall_s=med["standalone"],
                      standalone_synaptic_events_per_s=record["standalone_synaptic_events"]
                      / med["standalone"])
    if not a.no_memory:
        log(f"memory: {a.memory_neurons:,} neurons x 100 synapses, 100 steps, fresh process")
        record["memory"] = memory(a.memory_neurons, 100, 100)
    if a.json:
        print(json.dumps(record, indent=2))
        return
    table = format_table(record)
    print(table)
    if a.write_results:
        write_section("cuba", "## CUBA (`python benchmarks/cuba.py --write-results`)\n\n" + table)


def format_table(r: dict) -> str:
    acc = r["accounting"]
    lines = [
        f"CUBA, {r['neurons']} neurons, {r['synapses']:,} synapses, 1 s at dt = 0.1 ms; "
        f"{r['repeats']} rounds, each running every eventsim configuration and Brian2's C++ "
        f"standalone program once in turn, after a warm-up run each; wall: the median over "
        f"rounds; vs Brian2 C++ standalone: the median over rounds of the ratio within a "
        f"round (the machine is shared and its speed drifts over seconds); vs Brian2 runtime: "
        f"against the median of {max(1, r['repeats'] // 2 + 1)} runs taken apart. Wall includes "
        f"building the run; \"mapping reused\": the mapping (synapse rows by core, "
        f"destinations, routes) made once before the runs, its time apart below.",
        "",
        "| run | rate (Hz) | synaptic events | wall (s) | synaptic events / s | vs Brian2 C++ "
        "standalone | vs Brian2 runtime |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    bw, sw = r.get("brian2_wall_s"), r.get("standalone_wall_s")
    vs = r.get("vs_standalone", {})
    ratio = (lambda key, wall: (f"{vs[key]:.2f}x" if key in vs else "-") + " | "
             + (f"{bw / wall:.2f}x" if bw else "-"))
    lines.append(f"| eventsim, accounting off | {r['rate_hz']:.2f} | {r['synaptic_events']:,} | "
                 f"{r['wall_s']:.3f} | {r['synaptic_events_per_s'] / 1e6:.1f} M | "
                 f"{ratio('off', r['wall_s'])} |")
    on = f"eventsim on {acc['machine']} ({acc['semantics']}), full accounting"
    for label, key, wall in (("NoC packets", "packets_False", acc["wall_s"]),
                             ("NoC packets, mapping reused", "packets_True", acc["mapped_wall_s"]),
                             ("analytic NoC", "analytic_False", acc["analytic_noc_wall_s"]),
                             ("analytic NoC, mapping reused", "analytic_True",
                              acc["analytic_noc_mapped_wall_s"])):
        lines.append(f"| {on}, {label} | {r['rate_hz']:.2f} | {r['synaptic_events']:,} | "
                     f"{wall:.3f} | {r['synaptic_events'] / wall / 1e6:.1f} M | {ratio(key, wall)} |")
    if bw:
        target = "default runtime: Cython" if r["brian2_target"] == "auto" else r["brian2_target"]
        if sw:
            lines.append(f"| Brian2 {r['brian2_version']} (C++ standalone, one thread) | "
                         f"{r['standalone_rate_hz']:.2f} | - | {sw:.3f} | "
                         f"{r['standalone_synaptic_events_per_s'] / 1e6:.1f} M | "
                         f"{ratio('standalone', sw)} |")
        lines.append(f"| Brian2 {r['brian2_version']} ({target}) | {r['brian2_rate_hz']:.2f} | "
                     f"- | {bw:.3f} | {r['brian2_synaptic_events_per_s'] / 1e6:.1f} M | "
                     f"{ratio('-', bw)} |")
        lines.append("")
        if sw:
            lines.append(f"Brian2 C++ standalone: each timed run executes the compiled program "
                         f"(drawing the synapses, initialising, simulating); writing and "
                         f"compiling it took {r['standalone_compile_s']:.1f} s once, not timed.")
        lines.append(f"Rate difference eventsim vs Brian2: "
                     f"{100 * (r['rate_hz'] / r['brian2_rate_hz'] - 1):+.1f} % (target within 10 %). "
                     f"Brian2's first (compiling) run took {r['brian2_first_run_s']:.1f} s.")
    if "mapping_wall_s" in acc:
        lines.append(f"Mapping CUBA onto {acc['machine']} once (map_network: synapse rows by core, "
                     f"destinations, multicast routes): {acc['mapping_wall_s']:.3f} s (median), "
                     f"not in the \"mapping reused\" rows, like the placement.")
    lines.append(f"On {acc['machine']}: {acc['hardware_time_s']:.3f} s of hardware time, "
                 f"{acc['energy_j'] * 1e3:.2f} mJ.")
    if "memory" in r:
        m = r["memory"]
        lines.append(f"Memory: {m['neurons']:,} neurons, {m['synapses']:,} synapses: peak resident "
                     f"{m['peak_bytes'] / 2**30:.2f} GiB for building and running {m['steps']} steps "
                     f"({m['peak_after_build_bytes'] / 2**30:.2f} GiB after building; target 2 GB).")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
