"""A recurrent LIF network on SANA-FE's bundled Loihi architecture (sanafe/examples/loihi.yaml),
run in the sanafe peer environment; prints one JSON line, writes the full record to ``--out``.

    python sanafe_loihi.py NETWORK.npz --out OUT.json [--steps 1000] [--timing detailed]

NETWORK.npz: n; pre, post, weight (one per synapse; a spike of step t reaches its target's
soma in step t + 1); bias (per neuron); threshold, reset, leak_decay, input_decay,
refractory_delay (scalars; hard reset); sanafe_core (SANA-FE core id 0..127 of each neuron,
mapped in id order). The soma is SANA-FE's ``loihi_lif``, the dendrite ``loihi_dendrites``,
the synapse ``loihi_dense_synapse``. SANA-FE's Python API stores floats as float32: use
float32-exact values.

OUT.json: version, spikes (per step, the ids that fired), time per step (s), energy by part
(J: total, synapse, dendrite, soma, network), per-step energy, totals (messages, synaptic
events), and the costs of the architecture file.
"""
import argparse
import importlib.metadata
import json
import time
from importlib.resources import files

import numpy as np
import sanafe
import yaml


def build(arch, net):
    n = int(net["n"])
    network = sanafe.Network()
    group = network.create_neuron_group(
        "net", n, model_attributes={"reset_mode": "hard"}, log_spikes=True,
        soma_hw_name="loihi_lif", default_dendrite_hw_name="loihi_dendrites",
        default_synapse_hw_name="loihi_dense_synapse")
    common = {"threshold": float(net["threshold"]), "reset": float(net["reset"]),
              "leak_decay": float(net["leak_decay"]), "input_decay": float(net["input_decay"]),
              "refractory_delay": int(net["refractory_delay"])}
    bias = np.asarray(net["bias"], float).tolist()
    for i, neuron in enumerate(group):
        neuron.set_attributes(model_attributes={**common, "bias": bias[i]})
    pairs = list(zip(np.asarray(net["pre"]).tolist(), np.asarray(net["post"]).tolist()))
    if pairs:
        group.connect_neurons_sparse(group, {"weight": np.asarray(net["weight"], float).tolist()},
                                     pairs)
    cores = arch.cores()
    for i, neuron in enumerate(group):
        neuron.map_to_core(cores[int(net["sanafe_core"][i])])
    return network


def costs(path):
    with open(path) as f:
        arch = yaml.safe_load(f)["architecture"]
    tile = arch["tile"][0]
    core = tile["core"][0]
    out = {"noc": arch["attributes"], "tile": tile["attributes"], "core": core["attributes"]}
    for part in ("axon_in", "soma", "dendrite", "synapse", "axon_out"):
        out[part] = {u["name"]: u["attributes"] for u in core[part]
                     if not u["name"].startswith("loihi_inputs")}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("network")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--timing", default="detailed", choices=("simple", "detailed"))
    a = ap.parse_args()
    net = dict(np.load(a.network))
    arch_file = str(files("sanafe.examples") / "loihi.yaml")
    t0 = time.perf_counter()
    arch = sanafe.load_arch(arch_file)
    chip = sanafe.SpikingChip(arch)
    chip.load(build(arch, net))
    t1 = time.perf_counter()
    res = chip.sim(a.steps, timing_model=a.timing, processing_threads=1, scheduler_threads=0,
                   spike_trace=True, perf_trace=True)
    t2 = time.perf_counter()
    perf = res["perf_trace"]
    doc = {"version": importlib.metadata.version("sanafe"), "arch_file": arch_file,
           "timing_model": a.timing, "steps": a.steps, "n": int(net["n"]),
           "spikes": [sorted(int(s.neuron_offset) for s in step) for step in res["spike_trace"]],
           "time_per_step_s": [float(x) for x in perf["sim_time"]],
           "energy_j": {k: float(v) for k, v in res["energy"].items()},
           "energy_per_step_j": {k: [float(x) for x in perf[k + "_energy"]]
                                 for k in ("total", "synapse", "dendrite", "soma", "network")},
           "messages": int(res["packets_sent"]), "synaptic_events": int(res["spikes"]),
           "hops_per_step": [int(x) for x in perf["hops"]],
           "costs": costs(arch_file), "build_s": t1 - t0, "sim_s": t2 - t1}
    with open(a.out, "w") as f:
        json.dump(doc, f)
    print(json.dumps({k: doc[k] for k in ("version", "n", "steps", "messages",
                                           "synaptic_events", "build_s", "sim_s")}))


if __name__ == "__main__":
    main()
