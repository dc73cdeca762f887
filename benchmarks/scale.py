"""Scale on the machine path (issue 14): lowering large machines, and placing and mapping a
CUBA-like network (fanout 100) on the 48-chip SpiNNaker2 board.

    python benchmarks/scale.py [--sizes 5000 20000] [--repeats 3] [--write-results]
    python benchmarks/scale.py --run 1000000 --ticks 1000 [--write-results]

Lowering: the 48-chip board (``dataclasses.replace(preset("spinnaker2"), chips=48)``) and a
single chip with a 1000 x 1000 mesh, median time of the repeats. Mapping: for each size, a
``cuba_fanout(n, 100)`` network (fixed fanout 100) is placed ("balanced") and mapped
(``map_network``, population and neuron routing); the figures are the time of each and the
peak of the memory numpy and Python allocate during the mapping (``tracemalloc``), per
synapse. Targets (issue 14): lowering a 1000 x 1000 mesh in seconds; mapping <= 50 B per
synapse; 1 M neurons mapped in <= 60 s and <= 4 GB.

``--run N --ticks K``: in a fresh process, build ``cuba_fanout(N, 100)``, place it on the
48-chip board (its rows go off-chip when SRAM cannot hold them), map it (neuron routing) and
run K ticks of 1 ms with full accounting and the analytic NoC; the time of each stage (the run's
includes loading or compiling its kernels) and the process's peak resident memory. Target:
1 M neurons, 1000 ticks in <= 10 min.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hardware_models.lowering import lower                   # noqa: E402
from hardware_models.mapping import map_network              # noqa: E402
from hardware_models.placement import place                  # noqa: E402
from hardware_models.presets import preset                   # noqa: E402
from networks.builders.cuba import cuba_fanout               # noqa: E402
from results_file import write_section                       # noqa: E402


def board48():
    return replace(preset("spinnaker2"), chips=48)


def mesh1000():
    s = preset("spinnaker2")
    return replace(s, noc=replace(s.noc, width=1000, height=1000))


def time_lowering(make, repeats: int) -> tuple[float, object]:
    machine = make()
    times, ir = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        ir = lower(machine)
        times.append(time.perf_counter() - t)
    return statistics.median(times), ir


def measure_mapping(ir, n: int, routing: str) -> dict:
    w = cuba_fanout(n, fanout=100)
    n_syn = sum(pr.n_synapses for pr in w.projections)
    t = time.perf_counter()
    p = place(w, ir, "balanced")
    place_s = time.perf_counter() - t
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    t = time.perf_counter()
    m = map_network(w, ir, p, routing=routing)
    map_s = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {"n": n, "synapses": n_syn, "routing": routing, "place_s": place_s, "map_s": map_s,
            "peak_bytes": peak, "routes": m.n_routes,
            "deliveries": int(m.tree_dest_core.shape[0])}


RUN_SNIPPET = """
import json, resource, sys, time
sys.path.insert(0, {here!r})
from scale import board48
from eventsim.simulation import simulate
from hardware_models.lowering import lower
from hardware_models.mapping import map_network
from hardware_models.placement import place
from networks.builders.cuba import cuba_fanout
t = {{}}
s = time.perf_counter(); ir = lower(board48()); w = cuba_fanout({n}, 100); t["build_s"] = time.perf_counter() - s
s = time.perf_counter(); p = place(w, ir, "balanced"); t["place_s"] = time.perf_counter() - s
s = time.perf_counter(); m = map_network(w, ir, p, routing="neuron"); t["map_s"] = time.perf_counter() - s
s = time.perf_counter()
r = simulate(w, 1e-3, {ticks}, machine=ir, placement=p, mapping=m, noc="analytic")
t["run_s"] = time.perf_counter() - s
t["spikes"] = int(r.counts["spikes"]); t["synaptic_events"] = int(r.counts["synaptic_events"])
t["energy_j"] = sum(x["energy_pj"] for x in r.ledger.rows(r.hardware_time_ps)) * 1e-12
t["offchip"] = list(p.synapse_offchip)
t["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(t))
"""


def run_board(n: int, ticks: int) -> dict:
    """Build, place, map and run ``n`` neurons for ``ticks`` ticks (``RUN_SNIPPET``), in a
    fresh process."""
    import json
    import subprocess
    code = RUN_SNIPPET.format(here=str(Path(__file__).resolve().parent), n=n, ticks=ticks)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main_run(n: int, ticks: int, write: bool) -> None:
    r = run_board(n, ticks)
    print(r)
    total = r["build_s"] + r["place_s"] + r["map_s"] + r["run_s"]
    body = "\n".join([
        "## A large network run on the 48-chip board (`benchmarks/scale.py --run`)", "",
        f"Machine: {platform.machine()}, {platform.python_version()}; one run "
        f"(`python benchmarks/scale.py --run {n} --ticks {ticks} --write-results`).", "",
        f"`cuba_fanout({n}, 100)` on `replace(preset('spinnaker2'), chips=48)` (hexagonal "
        f"lattice of chips), balanced placement (rows off-chip: {all(r['offchip'])}), neuron "
        f"routing, {ticks} ticks of 1 ms, full accounting, analytic NoC.", "",
        "| build (s) | place (s) | map (s) | run (s) | total (s) | peak RSS (GB) | spikes | "
        "synaptic events | energy (J) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {r['build_s']:.1f} | {r['place_s']:.1f} | {r['map_s']:.1f} | {r['run_s']:.1f} | "
        f"{total:.1f} | {r['peak_rss_bytes'] / 1e9:.1f} | {r['spikes']} | "
        f"{r['synaptic_events']} | {r['energy_j']:.4g} |", "",
        "The run's time includes loading (or compiling) its kernels. Target: 1 M neurons, 1000 "
        "ticks, <= 10 min."])
    if write:
        write_section("scale_run", body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write-results", action="store_true")
    ap.add_argument("--run", type=int, default=0, help="neurons of one large run (see above)")
    ap.add_argument("--ticks", type=int, default=1000)
    a = ap.parse_args()
    if a.run:
        main_run(a.run, a.ticks, a.write_results)
        return
    lines = []
    board_s, ir = time_lowering(board48, a.repeats)
    mesh_s, mesh_ir = time_lowering(mesh1000, a.repeats)
    lines += [f"lowering the 48-chip SpiNNaker2 board ({ir.n_routers} routers, {ir.n_links} "
              f"links, {ir.n_cores} cores): {board_s:.3f} s",
              f"lowering a 1000 x 1000 mesh ({mesh_ir.n_routers} routers, {mesh_ir.n_links} "
              f"links): {mesh_s:.3f} s"]
    del mesh_ir
    rows = []
    for n in a.sizes:
        for routing in ("population", "neuron"):
            r = measure_mapping(ir, n, routing)
            rows.append(r)
            print(r, flush=True)
    for line in lines:
        print(line)
    if a.write_results:
        table = ["| neurons | synapses | routing | place (s) | map (s) | map peak (MB) | "
                 "B per synapse | routes | route deliveries |",
                 "|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
        table += [f"| {r['n']} | {r['synapses']} | {r['routing']} | {r['place_s']:.2f} | "
                  f"{r['map_s']:.2f} | {r['peak_bytes'] / 1e6:.0f} | "
                  f"{r['peak_bytes'] / max(r['synapses'], 1):.0f} | {r['routes']} | "
                  f"{r['deliveries']} |" for r in rows]
        body = "\n".join([
            "## Scale on the machine path (`benchmarks/scale.py`)", "",
            f"Machine: {platform.machine()}, {platform.python_version()}; medians of "
            f"{a.repeats} lowerings; one placement and mapping per row "
            f"(`python benchmarks/scale.py --sizes {' '.join(map(str, a.sizes))} "
            f"--write-results`).", "",
            *[f"- {line}" for line in lines], "",
            "CUBA networks of fanout 100 (`networks.builders.cuba.cuba_fanout`) on the 48-chip board, "
            "`balanced` placement; map peak = the most memory `map_network` held at once "
            "(tracemalloc), over the synapses; the first row's time includes loading (or "
            "compiling) the routing function. Target: <= 50 B per synapse.", "",
            *table])
        write_section("scale", body)


if __name__ == "__main__":
    main()
