"""The delay study of scenario async_sgd: time to target accuracy against injected worker delays.

For every mean delay of ``delay_study.means`` and every series (sync, Hogwild!, and layer-wise
async once per forward:backward ratio of ``delay_study.layerwise_ratios``; the methods are those
of the scenario's ``methods``) one ``networks.learning.train`` run on ``delay_study.machine``
with ``delay_study.threads`` threads and ``WorkerDelays(kind, mean, per, fraction)``; a mean of
0 is the run without delays. The other training settings are the scenario's ``[train]`` ones.

Unit of the delays (``unit_ps``, ``backward_item_ps``): the compute time of one backward work
item, averaged over the layers: mean over l of (backward FLOPs of layer l on one minibatch of
``train.batch_size``, ``mlp.layer_flops``) x cycles per flop / clock of core 0 of the machine,
each rounded to a picosecond as the core model rounds it. Memory traffic is not in the unit (the
study also gives ``backward_item_port_ps``, the same mean for the time the item's bytes hold the
memory port alone, ``port_model``'s bytes / bandwidth + latency; None for compute only).

Result (``delay_study`` in result.json): ``machine``, ``threads``, ``kind``, ``per``,
``fraction``, ``unit_ps``, ``backward_item_port_ps``, ``memory``, ``means`` (in units, sorted),
``gantt_mean``, ``series`` (label, method, fwd_bwd_ratio), ``runs`` (per delay and series:
``label``, ``mean_units``, ``mean_ps``, ``time_to_target_s``, ``epochs_to_target``,
``final_accuracy``, ``elapsed_s``, ``minibatches``, ``mean_staleness``, ``max_staleness``,
``utilisation_mean``, ``delay_ps`` and ``delay_count`` per thread, ``energy_j``, ``curves``
(time_s, accuracy)), ``comparison`` (per layer-wise series: the time to target of sync and of
Hogwild! over its own at every delay, the delay from which it stays ahead of each, the largest
ratios), ``gantt`` (the runs at ``gantt_mean``: their first ``plots.gantt_fraction``, work items
and delays) and ``skipped``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from eventsim.errors import ConfigError
from hardware_models.presets import preset_names
from networks.learning import (DELAY_KINDS, DELAY_PER, WORK_KINDS, WorkerDelays, layer_bytes,
                               layer_flops, train, update_flops)

from .checks import int_at_least, one_of

KINDS = tuple(k for k in DELAY_KINDS if k != "none")    # "none": an empty means list


# --------------------------------------------------------------------------- config

def check(config: dict, why_not) -> None:
    """Raise ConfigError for a ``delay_study`` table the study cannot run with;
    ``why_not(method, threads, ratio)``: why a series cannot run (None if it can)."""
    d = config["delay_study"]
    one_of("delay_study.machine", d["machine"], preset_names())
    int_at_least("delay_study.threads", d["threads"], 1)
    means = d["means"]
    if not isinstance(means, list) or any(
            isinstance(m, bool) or not isinstance(m, (int, float)) or not m >= 0 for m in means) \
            or len(set(means)) != len(means):
        raise ConfigError(f"delay_study.means must be a list of distinct numbers >= 0 (units of "
                          f"one backward work item; [] skips the study), got {means!r}")
    one_of("delay_study.kind", d["kind"], KINDS)
    one_of("delay_study.per", d["per"], DELAY_PER)
    f = d["fraction"]
    if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 < f <= 1:
        raise ConfigError(f"delay_study.fraction must be a number in (0, 1], got {f!r}")
    ratios = d["layerwise_ratios"]
    if not isinstance(ratios, list) or not ratios or any(
            not isinstance(r, list) or len(r) != 2 or any(
                isinstance(x, bool) or not isinstance(x, int) or x < 1 for x in r)
            for r in ratios):
        raise ConfigError(f"delay_study.layerwise_ratios must be a non-empty list of "
                          f"[forward, backward] integer pairs >= 1, got {ratios!r}")
    if means and d["gantt_mean"] not in means:
        raise ConfigError(f"delay_study.gantt_mean must be one of delay_study.means {means}, "
                          f"got {d['gantt_mean']!r}")
    _, skipped = _runnable(config, why_not)
    if means and len(skipped) == len(series(config)):
        raise ConfigError("delay_study: no series can run at delay_study.threads = "
                          f"{d['threads']}: " + "; ".join(f"{k['label']}: {k['reason']}"
                                                          for k in skipped))


def _runnable(config: dict, why_not) -> tuple[list, list]:
    """The series that can run at ``delay_study.threads``, and the skipped ones with why."""
    todo, skipped = [], []
    threads = config["delay_study"]["threads"]
    for s in series(config):
        why = why_not(s["method"], threads, s["fwd_bwd_ratio"])
        if why is None:
            todo.append(s)
        else:
            skipped.append({"label": s["label"], "threads": threads, "reason": why})
    return todo, skipped


def series(config: dict) -> list[dict]:
    """The series of the study: label, method, fwd_bwd_ratio (layer-wise only)."""
    out = []
    for method in config["methods"]:
        if method != "layerwise-async":
            out.append({"label": method, "method": method, "fwd_bwd_ratio": None})
            continue
        for f, b in config["delay_study"]["layerwise_ratios"]:
            out.append({"label": f"layerwise-async {f}:{b}", "method": method,
                        "fwd_bwd_ratio": [f, b]})
    return out


def _layers(model):
    """(layer index, n_in, n_out, activation) of an Mlp."""
    sizes = model.sizes
    return [(l, a, b, act) for l, (a, b, act) in
            enumerate(zip(sizes[:-1], sizes[1:], model.activations))]


def backward_item_ps(model, batch_size: int, machine) -> int:
    """The delay unit (ps): mean over layers of one backward work item's compute time on core 0
    of ``machine`` (module docstring)."""
    a = machine.action("flop")
    cycles, clock_hz = machine.action_cycles[0, a], machine.core_clock_hz[0]
    per_layer = [round(layer_flops(n_in, n_out, batch_size, act, grad_in=l > 0).backward
                       * cycles * 1e12 / clock_hz) for l, n_in, n_out, act in _layers(model)]
    return round(sum(per_layer) / len(per_layer))


def backward_item_port_ps(model, batch_size: int, machine, memory) -> int | None:
    """Mean over layers of the time (ps) one backward item's bytes (``mlp.layer_bytes``) hold
    memory port ``memory`` (a name) alone, latency included, as ``port_model`` charges it; None
    for compute only."""
    if memory is None:
        return None
    m = list(machine.memory_names).index(memory)
    ps_per_byte = 1e12 / machine.memory_bandwidth_bytes_per_s[m]
    per_layer = [round(layer_bytes(n_in, n_out, batch_size, act, grad_in=l > 0).backward
                       * ps_per_byte) + int(machine.memory_latency_ps[m])
                 for l, n_in, n_out, act in _layers(model)]
    return round(sum(per_layer) / len(per_layer))


# --------------------------------------------------------------------------- runs

def _delays(d: dict, mean_ps: int) -> WorkerDelays | None:
    if mean_ps == 0:
        return None
    return WorkerDelays(d["kind"], mean_ps, per=d["per"],
                        fraction=None if d["fraction"] == 1 else float(d["fraction"]))


def _gantt(r, fraction: float) -> dict:
    """The work items (thread, start_ps, end_ps, kind into ``work_kinds``, layer) and the
    delays (thread, start_ps, end_ps) of ``r`` that start in its first ``fraction``, as the
    scenario's own Gantt data."""
    end = int(r.elapsed_ps * fraction)
    keep, waits = r.busy["start_ps"] < end, r.delays["start_ps"] < end
    out = {"until_ps": end, "threads": len(r.threads), "work_kinds": list(WORK_KINDS)}
    out.update({k: v[keep].tolist() for k, v in r.busy.items()})
    out["delays"] = {k: r.delays[k][waits].tolist() for k in ("thread", "start_ps", "end_ps")}
    return out


def _summary(r, s: dict, mean_units: float, mean_ps: int) -> dict:
    stale = r.staleness_summary()["all"]
    return {
        "label": s["label"], "method": s["method"], "fwd_bwd_ratio": s["fwd_bwd_ratio"],
        "mean_units": mean_units, "mean_ps": mean_ps,
        "time_to_target_s": r.time_to_target_s, "epochs_to_target": r.epochs_to_target,
        "final_accuracy": r.final_accuracy, "elapsed_s": r.elapsed_s,
        "minibatches": len(r.train_loss["loss"]),
        "mean_staleness": stale["mean"], "max_staleness": stale["max"],
        "utilisation_mean": float(r.utilisation().mean()),
        "delay_ps": [t["delay_ps"] for t in r.threads],
        "delay_count": [t["delay_count"] for t in r.threads],
        "energy_j": r.energy_j,
        "curves": {k: [e[k] for e in r.evaluations] for k in ("time_s", "accuracy")},
    }


def _train(config: dict, s: dict, mean_ps: int, seed: int, model, data, machine, memory):
    """One run of series ``s`` with delays of mean ``mean_ps`` (0: none)."""
    d, t = config["delay_study"], config["train"]
    extra = {} if s["fwd_bwd_ratio"] is None else {"fwd_bwd_ratio": tuple(s["fwd_bwd_ratio"])}
    return train(s["method"], model, data, machine, threads=d["threads"], epochs=t["epochs"],
                 batch_size=t["batch_size"], lr=t["lr"], momentum=t["momentum"], seed=seed,
                 target_accuracy=t["target_accuracy"], eval_every=t["eval_every"],
                 memory=memory, static_power=config["static_power"],
                 delays=_delays(d, mean_ps), **extra)


def run(config: dict, seed: int, model, data, machine, memory, why_not,
        progress: bool) -> tuple[dict | None, dict]:
    """The study (None if ``delay_study.means`` is empty) and its ledgers (key
    ``delay_study/<label>/<mean in units>``). ``machine``: the lowered study machine,
    ``memory``: its memory port (or None), ``why_not(method, threads, ratio)``: why a series
    cannot run (None if it can)."""
    from tqdm import tqdm

    d, t = config["delay_study"], config["train"]
    if not d["means"]:
        return None, {}
    unit_ps = backward_item_ps(model, t["batch_size"], machine)
    todo, skipped = _runnable(config, why_not)
    means = sorted(d["means"])
    runs, gantt, ledgers = [], [], {}
    bar = tqdm([(m, s) for m in means for s in todo], desc="async_sgd delays", unit="run",
               file=sys.stderr, disable=not progress, leave=False)
    for mean_units, s in bar:
        mean_ps = round(mean_units * unit_ps)
        r = _train(config, s, mean_ps, seed, model, data, machine, memory)
        runs.append(_summary(r, s, mean_units, mean_ps))
        ledgers[f"delay_study/{s['label']}/{mean_units:g}"] = r.ledger_rows
        if mean_units == d["gantt_mean"]:
            gantt.append(dict(_gantt(r, config["plots"]["gantt_fraction"]), label=s["label"]))
    bar.close()
    study = {"machine": d["machine"], "threads": d["threads"], "kind": d["kind"],
             "per": d["per"], "fraction": d["fraction"], "unit_ps": unit_ps,
             "backward_item_port_ps": backward_item_port_ps(model, t["batch_size"], machine,
                                                            memory),
             "memory": memory, "means": means,
             "gantt_mean": d["gantt_mean"], "series": todo, "runs": runs, "skipped": skipped,
             "gantt": gantt}
    study["comparison"] = comparison(study)
    return study, ledgers


# --------------------------------------------------------------------------- comparison

def _times(study: dict, label: str) -> list:
    by = {(r["label"], r["mean_units"]): r["time_to_target_s"] for r in study["runs"]}
    return [by.get((label, m)) for m in study["means"]]


def _ratios(num: list, den: list) -> list:
    return [None if a is None or b is None or b == 0 else a / b for a, b in zip(num, den)]


def _stays_ahead_from(means: list, mine: list, other: list):
    """The smallest delay from which ``mine`` reaches the target before ``other`` at every
    delay of the study (a run that never reaches it is behind), or None."""
    start = None
    for m, a, b in reversed(list(zip(means, mine, other))):
        if a is None or (b is not None and a >= b):
            break
        start = m
    return start


def _largest(means: list, ratios: list) -> dict:
    known = [(r, m) for r, m in zip(ratios, means) if r is not None]
    if not known:
        return {"ratio": None, "at_units": None}
    r, m = max(known)
    return {"ratio": r, "at_units": m}


def comparison(study: dict) -> list[dict]:
    """Per layer-wise series: time to target of sync and of Hogwild! over its own at every
    delay (> 1: layer-wise is faster), the delay from which it stays ahead of sync, and the
    largest ratios with their delays."""
    labels = [s["label"] for s in study["series"]]
    means, out = study["means"], []
    for s in study["series"]:
        if s["method"] != "layerwise-async":
            continue
        mine = _times(study, s["label"])
        row = {"label": s["label"]}
        for peer in ("sync", "hogwild"):
            if peer not in labels:
                continue
            theirs = _times(study, peer)
            ratios = _ratios(theirs, mine)
            row[f"{peer}_over_layerwise"] = ratios
            row[f"largest_vs_{peer}"] = _largest(means, ratios)
            row[f"ahead_of_{peer}_from_units"] = _stays_ahead_from(means, mine, theirs)
        out.append(row)
    return out


# --------------------------------------------------------------------------- report

def _us(s):
    return "not reached" if s is None else f"{s * 1e6:.1f}"


def _x(r):
    return "-" if r is None else f"{r:.2f}"


def table(study: dict) -> str:
    """Time to target (µs) per delay and series, and the ratios of the comparison."""
    labels = [s["label"] for s in study["series"]]
    comp = study["comparison"]
    ratio_cols = [(c["label"], peer) for c in comp for peer in ("sync", "hogwild")
                  if f"{peer}_over_layerwise" in c]
    head = ["delay (× unit)", "delay mean (µs)", *[f"{l} (µs)" for l in labels],
            *[f"{peer} ÷ {l}" for l, peer in ratio_cols]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    times = {l: _times(study, l) for l in labels}
    by_label = {c["label"]: c for c in comp}
    for i, m in enumerate(study["means"]):
        cells = [f"{m:g}", f"{m * study['unit_ps'] * 1e-6:.2f}",
                 *[_us(times[l][i]) for l in labels],
                 *[_x(by_label[l][f"{peer}_over_layerwise"][i]) for l, peer in ratio_cols]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fastest_without_delay(study: dict) -> str:
    zero = [r for r in study["runs"] if r["mean_units"] == 0 and r["time_to_target_s"]]
    if not zero:
        return "- Without delays no series reaches the target."
    best = min(zero, key=lambda r: r["time_to_target_s"])
    return (f"- Without delays **{best['label']}** reaches the target first "
            f"({_us(best['time_to_target_s'])} µs).")


def _findings(study: dict) -> list[str]:
    out = [_fastest_without_delay(study)] if 0 in study["means"] else []
    for c in study["comparison"]:
        parts = []
        for peer, name in (("sync", "sync"), ("hogwild", "Hogwild!")):
            if f"largest_vs_{peer}" not in c:
                continue
            big, ahead = c[f"largest_vs_{peer}"], c[f"ahead_of_{peer}_from_units"]
            when = ("is not ahead at the largest delay" if ahead is None else
                    f"is ahead at every delay from {ahead:g} on")
            parts.append(f"against {name} it {when}; the largest ratio {name} ÷ layer-wise is "
                         f"{_x(big['ratio'])}" + ("" if big["at_units"] is None else
                                                 f" (at a delay of {big['at_units']:g})"))
        out.append(f"- **{c['label']}**: " + "; ".join(parts) + ".")
    return out


def report(result: dict) -> list[str]:
    """The report section (markdown lines), empty if the study did not run."""
    study = result.get("delay_study")
    if not study:
        return []
    c = result["config"]
    target = c["train"]["target_accuracy"]
    who = ("every thread" if study["fraction"] == 1 else
           f"a fraction {study['fraction']:g} of the threads (chosen by the seed)")
    draw = ("a new draw before every work item" if study["per"] == "item" else
            "one draw per thread, waited before each of its work items")
    out = ["## Delay study: time to target against injected worker delays", "",
           f"{study['machine']}, {study['threads']} threads, the [train] settings above. Before "
           f"its work items (a layer's forward or backward pass, a layer's update, an "
           f"all-reduce) {who} waits for a delay drawn from the {study['kind']} distribution "
           f"({draw}), holding no compute. "
           f"Unit: the compute time of one backward work item, averaged over the layers = "
           f"{study['unit_ps'] * 1e-6:.3f} µs. Time to {target:.0%} test accuracy, and "
           f"the time to target of sync and Hogwild! over layer-wise async (> 1: layer-wise is "
           f"faster):", "", table(study), ""]
    if study["skipped"]:
        out += ["Skipped: " + "; ".join(f"{s['label']} ({s['reason']})"
                                        for s in study["skipped"]), ""]
    out += ["What eventsim gives:", *_findings(study), ""]
    out += paper_comparison(result)
    return out


PAPER = ("Fokam, Nazeer, König, Kappel, Subramoney, *Asynchronous Stochastic Gradient Descent "
         "with Decoupled Backpropagation and Layer-Wise Updates*, arXiv 2410.05985 (v3)")


def mechanisms(result: dict) -> list[str]:
    """Why the model gives what it gives: numbers of this run, not of the paper."""
    study, c = result["delay_study"], result["config"]
    sizes, acts, batch = c["model"]["sizes"], c["model"]["activation"], c["train"]["batch_size"]
    activations = [acts] * (len(sizes) - 2) + ["none"]
    flops = [layer_flops(a, b, batch, act, grad_in=l > 0)
             for l, (a, b, act) in enumerate(zip(sizes[:-1], sizes[1:], activations))]
    fwd, bwd = sum(f.forward for f in flops), sum(f.backward for f in flops)
    n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    k = study["threads"]
    out = [
        f"- *No communication cost.* The threads share one modelled chip; sync's all-reduce is "
        f"a reduce over shared memory ((K - 1) x ceil(N/K) = {k - 1} x {-(-n_params // k)} "
        f"flops per thread per step), with no network latency and barriers that cost "
        f"nothing. Without delays the sync threads wait for each other only as long as their "
        f"shards differ (by one sample at most); the paper's data parallelism pays an "
        f"all-reduce over real links.",
        f"- *Per-item delays hit sync hardest.* Sync cuts each minibatch of {batch} into {k} "
        f"shards, so each of its {k} threads waits before each of its items on "
        f"{-(-batch // k)} samples and the step waits for the slowest thread (the largest of "
        f"{k} sums of delays), then for thread 0's updates; Hogwild! and layer-wise threads "
        f"wait once per item of a whole minibatch and never for another thread. Sync's delay "
        f"per sample therefore grows with the thread count, which the paper's data-parallel "
        f"baseline (a minibatch per worker) does not have.",
        f"- *The backward:forward cost ratio of this MLP is {bwd / fwd:.2f}, not about 2.* "
        f"Its first layer computes no input gradient, so a backward pass of the model costs "
        f"{bwd} flops against {fwd} for the forward ({batch} samples). The paper's 1:2 thread "
        f"ratio is matched to backward ≈ 2 forwards; here it gives the forward passes ({fwd} "
        f"flops per minibatch) half as many threads as the backward passes and updates "
        f"({bwd + update_flops(n_params)} flops), so without delays the forward threads are "
        f"the bottleneck. Under delays, each minibatch waits {len(sizes) - 1} delays on a forward "
        f"thread and {2 * (len(sizes) - 1)} on a backward thread (a pass and an update per "
        f"layer), which 1:2 balances.",
        *_hogwild_note(study),
        f"- *A tiny model.* {n_params} parameters, work items of microseconds (one backward "
        f"item {study['unit_ps'] * 1e-6:.2f} µs of compute){_port_note(study)}.",
        "- *One seed.* Each figure is one deterministic run; time to target moves in steps of "
        f"{c['train']['eval_every']} minibatches (the evaluation period) and with the seed.",
    ]
    return out


def _hogwild_note(study: dict) -> list[str]:
    """Hogwild! against layer-wise async at the largest delay: staleness and utilisation."""
    top = max(study["means"])
    at_top = {r["label"]: r for r in study["runs"] if r["mean_units"] == top}
    lw = [l for l, r in at_top.items() if r["method"] == "layerwise-async"]
    if "hogwild" not in at_top or not lw:
        return []
    notes = "; ".join(_run_note(at_top[l]) for l in ["hogwild", *lw])
    return [f"- *Hogwild! here is not LPP-SGD across devices.* It runs on the same shared "
            f"memory, threads and per-item costs as layer-wise async, and neither has a "
            f"barrier; what sets them apart is staleness and how the work is split over the "
            f"threads (layer-wise threads wait for a queued minibatch or a free slot). At the "
            f"largest delay ({top:g}): {notes}."]


def _run_note(r: dict) -> str:
    return (f"{r['label']} {_x(r['mean_staleness'])} versions mean staleness, "
            f"{r['utilisation_mean']:.0%} of the run computing")


def _port_note(study: dict) -> str:
    """How much the shared memory port can stretch a backward item (it runs beside the
    compute: an item ends when both are done)."""
    port_ps = study["backward_item_port_ps"]
    if port_ps is None:
        return "; compute only, no memory port charged"
    k = study["threads"]
    fits = "so even" + ("" if k * port_ps < study["unit_ps"] else " not") + " all"
    return (f"; its bytes hold the shared port {study['memory']} for {port_ps * 1e-3:.0f} ns "
            f"alone, beside the compute, {fits} {k} threads queueing at the port "
            f"({k * port_ps * 1e-3:.0f} ns) fit within one item's compute")


def paper_comparison(result: dict) -> list[str]:
    """eventsim's conclusion beside the paper's, and the mechanisms behind any difference."""
    return [
        "### Beside the paper", "",
        f"{PAPER} report, in the presence of delays, layer-wise asynchronous SGD (PD-ASGD) up "
        "to 5.95x faster than synchronous data parallelism and up to 2.14x faster than "
        "comparable asynchronous SGD (LPP-SGD, Hogwild! across devices), with one forward "
        "thread per two backward threads (abstract of v3; their table of wall-clock times was "
        "not consulted here). The ratios above are what this model gives for this MLP on "
        "modelled threads, not a reproduction of the paper's setup (ResNets and an LSTM on "
        "GPUs). Where they differ, the mechanisms in the model are:", "",
        *mechanisms(result), "",
    ]


# --------------------------------------------------------------------------- plot

def plot(result: dict, out_dir: Path, colors: dict) -> list[str]:
    """``delay_study.png``: time to target against the delay per series, and the ratios of
    sync and Hogwild! to each layer-wise series; returns the file names written."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    study = result.get("delay_study")
    if not study:
        return []
    target = result["config"]["train"]["target_accuracy"]
    means = np.array(study["means"], float)
    fig, ax = plt.subplots(1, 2, figsize=(12, 4.6))
    dashes = {None: "-", (1, 1): "--", (1, 2): ":"}
    for s in study["series"]:
        tt = np.array([np.nan if t is None else t * 1e6 for t in _times(study, s["label"])])
        ratio = None if s["fwd_bwd_ratio"] is None else tuple(s["fwd_bwd_ratio"])
        ax[0].plot(means, tt, marker="o", color=colors.get(s["method"]),
                   ls=dashes.get(ratio, "-."), label=s["label"])
    ratio_of = {s["label"]: s["fwd_bwd_ratio"] for s in study["series"]}
    for c in study["comparison"]:
        for peer, marker in (("sync", "o"), ("hogwild", "s")):
            if f"{peer}_over_layerwise" in c:
                r = [np.nan if x is None else x for x in c[f"{peer}_over_layerwise"]]
                ax[1].plot(means, r, marker=marker, color=colors.get(peer),
                           ls=dashes.get(tuple(ratio_of[c["label"]]), "-."),
                           label=f"{peer} ÷ {c['label']}")
    ax[1].axhline(1.0, color="grey", lw=0.8, ls=":")
    if not study["comparison"]:
        ax[1].text(0.5, 0.5, "no layer-wise series to compare", ha="center",
                   transform=ax[1].transAxes)
    for a in ax:
        a.set_xlabel(f"mean injected delay per work item (units of one backward item, "
                     f"{study['unit_ps'] * 1e-6:.2f} µs)")
        if a.get_legend_handles_labels()[0]:
            a.legend(fontsize=8)
    ax[0].set_yscale("log")
    ax[0].set_ylabel(f"simulated time to {target:.0%} test accuracy (µs)")
    ax[0].set_title("time to target (missing point: not reached)")
    ax[1].set_ylabel("time to target ÷ layer-wise async's")
    ax[1].set_title("> 1: layer-wise async is faster")
    fig.suptitle(f"async_sgd delay study: {study['machine']}, {study['threads']} threads, "
                 f"{study['kind']} delays per {study['per']}")
    fig.tight_layout()
    fig.savefig(Path(out_dir) / "delay_study.png", dpi=110)
    plt.close(fig)
    return ["delay_study.png"]
