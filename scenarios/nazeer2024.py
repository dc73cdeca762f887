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
model: none of these is added to the run). ``gpu_gap(gpu)`` does the same for the A100 row and
the run of the same model as GPU kernels (``egru_spinnaker2.run_gpu``).
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


PYTORCH_OP_CPU_S = (5e-6, 25e-6)
"""CPU time of one PyTorch op before its kernel runs (Python, binding, dispatcher, backend,
launch): "~5-25 us", J. Lin, "From PyTorch op to kernel launch", GPU kernel serving lesson 18
(jiahuanglin.xyz, an unreviewed tutorial; H100). Not modelled; only used to say how many ops
would close the A100 gap."""


def _figure_table(paper: dict, result: dict) -> list[str]:
    ours = {"latency_s": result["latency_per_token_s"],
            "energy_j": like_for_like_energy_j(result), "power_w": result["power_w"]}
    lines = [f"| figure | {SOURCE} | eventsim | eventsim / paper |", "|---|---:|---:|---:|"]
    for key, name in (("latency_s", "latency per inference (s)"),
                      ("energy_j", "energy per inference (J; eventsim: power x latency)"),
                      ("power_w", "power (W)")):
        lines.append(f"| {name} | {paper[key]:.4g} | {ours[key]:.4g} | "
                     f"{ours[key] / paper[key]:.3g} |")
    return lines


def gpu_gap(gpu: dict) -> dict:
    """What would close the gap between the paper's A100 latency and the GPU run's latency per
    token alone: ``tokens_one_by_one`` (tokens per inference, each as run), ``launch_s`` (the
    run's time per kernel launch), ``tokens_launch_bound`` (tokens per inference if each token
    paid only its layers' recurrent kernels, 2 launches per layer: EvNN's sequence run batches
    the input GEMM and the decoder over the sequence), ``pytorch_ops`` (PyTorch ops of
    ``PYTORCH_OP_CPU_S`` each per inference, low and high)."""
    paper = TABLE_II[gpu["machine"]]["latency_s"]
    latency = gpu["latency_per_token_s"]
    launch = gpu["latency_breakdown_s"]["launch"] / gpu["kernels_per_token"]
    recurrent = 2 * launch * len(gpu["hidden"])
    gap = paper - latency
    return {"tokens_one_by_one": paper / latency, "launch_s": launch,
            "recurrent_launches_s": recurrent, "tokens_launch_bound": paper / recurrent,
            "pytorch_ops": (gap / PYTORCH_OP_CPU_S[1], gap / PYTORCH_OP_CPU_S[0])}


def gpu_comparison_lines(gpu: dict) -> list[str]:
    """Markdown lines: the paper's row for the GPU run's machine beside the run, where its
    time per token goes, and what would close the gap (``gpu_gap``)."""
    paper = TABLE_II.get(gpu["machine"])
    if paper is None:
        return [f"Nazeer et al. report no figures for machine {gpu['machine']!r}."]
    parts = gpu["latency_breakdown_s"]
    g = gpu_gap(gpu)
    where = "on the GPU" if gpu["decoder"] else "on the host (not timed)"
    return [*_figure_table(paper, gpu), "",
            f"eventsim: one token through {len(gpu['hidden'])} dense GRU layers "
            f"{gpu['hidden']} at batch 1, embedding lookup and decoder {where}: "
            f"{gpu['kernels_per_token']} kernel launches, {gpu['weight_bytes'] / 1e6:.1f} MB of "
            f"FP32 weights read from {gpu['weights_in']}, {gpu['flops_per_token'] / 1e6:.1f} "
            f"MFLOP. Time per token: " + ", ".join(f"{k} {v * 1e6:.1f} us"
                                                 for k, v in parts.items()) + ".",
            f"The paper does not say what one inference contains. Token by token as run, "
            f"{g['tokens_one_by_one']:.0f} tokens would take its {paper['latency_s'] * 1e3:.1f} "
            f"ms; as EvNN runs a sequence (input GEMM and decoder batched over it), each token "
            f"still pays 2 launches per layer ({g['recurrent_launches_s'] * 1e6:.1f} us), so at "
            f"most {g['tokens_launch_bound']:.0f} tokens. PyTorch's CPU time per op is not "
            f"modelled: at {PYTORCH_OP_CPU_S[0] * 1e6:.0f}-{PYTORCH_OP_CPU_S[1] * 1e6:.0f} us per "
            f"op, {g['pytorch_ops'][0]:.0f}-{g['pytorch_ops'][1]:.0f} ops per inference would "
            f"close the gap alone."]


def paper_comparison_lines(result: dict, machine: str) -> list[str]:
    """Markdown lines: the paper's figures beside the run's, with the errors (the
    egru_spinnaker2 report and the validation case show them)."""
    paper = TABLE_II.get(machine)
    if paper is None:
        return [f"Nazeer et al. report no figures for machine {machine!r}."]
    lines = _figure_table(paper, result)
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
