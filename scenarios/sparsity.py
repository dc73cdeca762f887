"""Scenario sparsity: an activity sparsity x weight sparsity grid of EGRU models on one machine
(defaults and meaning: ``sparsity.toml``).

Every cell is an ``egru_spinnaker2`` EGRU run (``egru_spinnaker2.run_egru``: the model of the
config pruned to the cell's weight sparsity, its threshold calibrated to the cell's activity
sparsity on the same tokens). Result keys: ``cells`` (one per grid point: ``weight_sparsity``,
``activity_sparsity_target``, ``activity_sparsity`` (measured), ``synaptic_ops_per_token``,
``predicted_ops_per_token`` and ``composition_ratio`` = measured / predicted (1 = the two
sparsities compose multiplicatively), ``energy_per_token_j``, ``dynamic_energy_per_token_j``
(without static power), ``latency_per_token_s``, ``cores_used``), ``baseline`` (the least
sparse cell the prediction starts from), ``composition_ratio_range`` [min, max]. Ledgers of
every cell go to ``ledger.csv`` (run ``ws<w>-as<a>``); plot data of the least and most sparse
cells to ``run_data.npz`` (runs ``least_sparse``, ``most_sparse``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import egru_spinnaker2 as egru
from .checks import fraction_list
from .output import write_ledger_csv
from .run_data import save_run_data
from .text_table import text_table

SUPPORTS_TRACE = False
TRACE_NOTE = "sparsity runs a grid of EGRU runs; trace one configuration with egru_spinnaker2"


def machine(config: dict):
    """The machine of every cell (cells differ in the model only): egru_spinnaker2's."""
    return egru.machine(egru.egru_only_config(config))


def cell_config(config: dict, weight_sparsity: float, activity_sparsity: float) -> dict:
    """The egru_spinnaker2 config of one grid cell."""
    return egru.egru_only_config(config, weight_sparsity=float(weight_sparsity),
                                 activity_sparsity=float(activity_sparsity), threshold=0.0,
                                 checkpoint="")


def check(config: dict) -> None:
    fraction_list("grid.weight_sparsity", config["grid"]["weight_sparsity"], 1.0)
    fraction_list("grid.activity_sparsity", config["grid"]["activity_sparsity"], 1.0)
    g = config["grid"]
    egru.check(cell_config(config, g["weight_sparsity"][0], g["activity_sparsity"][0]))


def _cell(config, seed, ws, as_, progress):
    summary, data, rows, _ = egru.run_egru(cell_config(config, ws, as_), seed, progress, False)
    n = summary["tokens"]
    parts = summary["energy_breakdown_j"]
    return {"weight_sparsity": ws, "activity_sparsity_target": as_,
            "activity_sparsity": summary["activity_sparsity"],
            "synaptic_ops_per_token": summary["synaptic_ops_per_token"],
            "events_per_token": summary["events_per_token"],
            "energy_per_token_j": summary["energy_per_token_j"],
            "dynamic_energy_per_token_j": (summary["energy_j"] - parts["static"]) / n,
            "latency_per_token_s": summary["latency_per_token_s"],
            "min_tick_s": summary["min_tick_s"],
            "cores_used": summary["cores_used"]}, data, rows


def run(config: dict, seed: int, out_dir: Path, progress: bool) -> dict:
    g = config["grid"]
    points = [(ws, as_) for ws in sorted(g["weight_sparsity"])
              for as_ in sorted(g["activity_sparsity"])]
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(points), unit="cell", desc="sparsity grid")
    cells, ledgers, corners = [], {}, {}
    for i, (ws, as_) in enumerate(points):
        cell, data, rows = _cell(config, seed, ws, as_, False)
        cells.append(cell)
        ledgers[f"ws{ws:g}-as{as_:g}"] = rows
        if i in (0, len(points) - 1):
            corners["least_sparse" if i == 0 else "most_sparse"] = \
                {k: v for k, v in data.items() if not k.startswith("busy_")}
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    base = cells[0]
    for c in cells:
        c["predicted_ops_per_token"] = (base["synaptic_ops_per_token"]
                                        * (1 - c["weight_sparsity"]) / (1 - base["weight_sparsity"])
                                        * (1 - c["activity_sparsity"])
                                        / (1 - base["activity_sparsity"]))
        c["composition_ratio"] = (c["synaptic_ops_per_token"] / c["predicted_ops_per_token"]
                                  if c["predicted_ops_per_token"] else None)
    ratios = [c["composition_ratio"] for c in cells if c["composition_ratio"] is not None]
    write_ledger_csv(out_dir / "ledger.csv", ledgers)
    save_run_data(out_dir, corners)
    return {"cells": cells, "baseline": {"weight_sparsity": base["weight_sparsity"],
                                         "activity_sparsity": base["activity_sparsity"]},
            "composition_ratio_range": [min(ratios), max(ratios)] if ratios else None}


def _grid(result, key):
    ws = sorted({c["weight_sparsity"] for c in result["cells"]})
    as_ = sorted({c["activity_sparsity_target"] for c in result["cells"]})
    z = np.full((len(ws), len(as_)), np.nan)
    for c in result["cells"]:
        v = c[key]
        z[ws.index(c["weight_sparsity"]), as_.index(c["activity_sparsity_target"])] = \
            np.nan if v is None else v
    return ws, as_, z


TABLE_COLUMNS = (("weight sp.", 10, lambda c: f"{c['weight_sparsity']:.2f}"),
                 ("act. target", 12, lambda c: f"{c['activity_sparsity_target']:.2f}"),
                 ("act. meas.", 11, lambda c: f"{c['activity_sparsity']:.3f}"),
                 ("synops/token", 14, lambda c: f"{c['synaptic_ops_per_token']:.0f}"),
                 ("predicted", 12, lambda c: f"{c['predicted_ops_per_token']:.0f}"),
                 ("ratio", 7, lambda c: ("-" if c["composition_ratio"] is None
                                         else f"{c['composition_ratio']:.2f}")),
                 ("dyn. uJ/token", 15, lambda c: f"{c['dynamic_energy_per_token_j'] * 1e6:.2f}"),
                 ("latency ms", 11, lambda c: f"{c['latency_per_token_s'] * 1e3:.3f}"))


def table(result: dict) -> str:
    return "\n".join(text_table(TABLE_COLUMNS, [("", c) for c in result["cells"]]))


def report(result: dict) -> str:
    c = result["config"]
    lo, hi = result["composition_ratio_range"] or (None, None)
    return "\n".join([
        f"# sparsity ({result['run_id']})", "",
        f"EGRU {c['model']['hidden']} (embedding {c['model']['embedding']}) on {c['machine']}, "
        f"{c['tokens']} tokens per cell, seed {result['seed']}. Prediction from the least "
        f"sparse cell (weight sparsity {result['baseline']['weight_sparsity']}, measured "
        f"activity sparsity {result['baseline']['activity_sparsity']:.3f}) assuming the two "
        f"sparsities multiply.", "", "```", table(result), "```", "",
        f"Measured / predicted synaptic operations range over {lo:.2f} .. {hi:.2f} "
        "(1 = multiplicative). Activity sparsity is the measured one (the threshold is "
        "calibrated per cell, so it differs slightly from the target). Dynamic energy leaves "
        "out static power (at a fixed tick the static part is the same for every cell).", ""])


def plots(result: dict, out_dir: Path) -> list[str]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    panels = (("synaptic_ops_per_token", "synaptic ops per token"),
              ("dynamic_energy_per_token_j", "dynamic energy per token (J)"),
              ("latency_per_token_s", "latency per token (s)"),
              ("composition_ratio", "measured / multiplicative prediction"))
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    for ax, (key, title) in zip(axes, panels):
        ws, as_, z = _grid(result, key)
        im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(as_)), [f"{a:g}" for a in as_])
        ax.set_yticks(range(len(ws)), [f"{w:g}" for w in ws])
        ax.set_xlabel("activity sparsity (target)")
        ax.set_ylabel("weight sparsity")
        ax.set_title(title, fontsize=10)
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                if np.isfinite(z[i, j]):
                    ax.text(j, i, f"{z[i, j]:.3g}", ha="center", va="center", fontsize=7,
                            color="w")
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle("EGRU: activity x weight sparsity")
    fig.tight_layout()
    fig.savefig(out_dir / "sparsity_grid.png", dpi=110)
    plt.close(fig)
    files = ["sparsity_grid.png"]
    try:
        from .plots import standard_plots
        files += standard_plots(out_dir)
    except ImportError:
        pass
    return files
