"""The published figures of Nazeer et al. (AICAS 2024) that ``egru_spinnaker2`` models, and the
gap between them and an eventsim run.

Nazeer, Schoene, Mukherji, Vogginger, Mayr, Kappel, Subramoney, "Language Modeling on a
SpiNNaker 2 Neuromorphic Chip", IEEE AICAS 2024, pp. 492-496 (arXiv:2312.09084), Table II: the
EGRU language model at batch 1 on one SpiNNaker2 chip and on an A100. The figures are as quoted
in the project's issue 12 and in public summaries of the paper; the PDF itself could not be read
here, and neither says whether one "inference" is one token or a sequence, the timer tick, the
DVFS level, whether host I/O is inside the timing, or how the power was measured.

``gap_candidates(result)`` says, for each mechanism that could explain a latency gap, what it
would have to cost to close it alone, from the run's own figures (a sensitivity table, not a
model: none of these is added to the run).
"""
from __future__ import annotations

SOURCE = "Nazeer et al., AICAS 2024 (arXiv:2312.09084), Table II"
TABLE_II = {
    "spinnaker2": {"latency_s": 170.25e-3, "energy_j": 65.3e-3, "power_w": 0.39},
    "a100": {"latency_s": 19.9e-3, "energy_j": 1.19, "power_w": 60.0},
}


def like_for_like_energy_j(result: dict) -> float:
    """The run's energy per inference as the paper's figure is formed (power x latency, one
    token per inference): the run's mean power (W) x its latency per token (s)."""
    return result["power_w"] * result["latency_per_token_s"]


def gap_candidates(result: dict, reference_latency_s: float) -> list[dict]:
    """What each candidate mechanism would have to be to close the latency gap alone:
    ``[{"mechanism", "modelled" (what the run has), "needed" (what it would take), "unit"}]``."""
    latency = result["latency_per_token_s"]
    gap = reference_latency_s - latency
    parts = result["latency_breakdown_s"]
    tick = result["tick_s"]
    ticks_on_path = len(result["config"]["model"]["hidden"])    # token t leaves at tick t + L
    compute = parts["compute"]
    rows = [
        {"mechanism": "tokens in one inference, one after another (latency per token as run)",
         "modelled": 1, "needed": reference_latency_s / latency, "unit": "tokens"},
        {"mechanism": "tokens in one inference, pipelined one per tick",
         "modelled": 1, "needed": 1 + gap / tick, "unit": "tokens"},
        {"mechanism": "host link time per token (embedding in, events out)",
         "modelled": parts["host_link"], "needed": parts["host_link"] + gap, "unit": "s"},
        {"mechanism": "timer tick (every layer waits for its tick)",
         "modelled": tick, "needed": tick + gap / ticks_on_path, "unit": "s"},
        {"mechanism": "compute time per token (cycles per action, or 1 / clock)",
         "modelled": compute, "needed": compute + gap, "unit": "s"},
    ]
    for r in rows:
        r["factor"] = r["needed"] / r["modelled"] if r["modelled"] else float("inf")
    return rows


def paper_comparison_lines(result: dict, machine: str) -> list[str]:
    """Markdown lines: the paper's figures beside the run's, with the errors (the
    egru_spinnaker2 report and the validation case show them)."""
    paper = TABLE_II.get(machine)
    if paper is None:
        return [f"Nazeer et al. report no figures for machine {machine!r}."]
    ours = {"latency_s": result["latency_per_token_s"],
            "energy_j": like_for_like_energy_j(result), "power_w": result["power_w"]}
    lines = [f"| figure | {SOURCE} | eventsim | eventsim / paper |", "|---|---:|---:|---:|"]
    for key, name in (("latency_s", "latency per inference (s)"),
                      ("energy_j", "energy per inference (J; eventsim: power x latency)"),
                      ("power_w", "power (W)")):
        lines.append(f"| {name} | {paper[key]:.4g} | {ours[key]:.4g} | "
                     f"{ours[key] / paper[key]:.3g} |")
    lines += ["", f"eventsim's energy per token over the pipelined run is "
              f"{result['energy_per_token_j']:.4g} J (run energy / tokens).",
              "What the paper's inference contains (one token or a sequence), its timer tick, "
              "DVFS level, host path and power measurement are not known here, so the gap is not "
              "attributed; what each candidate would have to cost to close it alone:", "",
              "| candidate | eventsim has | needed alone | factor |", "|---|---:|---:|---:|"]
    for c in gap_candidates(result, paper["latency_s"]):
        fmt = (lambda v: f"{v * 1e3:.4g} ms") if c["unit"] == "s" else (lambda v: f"{v:.4g}")
        lines.append(f"| {c['mechanism']} | {fmt(c['modelled'])} | {fmt(c['needed'])} | "
                     f"{c['factor']:.3g}x |")
    return lines
