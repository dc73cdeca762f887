"""Training on modelled threads (networks.learning.schedule): every method reduces to plain SGD
with one thread, hand-built schedules give hand-computed staleness and times, runs repeat bit
for bit, energies come from the ledger, bad configurations are named."""
import json
import math

import numpy as np
import pytest

from eventsim.errors import ConfigError
from hardware_models.lowering import lower
from hardware_models.presets import preset
from networks.learning import (METHODS, init_mlp, staleness_summary, synthetic, train,
                               train_sgd)

# cpu_multicore (hardware_models/presets/cpu_multicore.toml): flop = 0.0625 cycles at 2.45 GHz,
# 55.8 pJ; the first memory is chip0.l3.
FLOP_CYCLES, CLOCK_HZ, FLOP_PJ = 0.0625, 2.45e9, 55.8


@pytest.fixture(scope="module")
def cpu():
    ir = lower(preset("cpu_multicore"))
    a = ir.action("flop")
    assert ir.action_cycles[0, a] == FLOP_CYCLES and ir.core_clock_hz[0] == CLOCK_HZ
    assert ir.action_energy_pj[0, a] == FLOP_PJ
    return ir


@pytest.fixture(scope="module")
def data():
    return synthetic(200, 8, 3, seed=1)          # 150 train, 50 test


def flop_ps(flops):
    return round(flops * FLOP_CYCLES * 1e12 / CLOCK_HZ)


def same_params(a, b):
    return all(np.array_equal(pa[k], pb[k]) for pa, pb in zip(a.params, b.params) for k in pa)


# ---------------------------------------------------------------- one thread = plain SGD

@pytest.mark.parametrize("method, kwargs", [
    ("sync", {"threads": 1}),
    ("hogwild", {"threads": 1}),
    # layerwise-async needs a forward and a backward thread; with a strict hand-off (one
    # minibatch in flight) it is plain SGD
    ("layerwise-async", {"threads": 2, "fwd_bwd_ratio": (1, 1), "max_in_flight": 1}),
])
def test_with_one_thread_every_method_is_plain_sgd_bit_for_bit(cpu, data, method, kwargs):
    model = init_mlp([8, 16, 12, 3], seed=2)
    ref = train_sgd(model, data, epochs=2, batch_size=16, lr=0.05, momentum=0.9, seed=3)
    res = train(method, model, data, cpu, epochs=2, batch_size=16, lr=0.05, momentum=0.9,
                seed=3, eval_every=10, **kwargs)
    assert same_params(res.model, ref.model)
    assert res.final_accuracy == ref.test_accuracy[-1]
    assert all((s == 0).all() for s in res.staleness)
    assert [len(s) for s in res.staleness] == [20, 20, 20]       # 10 batches x 2 epochs
    # the evaluation after each epoch is train_sgd's test accuracy after that epoch
    by_epoch = {e["epoch"]: e["accuracy"] for e in res.evaluations}
    assert [by_epoch[1.0], by_epoch[2.0]] == ref.test_accuracy


def test_sync_with_k_threads_gives_the_mean_gradient(cpu, data):
    model = init_mlp([8, 16, 3], seed=2)
    ref = train_sgd(model, data, epochs=1, batch_size=16, lr=0.05, momentum=0.9, seed=3)
    res = train("sync", model, data, cpu, threads=4, epochs=1, batch_size=16, lr=0.05,
                momentum=0.9, seed=3)
    for pa, pb in zip(res.model.params, ref.model.params):
        for k in pa:
            np.testing.assert_allclose(pa[k], pb[k], rtol=1e-12, atol=1e-12)
    one = train("sync", model, data, cpu, threads=1, epochs=1, batch_size=16, seed=3)
    assert res.elapsed_ps < one.elapsed_ps
    assert (res.busy["kind"] == 3).sum() == 4 * 10            # an all-reduce per thread per batch


# ---------------------------------------------------------------- hand-built schedules

def test_two_hogwild_threads_with_equal_work_give_the_hand_computed_staleness(cpu):
    # 8 -> 6 (relu) -> 3, batch 10, no memory traffic: every pass takes the same time on both
    # threads (cores 0 and 1). FLOPs: fwd0 2*10*8*6 + 10*6*2 = 1080, fwd1 2*10*6*3 + 10*3 = 390,
    # bwd1 360 + 30 + 360 = 750, bwd0 60 + 960 + 60 = 1080, upd1 4*21 = 84, upd0 4*54 = 216.
    data = synthetic(80, 8, 3, seed=1)                      # 60 train: 6 batches of 10
    model = init_mlp([8, 6, 3], seed=2)
    res = train("hogwild", model, data, cpu, threads=2, epochs=1, batch_size=10, memory=None)
    f0, f1, b1, b0, u1, u0 = (flop_ps(n) for n in (1080, 390, 750, 1080, 84, 216))
    assert (f0, f1, b1, b0, u1, u0) == (27551, 9949, 19133, 27551, 2143, 5510)
    t_u1 = f0 + f1 + b1 + b0 + u1
    period = t_u1 + u0
    # both threads finish each update at the same instant; thread 0 is handled first.
    # Layer 1 (read after fwd0, when both round-r updates are in): staleness 0 (thread 0),
    # 1 (thread 1) every round. Layer 0: round 1 reads version 0 on both (0, 1); afterwards
    # thread 0 reads at once after its own update, before thread 1's (version 2r - 1) and
    # thread 1 after both (version 2r), so both write on top of one foreign update: 1, 1.
    assert res.staleness[1].tolist() == [0, 1, 0, 1, 0, 1]
    assert res.staleness[0].tolist() == [0, 1, 1, 1, 1, 1]
    assert res.update_time_ps[1].tolist() == [t_u1, t_u1, t_u1 + period, t_u1 + period,
                                              t_u1 + 2 * period, t_u1 + 2 * period]
    assert res.update_time_ps[0].tolist() == [period, period, 2 * period, 2 * period,
                                              3 * period, 3 * period]
    assert res.elapsed_ps == 3 * period
    summary = res.staleness_summary()
    assert summary["1"] == {"n": 6, "mean": 0.5, "max": 1, "histogram": [3, 3]}
    assert summary["0"] == {"n": 6, "mean": 5 / 6, "max": 1, "histogram": [1, 5]}
    assert res.utilisation().tolist() == [1.0, 1.0]


def test_one_layer_pass_takes_cycles_over_clock_and_energy_is_flops_times_cost(cpu):
    # 8 -> 3 (read-out), one batch of 60: fwd 2*60*8*3 + 60*3 = 3060 flops, bwd (no grad_in)
    # 2880 + 180 = 3060, update 4*27 = 108
    data = synthetic(80, 8, 3, seed=1)
    model = init_mlp([8, 3], seed=2)
    res = train("sync", model, data, cpu, epochs=1, batch_size=60, memory=None,
                static_power=False)
    assert res.busy["end_ps"].tolist() == [78061, 156122, 158877]
    assert flop_ps(3060) == 78061 and flop_ps(108) == 2755
    assert res.elapsed_ps == 158877
    assert res.energy_j == pytest.approx((3060 + 3060 + 108) * FLOP_PJ * 1e-12, rel=1e-12)
    assert res.static_energy_j == 0.0


def test_energy_is_the_ledger_sum_and_memory_traffic_is_charged(cpu, data):
    model = init_mlp([8, 16, 3], seed=2)
    res = train("hogwild", model, data, cpu, threads=3, epochs=1, batch_size=16)
    assert res.energy_j > 0 and res.dynamic_energy_j > 0 and res.static_energy_j > 0
    assert res.energy_j == pytest.approx(
        math.fsum(r["energy_pj"] for r in res.ledger_rows) * 1e-12, rel=1e-12)
    assert res.energy_j == pytest.approx(sum(res.energy_by_component_j.values()), rel=1e-12)
    l3 = [r for r in res.ledger_rows if r["component"] == "chip0.l3" and r["action"] == "read"]
    assert l3 and l3[0]["count"] > 0
    # static power: 90 W package + 24 W DRAM over the run
    assert res.static_energy_j == pytest.approx(114.0 * res.elapsed_s, rel=1e-12)


# ---------------------------------------------------------------- determinism and the result

@pytest.mark.parametrize("method, kwargs", [("hogwild", {"threads": 4}),
                                            ("layerwise-async", {"threads": 3,
                                                                 "fwd_bwd_ratio": (1, 2)})])
def test_same_seed_gives_identical_parameters_and_curves(cpu, data, method, kwargs):
    model = init_mlp([8, 16, 3], seed=2)
    a, b = (train(method, model, data, cpu, epochs=2, batch_size=16, seed=5, eval_every=3,
                  **kwargs) for _ in range(2))
    assert same_params(a.model, b.model)
    da, db = a.to_dict(), b.to_dict()
    for d in (da, db):
        d.pop("wall_s"), d.pop("compile_s")
    assert da == db
    assert any((s > 0).any() for s in a.staleness)       # asynchronous: some staleness
    json.dumps(da)                                         # JSON-ready


def test_layerwise_roles_queue_bound_and_curves(cpu, data):
    model = init_mlp([8, 16, 3], seed=2)
    res = train("layerwise-async", model, data, cpu, threads=4, fwd_bwd_ratio=(1, 3),
                epochs=1, batch_size=16, max_in_flight=2, target_accuracy=0.01)
    assert [t["role"] for t in res.threads] == ["forward", "backward", "backward", "backward"]
    assert [t["core"] for t in res.threads] == [0, 1, 2, 3]
    fwd = res.busy["thread"] == 0
    assert (res.busy["kind"][fwd] == 0).all() and (res.busy["kind"][~fwd] != 0).all()
    assert max(int(s.max()) for s in res.staleness) > 0
    # one minibatch in flight: a strict hand-off, whichever backward thread takes it
    strict = train("layerwise-async", model, data, cpu, threads=4, fwd_bwd_ratio=(1, 3),
                   epochs=1, batch_size=16, max_in_flight=1)
    assert all((s == 0).all() for s in strict.staleness)
    assert strict.elapsed_ps > res.elapsed_ps
    assert res.time_to_target_s == 0.0 and res.epochs_to_target == 0.0
    times = [e["time_ps"] for e in res.evaluations]
    assert times == sorted(times) and res.evaluations[-1]["epoch"] == 1.0
    timeline = res.utilisation_timeline(res.elapsed_ps // 4 + 1)
    assert timeline.shape == (4, 4) and (timeline <= 1.0 + 1e-12).all()
    np.testing.assert_allclose(timeline.sum(axis=1) * (res.elapsed_ps // 4 + 1),
                               res.busy_ps(), rtol=1e-12)


@pytest.mark.parametrize("threads, roles", [(3, "FBB"), (6, "FFBBBB")])
def test_the_papers_one_forward_to_two_backward_threads(cpu, data, threads, roles):
    # fwd_bwd_ratio (1, 2) (Fokam et al.: a backward pass costs about two forwards) at a
    # multiple of 3 threads: the first third are forward threads; default max_in_flight is
    # 2 x backward threads; with one minibatch in flight it is plain SGD bit for bit
    model = init_mlp([8, 16, 3], seed=2)
    res = train("layerwise-async", model, data, cpu, threads=threads, fwd_bwd_ratio=(1, 2),
                epochs=1, batch_size=16, seed=3)
    assert "".join(t["role"][0].upper() for t in res.threads) == roles
    assert res.config["fwd_bwd_ratio"] == [1, 2]
    assert res.config["max_in_flight"] == 2 * roles.count("B")
    forward = res.busy["thread"] < roles.count("F")
    assert (res.busy["kind"][forward] == 0).all() and (res.busy["kind"][~forward] != 0).all()
    updates = res.busy["thread"][res.busy["kind"] == 2]
    assert set(updates.tolist()) == set(range(roles.count("F"), threads))  # every B works
    assert [len(s) for s in res.staleness] == [10, 10]          # each minibatch once per layer
    ref = train_sgd(model, data, epochs=1, batch_size=16, lr=0.05, momentum=0.9, seed=3)
    strict = train("layerwise-async", model, data, cpu, threads=threads, fwd_bwd_ratio=(1, 2),
                   max_in_flight=1, epochs=1, batch_size=16, seed=3)
    assert same_params(strict.model, ref.model)


def test_staleness_summary_of_values():
    assert staleness_summary(np.array([0, 2, 2, 1])) == {"n": 4, "mean": 1.25, "max": 2,
                                                         "histogram": [1, 1, 2]}
    assert staleness_summary(np.array([], np.int64))["n"] == 0


# ---------------------------------------------------------------- errors

def test_bad_configurations_are_named(cpu, data):
    model = init_mlp([8, 16, 3], seed=2)
    with pytest.raises(ConfigError, match="method must be one of .*'sync', 'hogwild', "
                                          "'layerwise-async'.*got 'adam'"):
        train("adam", model, data, cpu)
    assert METHODS == ("sync", "hogwild", "layerwise-async")
    with pytest.raises(ConfigError, match="threads must be >= 1, got 0"):
        train("hogwild", model, data, cpu, threads=0)
    with pytest.raises(ConfigError, match="threads must be a multiple of fwd_bwd_ratio 1:2 .*"
                                          "got threads=4"):
        train("layerwise-async", model, data, cpu, threads=4, fwd_bwd_ratio=(1, 2))
    with pytest.raises(ConfigError, match="at least 2.*got threads=1"):
        train("layerwise-async", model, data, cpu, threads=1)
    with pytest.raises(ConfigError, match="fwd_bwd_ratio\\[1\\] must be >= 1, got 0"):
        train("layerwise-async", model, data, cpu, threads=2, fwd_bwd_ratio=(1, 0))
    with pytest.raises(ConfigError, match="apply to method 'layerwise-async' only"):
        train("hogwild", model, data, cpu, threads=2, fwd_bwd_ratio=(1, 1))
    with pytest.raises(ConfigError, match="batch_size must be >= threads, got 4"):
        train("sync", model, data, cpu, threads=8, batch_size=4)
    with pytest.raises(ConfigError, match="memory must be one of \\['chip0.l3', 'chip0.ddr4'\\]"):
        train("sync", model, data, cpu, memory="hbm")
    with pytest.raises(ConfigError, match="model sizes"):
        train("sync", init_mlp([5, 3], seed=0), data, cpu)
