"""Scenario async_sgd: synchronous SGD, Hogwild! and asynchronous layer-wise SGD at equal thread
counts on modelled machines (defaults and their meaning: ``async_sgd.toml``).

For every machine x thread count x method one ``networks.learning.train`` run: the same initial
MLP (``init_mlp(sizes, seed)``), the same data split (``digits(seed)``) and the same minibatch
order (``seed``). The run is deterministic: one seed, identical numbers (no medians needed).

Result (``result.json``, besides what every scenario writes): ``methods``, one object per run
with ``machine``, ``method``, ``threads``, ``forward_threads``/``backward_threads``
(layer-wise), ``memory``, ``time_to_target_s`` / ``epochs_to_target`` (None if never reached),
``final_accuracy``, ``final_loss``, ``elapsed_s`` (simulated), ``mean_staleness``,
``max_staleness``, ``staleness_by_layer`` (per layer n, mean, max, histogram), ``utilisation``
(per thread, busy fraction of the run) and ``utilisation_mean``, ``energy_j`` (=
``dynamic_energy_j`` + ``static_energy_j``), ``energy_by_component_j``, ``curves`` (test
accuracy and loss per evaluation against simulated time and epochs), ``train_loss`` (per
minibatch: ``time_ps`` at the end of its forward pass, ``loss`` to 6 digits),
``utilisation_timeline`` (``bin_ps`` and ``busy[thread][bin]``, the busy fraction), and for the
representative runs ``gantt`` (the work items starting before ``until_ps``: thread, start_ps,
end_ps, kind (index into work_kinds), layer (-1: all-reduce)); ``skipped``
(combinations a method cannot run, with the reason); ``representative``; ``notes``; and,
unless ``delay_study.means`` is empty, ``delay_study``: time to target against injected worker
delays (``async_sgd_delays``; the representative Gantt data then also holds the ``delays`` of
each thread). Ledgers of every run go to ``ledger.csv`` (column ``run`` =
``machine/method/threads``, for the delay study ``delay_study/<series>/<mean in units>``), and
``estimated_share`` (``scenarios.uncertainty``) says how much of each rests on estimated numbers
of its machine (``ledger_machine``).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from eventsim.errors import ConfigError
from hardware_models.lowering import lower
from hardware_models.presets import preset, preset_names
from networks.learning import METHODS, WORK_KINDS, digits, init_mlp, train

from . import async_sgd_delays as delay_study
from .checks import int_list, one_of
from .output import write_ledger_csv

OPEN_TABLES = ("memory",)
SUPPORTS_TRACE = False
TRACE_NOTE = ("async_sgd has nothing to trace yet: its schedule runs as SimPy processes on "
              "software threads, outside the kernel's trace; every work item's busy interval is "
              "in the utilisation timeline and Gantt chart (result.json and the plots)")
DATASETS = ("digits",)


# --------------------------------------------------------------------------- config

def check(config: dict) -> None:
    """Raise ConfigError for any value the scenario cannot run with."""
    machines, methods = config["machines"], config["methods"]
    known = preset_names()
    if not isinstance(machines, list) or not machines or any(m not in known for m in machines):
        raise ConfigError(f"machines must be a non-empty list of presets {known}, got {machines!r}")
    if not isinstance(methods, list) or not methods or any(m not in METHODS for m in methods):
        raise ConfigError(f"methods must be a non-empty list of {list(METHODS)}, got {methods!r}")
    int_list("threads", config["threads"])
    for name, mem in config["memory"].items():
        if not isinstance(mem, str):
            raise ConfigError(f"memory.{name} must be a memory name or \"none\", got {mem!r}")
    int_list("model.sizes", config["model"]["sizes"])
    one_of("data.name", config["data"]["name"], DATASETS)
    t = config["train"]
    if t["epochs"] < 1:
        raise ConfigError(f"train.epochs must be >= 1, got {t['epochs']}")
    ratio = config["layerwise"]["fwd_bwd_ratio"]
    int_list("layerwise.fwd_bwd_ratio", ratio)
    if len(ratio) != 2:
        raise ConfigError(f"layerwise.fwd_bwd_ratio must be [forward, backward], got {ratio!r}")
    if config["layerwise"]["max_in_flight"] < 0:
        raise ConfigError(f"layerwise.max_in_flight must be >= 0 (0: 2 x backward threads), "
                          f"got {config['layerwise']['max_in_flight']}")
    p = config["plots"]
    if p["utilisation_bins"] < 1:
        raise ConfigError(f"plots.utilisation_bins must be >= 1, got {p['utilisation_bins']}")
    if not 0.0 < p["gantt_fraction"] <= 1.0:
        raise ConfigError(f"plots.gantt_fraction must be in (0, 1], got {p['gantt_fraction']}")
    delay_study.check(config, lambda m, k, ratio: _why_not(m, k, config, ratio))
    if not any(_why_not(m, k, config) is None for m in methods for k in config["threads"]):
        raise ConfigError("no method can run at any of the thread counts: "
                          + "; ".join(f"{m} at {k}: {_why_not(m, k, config)}"
                                      for m in methods for k in config["threads"]))


def _why_not(method: str, threads: int, config: dict, ratio=None) -> str | None:
    """Why ``method`` cannot run with ``threads`` threads (layer-wise: forward:backward
    ``ratio``, default ``layerwise.fwd_bwd_ratio``), or None if it can."""
    if method == "layerwise-async":
        f, b = ratio or config["layerwise"]["fwd_bwd_ratio"]
        if threads < 2 or threads % (f + b):
            return (f"needs a multiple of forward + backward = {f + b} threads "
                    f"(ratio {f}:{b}), at least 2")
    if method == "sync" and threads > config["train"]["batch_size"]:
        return f"cuts each minibatch into {threads} shards: more than batch_size"
    return None


def _memory(config: dict, machine: str):
    mem = config["memory"].get(machine, "none")
    return None if mem == "none" else mem


def _representative(config: dict, runs: list[tuple]) -> dict:
    """The (machine, threads) drawn per method: the configured one if it ran, else the first
    machine at its largest thread count."""
    want = (config["plots"]["representative_machine"], config["plots"]["representative_threads"])
    have = {(m, k) for m, _, k in runs}
    if want not in have:
        machine = runs[0][0]
        want = (machine, max(k for m, _, k in runs if m == machine))
    return {"machine": want[0], "threads": want[1]}


def ledger_machine(config: dict, run: str):
    """The machine ledger ``run`` of ledger.csv ran on (for ``estimated_share``, see
    ``scenarios.uncertainty``): the preset its name begins with (``machine/method/threads``),
    the delay study's machine for ``delay_study/...``."""
    first = run.split("/", 1)[0]
    return preset(config["delay_study"]["machine"] if first == "delay_study" else first)


ESTIMATED_SHARE_NOTE = (
    "Each run rests on its own machine's numbers; the top-level share is the first run's. "
    "`energy_j` (dynamic + static) is the sum of a run's ledger rows. The simulated times "
    "(`elapsed_s`, `time_to_target_s`) are the threads' timelines, not ledger sums: their work "
    "items are busy time of the ledger (FLOPs at the cores' cycles and clock, bytes at the "
    "memory port's bandwidth), but a port's latency and the time a thread waits (a barrier, a "
    "minibatch in flight, an injected delay) are in no busy time. Accuracy and loss come from "
    "real training (numpy): for sync SGD they rest on no machine number; for Hogwild! and "
    "layer-wise SGD the order of reads and updates follows the timing, so their staleness, "
    "accuracy and loss rest on the time numbers too, by no share the ledger can give.")


# --------------------------------------------------------------------------- run

def _summary(machine: str, memory, r, config: dict, gantt: bool) -> dict:
    stale = r.staleness_summary()
    bins = config["plots"]["utilisation_bins"]
    bin_ps = max(1, -(-r.elapsed_ps // bins))
    roles = [t["role"] for t in r.threads]
    out = {
        "machine": machine, "method": r.method, "threads": r.config["threads"],
        "forward_threads": roles.count("forward") if r.method == "layerwise-async" else None,
        "backward_threads": roles.count("backward") if r.method == "layerwise-async" else None,
        "max_in_flight": r.config["max_in_flight"], "memory": r.config["memory"],
        "time_to_target_s": r.time_to_target_s, "epochs_to_target": r.epochs_to_target,
        "target_accuracy": r.target_accuracy,
        "final_accuracy": r.final_accuracy, "final_loss": r.final_loss,
        "elapsed_s": r.elapsed_s, "minibatches": len(r.train_loss["loss"]),
        "mean_staleness": stale["all"]["mean"], "max_staleness": stale["all"]["max"],
        "staleness_histogram": stale["all"]["histogram"],
        "staleness_by_layer": {k: v for k, v in stale.items() if k != "all"},
        "utilisation": r.utilisation().tolist(),
        "utilisation_mean": float(r.utilisation().mean()),
        "energy_j": r.energy_j, "dynamic_energy_j": r.dynamic_energy_j,
        "static_energy_j": r.static_energy_j,
        "energy_by_component_j": dict(r.energy_by_component_j),
        "thread_roles": r.threads,
        "curves": {k: [e[k] for e in r.evaluations]
                   for k in ("time_s", "epoch", "batches", "accuracy", "loss")},
        "train_loss": {"time_ps": list(r.train_loss["time_ps"]),
                       "loss": [float(f"{x:.6g}") for x in r.train_loss["loss"]]},
        "utilisation_timeline": {"bin_ps": bin_ps,
                                 "busy": np.round(r.utilisation_timeline(bin_ps), 4).tolist()},
        "compile_s": r.compile_s, "wall_s": r.wall_s,
    }
    if gantt:
        end = int(r.elapsed_ps * config["plots"]["gantt_fraction"])
        keep = r.busy["start_ps"] < end
        out["gantt"] = {"until_ps": end, "work_kinds": list(WORK_KINDS),
                        "thread": r.busy["thread"][keep].tolist(),
                        "start_ps": r.busy["start_ps"][keep].tolist(),
                        "end_ps": r.busy["end_ps"][keep].tolist(),
                        "kind": r.busy["kind"][keep].tolist(),
                        "layer": r.busy["layer"][keep].tolist()}
        waits = r.delays["start_ps"] < end
        out["gantt"]["delays"] = {k: r.delays[k][waits].tolist()
                                  for k in ("thread", "start_ps", "end_ps")}
    return out


def run(config: dict, seed: int, out_dir: Path, progress: bool) -> dict:
    """Every machine x thread count x method of ``config``; see the module docstring."""
    from tqdm import tqdm

    check(config)
    t, lw = config["train"], config["layerwise"]
    data = digits(seed, config["data"]["test_fraction"])
    model = init_mlp(config["model"]["sizes"], seed, config["model"]["activation"])
    runs, skipped = [], []
    for machine in config["machines"]:
        for threads in config["threads"]:
            for method in config["methods"]:
                why = _why_not(method, threads, config)
                if why is None:
                    runs.append((machine, method, threads))
                else:
                    skipped.append({"machine": machine, "method": method, "threads": threads,
                                    "reason": why})
    rep = _representative(config, runs)
    notes = []
    for machine in config["machines"]:
        if _memory(config, machine) is None:
            notes.append(f"{machine}: compute only (no memory port charged; "
                         + ("its only memory is off-chip streaming DRAM and tile SRAM is not a "
                            "memory port yet)" if machine == "ipu_gc200" else "memory = none)"))
    irs = {}
    methods, ledgers = [], {}
    bar = tqdm(runs, desc="async_sgd", unit="run", file=sys.stderr, disable=not progress,
               leave=False)
    for machine, method, threads in bar:
        bar.set_postfix_str(f"{machine} {method} {threads}t")
        if machine not in irs:
            irs[machine] = lower(preset(machine))
        extra = {}
        if method == "layerwise-async":
            extra["fwd_bwd_ratio"] = tuple(lw["fwd_bwd_ratio"])
            extra["max_in_flight"] = lw["max_in_flight"] or None
        r = train(method, model, data, irs[machine], threads=threads, epochs=t["epochs"],
                  batch_size=t["batch_size"], lr=t["lr"], momentum=t["momentum"], seed=seed,
                  target_accuracy=t["target_accuracy"], eval_every=t["eval_every"],
                  memory=_memory(config, machine), static_power=config["static_power"],
                  **extra)
        is_rep = (machine, threads) == (rep["machine"], rep["threads"])
        methods.append(_summary(machine, _memory(config, machine), r, config, is_rep))
        ledgers[f"{machine}/{method}/{threads}"] = r.ledger_rows
    bar.close()
    study, study_ledgers = _run_delay_study(config, seed, model, data, irs, progress)
    ledgers.update(study_ledgers)
    write_ledger_csv(Path(out_dir) / "ledger.csv", ledgers)
    out = {"methods": methods, "skipped": skipped, "representative": rep, "notes": notes,
           "data": {"name": "digits", "n_train": int(data.x_train.shape[0]),
                    "n_test": int(data.x_test.shape[0])}}
    if study is not None:
        out["delay_study"] = study
    return out


def _run_delay_study(config, seed, model, data, irs, progress):
    """``async_sgd_delays.run`` on the study's machine (lowered once, shared with the main
    runs)."""
    machine = config["delay_study"]["machine"]
    if machine not in irs:
        irs[machine] = lower(preset(machine))
    return delay_study.run(config, seed, model, data, irs[machine], _memory(config, machine),
                           lambda m, k, ratio: _why_not(m, k, config, ratio), progress)


# --------------------------------------------------------------------------- report

def _us(s):
    return "-" if s is None else f"{s * 1e6:.1f}"


def _f(x, fmt):
    return "-" if x is None else format(x, fmt)


def table(result: dict) -> str:
    """The markdown table of every run."""
    target = result["config"]["train"]["target_accuracy"]
    lines = [f"| machine | method | threads | time to {target:.0%} (µs) | epochs to {target:.0%} "
             f"| final accuracy | mean (max) staleness | utilisation | energy (J) "
             f"| dynamic (J) | run (µs) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for m in result["methods"]:
        threads = str(m["threads"])
        if m["forward_threads"] is not None:
            threads += f" ({m['forward_threads']}F+{m['backward_threads']}B)"
        stale = f"{_f(m['mean_staleness'], '.2f')} ({_f(m['max_staleness'], 'd')})"
        lines.append(f"| {m['machine']} | {m['method']} | {threads} | {_us(m['time_to_target_s'])} "
                     f"| {_f(m['epochs_to_target'], '.2f')} | {m['final_accuracy']:.3f} "
                     f"| {stale} | {m['utilisation_mean']:.0%} | {m['energy_j']:.3g} "
                     f"| {m['dynamic_energy_j']:.3g} | {_us(m['elapsed_s'])} |")
    return "\n".join(lines)


def report(result: dict) -> str:
    c = result["config"]
    t, rep = c["train"], result["representative"]
    ratio = c["layerwise"]["fwd_bwd_ratio"]
    out = [f"# async_sgd — run {result['run_id']}", "",
           f"MLP {c['model']['sizes']} ({c['model']['activation']}) on digits "
           f"({result['data']['n_train']} train / {result['data']['n_test']} test images), "
           f"{t['epochs']} epochs, batch {t['batch_size']}, lr {t['lr']}, momentum "
           f"{t['momentum']}, seed {result['seed']}; layer-wise forward:backward threads "
           f"{ratio[0]}:{ratio[1]}, max in flight "
           f"{c['layerwise']['max_in_flight'] or '2 x backward threads'}. Times are simulated; "
           f"time to target = the first test evaluation (every {t['eval_every']} minibatches) at "
           f"or above {t['target_accuracy']:.0%}. Staleness = versions of a layer applied between "
           f"the forward read and the update. Energy = dynamic (ledger) + static power over the "
           f"run. Deterministic: the same seed gives the same table.", "",
           table(result), ""]
    if result["skipped"]:
        out += ["Skipped: " + "; ".join(f"{s['method']} at {s['threads']} threads on "
                                        f"{s['machine']} ({s['reason']})"
                                        for s in result["skipped"]), ""]
    if result["notes"]:
        out += ["Notes:", *[f"- {n}" for n in result["notes"]], ""]
    out += [f"Thread timelines and staleness histograms: {rep['machine']}, {rep['threads']} "
            f"threads.", ""]
    out += delay_study.report(result)
    out += [f"![{f}]({f})" for f in result.get("files", []) if f.endswith(".png")]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- plots

COLORS = {"sync": "tab:blue", "hogwild": "tab:orange", "layerwise-async": "tab:green"}
KIND_COLORS = {"forward": "tab:blue", "backward": "tab:red", "update": "tab:green",
               "allreduce": "tab:purple", "delay": "darkgrey"}


def _label(m):
    return f"{m['method']} {m['threads']}t"


def _styles(result):
    threads = sorted({m["threads"] for m in result["methods"]})
    dashes = ["-", "--", ":", "-."]
    return {k: dashes[i % len(dashes)] for i, k in enumerate(threads)}


def _gantt_figure(path: Path, panels: list[tuple], title: str) -> None:
    """One panel per (title, gantt data, threads): the work items by kind and, in grey, the
    injected delays (``gantt["delays"]``, when there are any)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(len(panels), 1, figsize=(11, 1.4 + 1.4 * len(panels)),
                           squeeze=False, layout="constrained")
    handles = {}
    for a, (name, g, threads) in zip(ax[:, 0], panels):
        for kind_i, kind in enumerate(g["work_kinds"]):
            sel = [i for i, k in enumerate(g["kind"]) if k == kind_i]
            if not sel:
                continue
            handles[kind] = a.barh(
                [g["thread"][i] for i in sel],
                [(g["end_ps"][i] - g["start_ps"][i]) * 1e-6 for i in sel],
                left=[g["start_ps"][i] * 1e-6 for i in sel], height=0.7,
                color=KIND_COLORS[kind], label=kind, edgecolor="white", linewidth=0.3)
        d = g.get("delays", {})
        if d.get("thread"):
            handles["delay"] = a.barh(
                d["thread"], (np.array(d["end_ps"]) - np.array(d["start_ps"])) * 1e-6,
                left=np.array(d["start_ps"]) * 1e-6, height=0.35, color=KIND_COLORS["delay"],
                label="delay", edgecolor="white", linewidth=0.3)
        a.set_xlim(0, g["until_ps"] * 1e-6)
        a.set_yticks(range(threads))
        a.set_ylim(threads - 0.5, -0.5)
        a.set_ylabel("thread")
        a.set_title(name, fontsize=9)
    ax[-1, 0].set_xlabel("simulated time (µs)")
    fig.legend(list(handles.values()), list(handles), loc="outside upper right", ncol=5,
               fontsize=8)
    fig.suptitle(title, x=0.3)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plots(result: dict, out_dir: Path) -> list[str]:
    """Accuracy/loss curves, time to target, energy, utilisation timeline, Gantt chart and
    staleness histograms as PNG files in ``out_dir``, and for the delay study its time to
    target against the delay (``delay_study.png``) and the Gantt chart of its runs at
    ``delay_study.gantt_mean`` with the delays (``gantt_delays.png``); returns their names."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    files = []

    def save(fig, name):
        fig.tight_layout()
        fig.savefig(out_dir / name, dpi=110)
        plt.close(fig)
        files.append(name)

    runs = result["methods"]
    machines = list(dict.fromkeys(m["machine"] for m in runs))
    style = _styles(result)
    target = result["config"]["train"]["target_accuracy"]

    # accuracy and loss vs simulated time and vs epochs, one figure per machine
    for machine in machines:
        fig, ax = plt.subplots(2, 2, figsize=(11, 7.5))
        for m in (m for m in runs if m["machine"] == machine):
            c = m["curves"]
            kw = dict(color=COLORS.get(m["method"]), ls=style[m["threads"]], label=_label(m))
            t_us = np.array(c["time_s"]) * 1e6
            ax[0, 0].plot(t_us, c["accuracy"], **kw)
            ax[0, 1].plot(c["epoch"], c["accuracy"], **kw)
            ax[1, 0].plot(t_us, c["loss"], **kw)
            ax[1, 1].plot(c["epoch"], c["loss"], **kw)
        for a in ax[0]:
            a.axhline(target, color="grey", lw=0.8, ls=":")
            a.set_ylabel("test accuracy")
        for a in ax[1]:
            a.set_ylabel("test loss")
            a.set_yscale("log")
        for a in ax[:, 0]:
            a.set_xlabel("simulated time (µs)")
        for a in ax[:, 1]:
            a.set_xlabel("epoch")
        ax[0, 0].legend(fontsize=8)
        fig.suptitle(f"async_sgd on {machine}: test accuracy and loss")
        save(fig, f"curves_{machine}.png")

    # time to target and energy, grouped bars per machine
    labels = list(dict.fromkeys(_label(m) for m in runs))
    x = np.arange(len(labels))
    width = 0.8 / len(machines)
    fig, ax = plt.subplots(1, 3, figsize=(16, 4.8))
    palette = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"]
    for i, machine in enumerate(machines):
        col = palette[i % len(palette)]
        by = {_label(m): m for m in runs if m["machine"] == machine}
        tt = [by[l]["time_to_target_s"] * 1e6 if l in by and by[l]["time_to_target_s"]
              is not None else np.nan for l in labels]
        dyn = [by[l]["dynamic_energy_j"] if l in by else np.nan for l in labels]
        sta = [by[l]["static_energy_j"] if l in by else np.nan for l in labels]
        ax[0].bar(x + i * width, tt, width, color=col, label=machine)
        ax[1].bar(x + i * width, dyn, width, color=col, label=f"{machine} dynamic")
        ax[1].bar(x + i * width, sta, width, bottom=dyn, color=col, alpha=0.35,
                  label=f"{machine} static")
        ax[2].bar(x + i * width, np.array(dyn) * 1e3, width, color=col, label=machine)
    for a in ax:
        a.set_xticks(x + width * (len(machines) - 1) / 2, labels, rotation=30, ha="right",
                     fontsize=8)
        a.legend(fontsize=8)
    ax[0].set_ylabel(f"simulated time to {target:.0%} test accuracy (µs)")
    ax[0].set_title("time to target (missing bar: not reached)")
    ax[1].set_ylabel("energy of the whole run (J)")
    ax[1].set_title("energy: dynamic (solid) + static (light)")
    ax[2].set_ylabel("dynamic energy of the whole run (mJ)")
    ax[2].set_title("dynamic energy only")
    save(fig, "time_to_target_energy.png")

    rep = result["representative"]
    reps = [m for m in runs if (m["machine"], m["threads"]) == (rep["machine"], rep["threads"])]
    tag = f"{rep['machine']}_{rep['threads']}t"

    # utilisation timeline: busy fraction per thread and time bin, one panel per method
    fig, ax = plt.subplots(len(reps), 1, figsize=(11, 1.2 + 1.6 * len(reps)), squeeze=False,
                           layout="constrained")
    for a, m in zip(ax[:, 0], reps):
        tl = m["utilisation_timeline"]
        busy = np.array(tl["busy"])
        extent = (0, busy.shape[1] * tl["bin_ps"] * 1e-6, busy.shape[0] - 0.5, -0.5)
        im = a.imshow(busy, aspect="auto", vmin=0, vmax=1, cmap="viridis", extent=extent,
                      interpolation="nearest")
        roles = [r["role"][0].upper() for r in m["thread_roles"]]
        a.set_yticks(range(len(roles)), [f"{i}{r}" for i, r in enumerate(roles)], fontsize=7)
        a.set_title(f"{m['method']}: mean utilisation {m['utilisation_mean']:.0%}", fontsize=9)
        a.set_ylabel("thread")
    ax[-1, 0].set_xlabel("simulated time (µs)")
    fig.colorbar(im, ax=ax[:, 0].tolist(), label="busy fraction", shrink=0.8, pad=0.01)
    fig.suptitle(f"thread utilisation, {rep['machine']}, {rep['threads']} threads "
                 f"(W worker, F forward, B backward)")
    fig.savefig(out_dir / f"utilisation_{tag}.png", dpi=110)
    plt.close(fig)
    files.append(f"utilisation_{tag}.png")

    # Gantt chart of the first part of each representative run
    fraction = result["config"]["plots"]["gantt_fraction"]
    _gantt_figure(out_dir / f"gantt_{tag}.png",
                  [(m["method"], m["gantt"], m["threads"]) for m in reps],
                  f"work items, first {fraction:.0%} of each run, {rep['machine']}, "
                  f"{rep['threads']} threads")
    files.append(f"gantt_{tag}.png")

    study = result.get("delay_study")
    if study:
        files += delay_study.plot(result, out_dir, COLORS)
        _gantt_figure(out_dir / "gantt_delays.png",
                      [(g["label"], g, g["threads"]) for g in study["gantt"]],
                      f"work items and delays (grey), first {fraction:.0%} of each run, "
                      f"mean delay {study['gantt_mean']:g} x one backward item")
        files.append("gantt_delays.png")

    # staleness histograms per method (column) and layer (row), each thread count a series
    on_rep = [m for m in runs if m["machine"] == rep["machine"]]
    methods = list(dict.fromkeys(m["method"] for m in on_rep))
    n_layers = len(result["config"]["model"]["sizes"]) - 1
    thread_counts = sorted({m["threads"] for m in on_rep})
    fig, ax = plt.subplots(n_layers, len(methods), figsize=(3.8 * len(methods), 2.4 * n_layers),
                           squeeze=False)
    bw = 0.8 / len(thread_counts)
    for j, method in enumerate(methods):
        for i, k in enumerate(thread_counts):
            m = next((m for m in on_rep if m["method"] == method and m["threads"] == k), None)
            if m is None:
                continue
            for l in range(n_layers):
                h = np.array(m["staleness_by_layer"][str(l)]["histogram"], float)
                if h.sum():
                    h /= h.sum()
                mean = m["staleness_by_layer"][str(l)]["mean"]
                ax[l, j].bar(np.arange(len(h)) + i * bw - 0.4 + bw / 2, h, bw,
                             label=f"{k} threads" + ("" if mean is None else
                                                     f" (mean {mean:.2f})"))
        for l in range(n_layers):
            longest = max((len(m["staleness_by_layer"][str(l)]["histogram"]) for m in on_rep
                           if m["method"] == method), default=1)
            ax[l, j].set_xlim(-0.6, max(longest, 3) - 0.4)
            ax[l, j].xaxis.get_major_locator().set_params(integer=True)
            ax[l, j].set_title(f"{method}, layer {l}", fontsize=9)
            ax[l, j].legend(fontsize=7)
            ax[l, j].set_xlabel("staleness (versions)")
            ax[l, j].set_ylabel("fraction of updates")
    fig.suptitle(f"staleness of the updates, {rep['machine']}")
    save(fig, f"staleness_{rep['machine']}.png")
    return files
