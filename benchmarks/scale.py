"""Scale on the machine path (issue 14): lowering large machines, and placing and mapping a
CUBA-like network (fanout 100) on the 48-chip SpiNNaker2 board.

    python benchmarks/scale.py [--sizes 5000 20000] [--repeats 3] [--write-results]

Lowering: the 48-chip board (``dataclasses.replace(preset("spinnaker2"), chips=48)``) and a
single chip with a 1000 x 1000 mesh, median time of the repeats. Mapping: for each size, a
``cuba_fanout(n, 100)`` network (fixed fanout 100) is placed ("balanced") and mapped
(``map_network``, population and neuron routing); the figures are the time of each and the
peak of the memory numpy and Python allocate during the mapping (``tracemalloc``), per
synapse. Targets (issue 14): lowering a 1000 x 1000 mesh in seconds; mapping <= 50 B per
synapse; 1 M neurons mapped in <= 60 s and <= 4 GB.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write-results", action="store_true")
    a = ap.parse_args()
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
