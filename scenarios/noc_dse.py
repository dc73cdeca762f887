"""Scenario noc_dse: the egru_spinnaker2 EGRU model on a SpiNNaker2-like chip whose mesh size,
link bandwidth, DVFS level and SRAM per core are config keys (defaults and meaning:
``noc_dse.toml``; its ``[sweep]`` table is the design space of ``eventsim sweep``).

Result keys (besides the EGRU run's, ``egru_spinnaker2.run_egru``): ``cores`` (PEs on the
chip), ``sram_total_bytes``, ``area_mm2`` (the design's silicon area, from the preset's [area]
numbers: ``eventsim.area``; ``area_breakdown_mm2`` by kind of component), ``static_power_w``
(the chip's leakage), ``token_period_s`` (the
longest step's work: the shortest timer tick at which no step overruns, so one token per
period), ``energy_per_token_at_min_tick_j`` (dynamic energy per token + static power x
token_period_s: the energy per token if the tick were set to that period), ``hardware`` (the
design), ``estimated_share`` (``scenarios.uncertainty``: the ledger of the run ran on
``machine(config)``, the design; in a sweep every point is a run of its own, so each design
point has its own share, ``estimated_share.energy`` and ``.busy_time`` among the sweep's
metrics). A design whose SRAM cannot hold the network raises ``PlacementError``.
"""
from __future__ import annotations

import copy
from pathlib import Path

from eventsim.area import area_breakdown
from eventsim.errors import ConfigError
from hardware_models.lowering import lower
from hardware_models.machine import machine_from_dict
from hardware_models.presets import preset

from . import egru_spinnaker2 as egru
from .checks import int_at_least, positive
from .output import write_ledger_csv
from .redraw import scenario_plots
from .run_data import save_run_data

SUPPORTS_TRACE = True


def check(config: dict) -> None:
    h = config["hardware"]
    for k in ("mesh_width", "mesh_height", "cores_per_router"):
        positive(f"hardware.{k}", h[k], integer=True)
    int_at_least("hardware.cores", h["cores"], 0)
    positive("hardware.link_bandwidth_bytes_per_s", h["link_bandwidth_bytes_per_s"])
    positive("hardware.sram_kib_per_core", h["sram_kib_per_core"])
    egru.check(egru.egru_only_config(config))
    design(config)


DESIGN_SOURCE = "design point: noc_dse config {key}"
"""The source of a number the design sets (no estimate: the design is what it says)."""

DESIGN_NUMBERS = (("noc", "width", "hardware.mesh_width"),
                  ("noc", "height", "hardware.mesh_height"),
                  ("noc", "cores_per_router", "hardware.cores_per_router"),
                  ("noc", "link_bandwidth_bytes_per_s", "hardware.link_bandwidth_bytes_per_s"),
                  ("core", "count", "hardware.cores"),
                  ("core", "sram_bytes", "hardware.sram_kib_per_core"),
                  (None, "step_ps", "tick_us"))
"""(table of the description, field, config key) of every number the design sets."""


def design(config: dict):
    """The hardware_models Machine of the config's design: the preset at the config's DVFS
    level with [hardware] and the tick applied to its description, each of those numbers with
    the source ``DESIGN_SOURCE``; no memory of a design holds synapses, so the design's SRAM
    is what the network must fit in."""
    h = config["hardware"]
    base = preset(config["machine"]).with_dvfs(config["dvfs"])
    slots = h["mesh_width"] * h["mesh_height"] * h["cores_per_router"]
    cores = h["cores"] or slots
    if cores > slots:
        raise ConfigError(f"hardware.cores = {cores} does not fit a {h['mesh_width']} x "
                          f"{h['mesh_height']} mesh of {h['cores_per_router']} cores per router "
                          f"({slots} slots)")
    values = {"hardware.mesh_width": h["mesh_width"], "hardware.mesh_height": h["mesh_height"],
              "hardware.cores_per_router": h["cores_per_router"],
              "hardware.link_bandwidth_bytes_per_s": float(h["link_bandwidth_bytes_per_s"]),
              "hardware.cores": cores,
              "hardware.sram_kib_per_core": int(h["sram_kib_per_core"] * 1024),
              "tick_us": int(round(config["tick_us"] * 1e6))}
    data = copy.deepcopy(base.data)
    data["name"] = f"{base.name}_dse"
    for memory in data.get("memory", []):     # a design holds its synapses in SRAM (or fails)
        memory.pop("holds_synapses", None)
    for table, field, key in DESIGN_NUMBERS:
        (data[table] if table else data)[field] = {"value": values[key],
                                                   "source": DESIGN_SOURCE.format(key=key)}
    return machine_from_dict(data)


def machine(config: dict):
    """The machine the run's one ledger (``egru``) ran on: the config's design."""
    return design(config)


ESTIMATED_SHARE_NOTE = (
    "Not every figure is a sum of ledger rows. The energy figures (`energy_per_token_j`, "
    "`energy_breakdown_j`, `static_power_w`) are. The times are read from the run's timeline: "
    "`token_period_s` is the longest step's work, `latency_per_token_s` adds the ticks waited "
    "(the config's tick, no estimate) and the host link's transfers. The work is busy time of "
    "the ledger; hop and transfer latencies are not (their numbers still count in the "
    "busy-time share of the rows resting on them), so the busy-time share describes these "
    "times only as far as they are work. `energy_per_token_at_min_tick_j` is both (static "
    "power x `token_period_s`). "
    "The numbers the design sets (mesh, cores, SRAM, link bandwidth, tick) are no estimates: "
    "their source is the design point (`noc_dse.DESIGN_SOURCE`), so `cores` and "
    "`sram_total_bytes` rest on none, and a link's busy time only on the preset's hop "
    "latency.")


def run(config: dict, seed: int, out_dir: Path, progress: bool, trace: bool = False) -> dict:
    m = design(config)
    ir = lower(m)
    summary, data, rows, tr = egru.run_egru(egru.egru_only_config(config), seed, progress,
                                            trace, machine=ir)
    parts = summary["energy_breakdown_j"]
    static_w = parts["static"] / summary["duration_s"]
    dynamic_per_token = (summary["energy_j"] - parts["static"]) / summary["tokens"]
    period = summary["min_tick_s"]
    write_ledger_csv(out_dir / "ledger.csv", {"egru": rows})
    save_run_data(out_dir, {"egru": data})
    if tr is not None:
        tr.to_perfetto(out_dir / "trace.json")
    area = area_breakdown(ir)
    return {**summary, "cores": ir.n_cores, "sram_total_bytes": int(ir.core_sram_bytes.sum()),
            "area_mm2": area["total"] if area else None, "area_breakdown_mm2": area,
            "static_power_w": static_w, "token_period_s": period,
            "energy_per_token_at_min_tick_j": dynamic_per_token + static_w * period,
            "hardware": {**config["hardware"], "cores": ir.n_cores, "dvfs": config["dvfs"]}}


def table(result: dict) -> str:
    h = result["hardware"]
    return (f"design: {h['mesh_width']}x{h['mesh_height']} mesh, {h['cores']} cores, "
            f"{h['sram_kib_per_core']} KiB SRAM each, links {h['link_bandwidth_bytes_per_s']:.3g} B/s, "
            f"DVFS {h['dvfs']}, area {_mm2(result['area_mm2'])}\n"
            f"token period {result['token_period_s'] * 1e6:.1f} us, energy per token at that "
            f"period {result['energy_per_token_at_min_tick_j'] * 1e6:.1f} uJ (at the "
            f"{result['tick_s'] * 1e3:g} ms tick: {result['energy_per_token_j'] * 1e6:.1f} uJ, "
            f"latency {result['latency_per_token_s'] * 1e3:.3f} ms), cores used "
            f"{result['cores_used']} of {result['cores']}, late packets {result['late_packets']}")


def _mm2(area) -> str:
    return "not described" if area is None else f"{area:.1f} mm²"


def report(result: dict) -> str:
    return "\n".join([f"# noc_dse ({result['run_id']})", "", "```", table(result), "```", "",
                      "Energy per token by part (J): " + ", ".join(
                          f"{k} {v / result['tokens']:.3g}"
                          for k, v in result["energy_breakdown_j"].items()), ""])


plots = scenario_plots      # the figures: the standard ones of the run directory
