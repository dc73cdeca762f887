"""Design-space sweeps of a scenario: ``eventsim sweep SWEEP.toml``.

A sweep runs one scenario over the points of a grid, random or Latin-hypercube design of its
config keys, records each run's metrics in an SQLite store as it finishes (resumable), and
finds the Pareto front of named objectives over the points that meet the constraints.

Modules, one concept each:

- ``sweep_file``: the sweep file format (documented there, with an example) -> ``SweepSpec``;
- ``design``: parameters (value lists, ranges) and the grid / random / LHS points;
- ``objectives``: ``min:KEY`` / ``max:KEY`` objectives and ``KEY OP VALUE`` constraints;
- ``metrics``: a run's result flattened to dotted scalar metrics;
- ``pareto``: dominance and the front; ``analysis``: feasibility and the front of a store;
- ``store``: ``DIR/results.sqlite``; ``export``: CSV and Parquet;
- ``worker``: what runs for one point; ``executors``: in-process, local processes, Dask;
- ``runner``: ``run_sweep``; ``report``: ``pareto.md``, ``pareto.png``, the summary;
- ``cli``: ``add_parser(subparsers)`` for ``eventsim sweep``.

In Python::

    from scenarios.sweeps import load_sweep, run_sweep, export
    result = run_sweep(load_sweep("scenarios/noc_dse.toml"), "out/sweeps/noc_dse")
    export("out/sweeps/noc_dse", ["csv", "parquet"])
"""
from .design import Design, Point, Range, Values, make_design
from .export import export
from .objectives import Constraint, Objective
from .pareto import pareto_mask
from .runner import SweepResult, run_sweep
from .sweep_file import SweepSpec, load_sweep, parse_sweep

__all__ = ["Design", "Point", "Range", "Values", "make_design", "export", "Constraint",
           "Objective", "pareto_mask", "SweepResult", "run_sweep", "SweepSpec", "load_sweep",
           "parse_sweep"]
