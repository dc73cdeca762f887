"""Injected worker delays (networks.learning.delays, train(..., delays=)): no delay is today's
run bit for bit, a straggler holds up every synchronous step by exactly its delays (hand-computed
picoseconds), asynchronous threads go on without it, the draws come from the documented streams,
and bad settings are named."""
import hashlib

import numpy as np
import pytest

from eventsim.errors import ConfigError
from hardware_models.lowering import lower
from hardware_models.presets import preset
from networks.learning import WorkerDelays, init_mlp, synthetic, train
from networks.learning.delays import DELAY_STREAM

# cpu_multicore (hardware_models/presets/cpu_multicore.toml): flop = 0.0625 cycles at 2.45 GHz
FLOP_CYCLES, CLOCK_HZ = 0.0625, 2.45e9
D = 1_000_000                                  # 1 us, the constant delay of the hand-built runs


@pytest.fixture(scope="module")
def cpu():
    ir = lower(preset("cpu_multicore"))
    a = ir.action("flop")
    assert ir.action_cycles[0, a] == FLOP_CYCLES and ir.core_clock_hz[0] == CLOCK_HZ
    return ir


@pytest.fixture(scope="module")
def small():
    return synthetic(200, 8, 3, seed=1)            # 150 train, 50 test


@pytest.fixture(scope="module")
def one_batch():
    return synthetic(80, 8, 3, seed=1)             # 60 train: one minibatch of 60


def flop_ps(flops):
    return round(flops * FLOP_CYCLES * 1e12 / CLOCK_HZ)


def fingerprint(res):
    """(elapsed_ps, the first 16 hex digits of sha256 over the parameters and the busy rows)."""
    h = hashlib.sha256()
    for p in res.model.params:
        for k in sorted(p):
            h.update(p[k].tobytes())
    for k in ("thread", "start_ps", "end_ps", "kind", "layer"):
        h.update(res.busy[k].tobytes())
    return res.elapsed_ps, h.hexdigest()[:16]


# ---------------------------------------------------------------- no delay = today's runs

# Recorded with the code before delays existed (commit 239f2f2): MLP [8, 16, 3] (seed 2) on
# synthetic(200, 8, 3, seed=1), 2 epochs, batch 16, seed 5, eval_every 3, memory chip0.l3.
TODAY = {("sync", 2): (4731878, "398cefe611482068"),
         ("hogwild", 3): (2582967, "3c87d7052f8cfe9d"),
         ("layerwise-async", 3): (3148783, "6870722d74fd3ad4")}


@pytest.mark.parametrize("method, threads", list(TODAY))
@pytest.mark.parametrize("delays", [None, WorkerDelays(), WorkerDelays("exponential", 0),
                                    WorkerDelays("constant", 0, per="thread")])
def test_no_delay_gives_todays_run_time_for_time(cpu, small, method, threads, delays):
    extra = {"fwd_bwd_ratio": (1, 2)} if method == "layerwise-async" else {}
    res = train(method, init_mlp([8, 16, 3], seed=2), small, cpu, threads=threads, epochs=2,
                batch_size=16, seed=5, eval_every=3, delays=delays, **extra)
    assert fingerprint(res) == TODAY[(method, threads)]
    assert res.delays["thread"].size == 0
    assert all(t["delay_ps"] == 0 and t["delay_count"] == 0 for t in res.threads)


# ---------------------------------------------------------------- sync waits for its slowest

# MLP [8, 3] (one read-out layer), one minibatch of 60 cut into two shards of 30 on threads 0
# and 1 (cores 0 and 1), compute only. FLOPs: forward per shard 2*30*8*3 + 30*3 = 1530,
# backward (no grad_in, linear) 1440 + 90 = 1530, all-reduce of N = 27 parameters over K = 2:
# (K-1) ceil(N/K) = 14 per thread, update (thread 0) 4*27 = 108.
F, A, U = flop_ps(1530), flop_ps(14), flop_ps(108)


def _sync_run(cpu, one_batch, delays):
    return train("sync", init_mlp([8, 3], seed=2), one_batch, cpu, threads=2, epochs=1,
                 batch_size=60, memory=None, static_power=False, delays=delays)


def test_a_delayed_shard_thread_delays_the_whole_sync_step(cpu, one_batch):
    assert (F, A, U) == (39031, 357, 2755)
    assert _sync_run(cpu, one_batch, None).elapsed_ps == 2 * F + A + U == 81174
    res = _sync_run(cpu, one_batch, WorkerDelays("constant", D, threads=(1,)))
    # thread 1 waits D before its forward, its backward and its all-reduce part; thread 0
    # waits at both barriers for it: the all-reduce starts at 2D + 2F, the update at 3D + 2F + A
    starts = {(int(t), int(k)): int(s) for t, k, s in
              zip(res.busy["thread"], res.busy["kind"], res.busy["start_ps"])}
    assert starts[(1, 0)] == D and starts[(1, 1)] == 2 * D + F
    assert starts[(0, 3)] == 2 * D + 2 * F and starts[(1, 3)] == 3 * D + 2 * F
    assert starts[(0, 2)] == 3 * D + 2 * F + A
    assert res.elapsed_ps == 3 * D + 2 * F + A + U == 3_081_174


def test_delays_of_thread_0_delay_the_update_too(cpu, one_batch):
    res = _sync_run(cpu, one_batch, WorkerDelays("constant", D, threads=(0,)))
    # forward, backward, all-reduce part and the update of thread 0 each wait D
    assert res.elapsed_ps == 4 * D + 2 * F + A + U
    assert [(t["delay_ps"], t["delay_count"]) for t in res.threads] == [(4 * D, 4), (0, 0)]


def test_delays_are_recorded_per_thread_and_are_not_busy_time(cpu, one_batch):
    res = _sync_run(cpu, one_batch, WorkerDelays("constant", D, threads=(1,)))
    assert res.delays["thread"].tolist() == [1, 1, 1]
    assert res.delays["start_ps"].tolist() == [0, D + F, 2 * D + 2 * F]
    assert res.delays["end_ps"].tolist() == [D, 2 * D + F, 3 * D + 2 * F]
    assert res.delays["kind"].tolist() == [0, 1, 3]          # forward, backward, all-reduce
    assert [t["delayed"] for t in res.threads] == [False, True]
    assert res.threads[1]["delay_ps"] == 3 * D and res.threads[1]["delay_count"] == 3
    assert res.busy_ps().tolist() == [2 * F + A + U, 2 * F + A]
    assert res.to_dict()["delays"]["end_ps"] == [D, 2 * D + F, 3 * D + 2 * F]


# ---------------------------------------------------------------- asynchronous threads go on

def test_hogwild_threads_do_not_wait_for_a_straggler(cpu, one_batch):
    # batch 10: 6 minibatches. FLOPs per minibatch: forward 2*10*8*3 + 10*3 = 510, backward
    # 480 + 30 = 510, update 108. Thread 1 waits 1 ms before each of its 3 items: it finishes
    # the first minibatch it took; thread 0 runs the other 5 back to back.
    slow = 1_000_000_000
    res = train("hogwild", init_mlp([8, 3], seed=2), one_batch, cpu, threads=2, epochs=1,
                batch_size=10, memory=None, delays=WorkerDelays("constant", slow, threads=(1,)))
    f, u = flop_ps(510), flop_ps(108)
    updates = res.busy["kind"] == 2
    assert np.bincount(res.busy["thread"][updates]).tolist() == [5, 1]
    zero = res.busy["thread"] == 0
    assert res.busy["end_ps"][zero].max() == 5 * (2 * f + u)        # no gap on thread 0
    assert res.elapsed_ps == 3 * slow + 2 * f + u


# ---------------------------------------------------------------- the draws

def _stream(seed, thread):
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DELAY_STREAM, thread)))


@pytest.mark.parametrize("kind", ["exponential", "uniform"])
def test_per_item_delays_are_the_threads_own_stream(cpu, small, kind):
    mean = 20_000
    res = train("hogwild", init_mlp([8, 16, 3], seed=2), small, cpu, threads=2, epochs=1,
                batch_size=16, seed=7, delays=WorkerDelays(kind, mean))
    for thread in (0, 1):
        rng = _stream(7, thread)
        mine = res.delays["thread"] == thread
        got = (res.delays["end_ps"] - res.delays["start_ps"])[mine]
        draw = rng.exponential if kind == "exponential" else \
            (lambda m: rng.uniform(0.0, 2.0 * m))
        want = [int(np.rint(draw(mean))) for _ in range(got.size)]
        assert got.tolist() == want
        assert res.threads[thread]["delay_ps"] == sum(want)
        assert res.threads[thread]["delay_count"] == got.size > 20


def test_per_thread_delays_draw_once_per_thread(cpu, small):
    res = train("hogwild", init_mlp([8, 16, 3], seed=2), small, cpu, threads=3, epochs=1,
                batch_size=16, seed=7, delays=WorkerDelays("exponential", 20_000, per="thread",
                                                           seed=11))
    for thread in range(3):
        once = int(np.rint(_stream(11, thread).exponential(20_000)))
        mine = res.delays["thread"] == thread
        assert set((res.delays["end_ps"] - res.delays["start_ps"])[mine].tolist()) == {once}


def test_fraction_delays_ceil_fraction_of_the_threads_drawn_from_the_seed():
    chosen = np.random.default_rng(np.random.SeedSequence(3, spawn_key=(DELAY_STREAM,))).choice(
        10, 7, replace=False)
    assert WorkerDelays("constant", 5, fraction=0.7).delayed_threads(10, 3) == \
        tuple(sorted(int(t) for t in chosen))
    assert len(WorkerDelays("constant", 5, fraction=0.25).delayed_threads(6, 0)) == 2
    assert WorkerDelays("constant", 5).delayed_threads(4, 0) == (0, 1, 2, 3)


def test_same_seed_same_delays_and_the_delay_seed_changes_them(cpu, small):
    def run(delay_seed):
        return train("layerwise-async", init_mlp([8, 16, 3], seed=2), small, cpu, threads=3,
                     fwd_bwd_ratio=(1, 2), epochs=1, batch_size=16, seed=5,
                     delays=WorkerDelays("exponential", 30_000, seed=delay_seed))
    a, b, c = run(None), run(None), run(9)
    strip = lambda d: {k: v for k, v in d.items() if k not in ("wall_s", "compile_s")}  # noqa
    assert strip(a.to_dict()) == strip(b.to_dict())
    assert a.delays["end_ps"].tolist() != c.delays["end_ps"].tolist()
    assert a.config["delays"] == {"kind": "exponential", "mean_ps": 30_000, "per": "item",
                                  "threads": None, "fraction": None, "seed": None}


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "gamma"}, r"delays.kind must be one of .*'exponential'.*got 'gamma'"),
    ({"kind": "constant", "mean_ps": -1}, r"delays.mean_ps must be >= 0, got -1"),
    ({"kind": "constant", "mean_ps": 1.5}, r"delays.mean_ps must be an integer >= 0, got 1.5"),
    ({"kind": "none", "mean_ps": 10}, r"delays.mean_ps must be 0 for kind 'none', got 10"),
    ({"per": "pass"}, r"delays.per must be one of \('item', 'thread'\), got 'pass'"),
    ({"threads": (1, 1)}, r"delays.threads must be distinct thread indices"),
    ({"threads": (-1,)}, r"delays.threads\[0\] must be >= 0, got -1"),
    ({"fraction": 0.0}, r"delays.fraction must be a number in \(0, 1\], got 0.0"),
    ({"threads": (0,), "fraction": 0.5}, r"give threads or fraction, not both"),
    ({"seed": -2}, r"delays.seed must be >= 0, got -2"),
])
def test_bad_delays_are_named(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        WorkerDelays(**kwargs)


def test_delayed_threads_must_exist_in_the_run(cpu, small):
    with pytest.raises(ConfigError, match=r"delays.threads must be thread indices 0..1 of the "
                                          r"run's 2 threads, got \[2\]"):
        train("hogwild", init_mlp([8, 16, 3], seed=2), small, cpu, threads=2,
              delays=WorkerDelays("constant", 5, threads=(2,)))
    with pytest.raises(ConfigError, match="delays must be a WorkerDelays or None, got dict"):
        train("hogwild", init_mlp([8, 16, 3], seed=2), small, cpu, delays={"kind": "none"})
