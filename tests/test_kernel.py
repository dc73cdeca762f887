"""The compiled kernel: composition of independent handler sets, order, errors, determinism."""
import numpy as np
import pytest
from numba import njit

import arrivals_model
import pingpong_model
from eventsim import ConfigError, Kernel, KernelError, ScheduleError
from eventsim.bench.phold import PholdPoint, build_kernel


def pingpong_kernel(hits=10, period_ps=1_000, **options):
    k = Kernel(seed=3, **options)
    st = pingpong_model.new_state(period_ps)
    kid = k.add_kind("hit", pingpong_model.hit, st, max_pushes=1)
    st.ids[0] = kid
    st.ids[1] = k.trace.label("hit")
    st.rows[0] = k.ledger.add_action("left", "hit", energy_pj=1.5, busy_ps=10)
    st.rows[1] = k.ledger.add_action("right", "hit", energy_pj=2.0, busy_ps=20)
    st.ids[2], st.ids[3] = k.components.id("left"), k.components.id("right")
    k.schedule(0, kid, target=0, payload=hits)
    return k, st


def queueing_kernel(seed=5, **options):
    k = Kernel(seed=seed, **options)
    st = arrivals_model.new_state(mean_gap_ps=2_000.0, service_ps=1_500)
    st.ids[0] = k.add_kind("arrive", arrivals_model.arrive, st, max_pushes=2)
    st.ids[1] = k.add_kind("depart", arrivals_model.depart, st, max_pushes=1)
    k.ledger.add_action("server", "serve", energy_pj=3.0)
    st.ids[2] = k.components.id("server")
    st.ids[3] = k.trace.label("waiting")
    k.schedule(0, st.ids[0], target=0)
    return k, st


def test_pingpong_handler_set_runs_its_hand_computed_schedule():
    k, st = pingpong_kernel(hits=10, period_ps=1_000, record_events=True)
    k.run_until(1_000_000)
    log = k.event_log()
    assert log["time_ps"].tolist() == [1_000 * i for i in range(11)]
    assert log["target"].tolist() == [i % 2 for i in range(11)]
    assert st.hits.tolist() == [6, 5]
    assert k.ledger.to_dict(k.now_ps)["totals"]["energy_pj"] == 6 * 1.5 + 5 * 2.0


def test_queueing_handler_set_conserves_customers():
    k, st = queueing_kernel()
    k.run_until(10_000_000)
    assert st.served[0] + st.waiting[0] > 1000
    assert st.served[0] == k.ledger.arrays.count[0]
    # every arrival except the pending next one was handled: pending = next arrival + next departure
    assert k.pending == 1 + (1 if st.waiting[0] > 0 else 0)


def test_two_handler_sets_share_nothing_but_the_kernel_api():
    k1, s1 = pingpong_kernel(hits=4)
    k2, s2 = queueing_kernel()
    k1.run_until(100_000)
    k2.run_until(100_000)
    assert s1.hits.sum() == 5 and s2.served[0] > 0
    assert k1._loop is not k2._loop


def test_run_until_handles_events_strictly_before_the_stop_time():
    k, st = pingpong_kernel(hits=10, period_ps=1_000)
    k.run_until(3_000)
    assert st.hits.sum() == 3 and k.now_ps == 3_000
    k.run_until(3_001)
    assert st.hits.sum() == 4


def test_equal_times_leave_by_priority_then_insertion_order():
    k = Kernel(record_events=True)
    st = pingpong_model.new_state()
    kid = k.add_kind("hit", pingpong_model.hit, st)
    st.rows[:] = k.ledger.add_action("p", "hit")
    k.schedule(5, kid, target=1, payload=0, priority=0)
    k.schedule(5, kid, target=0, payload=0, priority=0)
    k.schedule(5, kid, target=1, payload=0, priority=-3)
    k.schedule(4, kid, target=0, payload=0, priority=9)
    k.run()
    log = k.event_log()
    assert list(zip(log["time_ps"].tolist(), log["target"].tolist())) == [(4, 0), (5, 1), (5, 1), (5, 0)]


def test_queue_grows_during_a_run_without_losing_events():
    k, st = queueing_kernel(queue_capacity=1)
    k.run_until(1_000_000)
    assert k.queue_capacity > 1
    assert st.served[0] + st.waiting[0] >= 400


def test_same_seed_gives_identical_event_logs_with_and_without_tracing():
    p = PholdPoint(n_lp=16, events_per_lp=4, target_events=5_000)
    logs = []
    for trace in (False, True, False):
        k = build_kernel(p, seed=11, record_events=True, trace=trace)
        k.run_until(p.end_ps)
        logs.append(k.event_log())
    assert len(logs[0]) > 4_000
    assert np.array_equal(logs[0], logs[1]) and np.array_equal(logs[0], logs[2])


def test_different_seeds_give_different_runs():
    p = PholdPoint(n_lp=16, events_per_lp=4, target_events=2_000)
    a, b = (build_kernel(p, seed=s, record_events=True) for s in (1, 2))
    a.run_until(p.end_ps)
    b.run_until(p.end_ps)
    assert not np.array_equal(a.event_log(), b.event_log())


def test_every_scheduled_event_is_handled_or_still_pending():
    k, st = queueing_kernel()
    for t in (1_000, 50_000, 2_000_000):
        k.run_until(t)
        assert k.events_scheduled == k.events_processed + k.pending
    assert k.events_processed > 100


def test_phold_keeps_its_pending_population():
    p = PholdPoint(n_lp=32, events_per_lp=8, target_events=20_000)
    k = build_kernel(p, seed=2)
    k.run_until(p.end_ps)
    assert k.pending == p.pending
    assert k._state_given[0].handled.sum() == k.events_processed


@pytest.mark.parametrize("case, message", [
    (0, r"in the past: time_ps = 999 < now = 1000 ps"),
    (1, r"delay_ps must be >= 0, got -5"),
    (2, r"unknown event kind 99"),
    (3, r"scheduled more than its declared max_pushes = 2"),
    (4, r"overflows int64 picoseconds"),
    (5, r"priority 100 outside -64..63"),
])
def test_bad_schedules_from_a_handler_raise_naming_the_value(case, message):
    k = Kernel()
    k.add_kind("misbehave", pingpong_model.misbehave, np.zeros(1), max_pushes=2)
    k.schedule(1_000, 0, target=case)
    with pytest.raises((ScheduleError, KernelError), match=message):
        k.run_until(10_000)


@pytest.mark.parametrize("kwargs, message", [
    (dict(time_ps=-1, kind=0), r"time_ps must be >= 0, got -1"),
    (dict(time_ps=1.5, kind=0), r"integer number of picoseconds, got 1.5"),
    (dict(time_ps=float("nan"), kind=0), r"got NaN"),
    (dict(time_ps=2**63, kind=0), r"overflows int64"),
    (dict(time_ps=0, kind=7), r"unknown event kind: kind = 7, allowed 0..0"),
    (dict(time_ps=0, kind=0, priority=64), r"priority out of range: priority = 64"),
])
def test_bad_schedules_from_python_raise_naming_the_value(kwargs, message):
    k, _ = pingpong_kernel()
    with pytest.raises(ScheduleError, match=message):
        k.schedule(**kwargs)


def test_scheduling_before_now_from_python_is_refused():
    k, _ = pingpong_kernel()
    k.run_until(5_000)
    with pytest.raises(ScheduleError, match=r"time_ps = 4999 < now = 5000"):
        k.schedule(4_999, 0)
    with pytest.raises(ScheduleError, match=r"delay_ps must be >= 0, got -1"):
        k.schedule_in(-1, 0)
    with pytest.raises(ScheduleError, match=r"before now = 5000"):
        k.run_until(10)


def test_a_handler_must_be_compiled():
    k = Kernel()
    with pytest.raises(ConfigError, match="must be a numba.njit function"):
        k.add_kind("plain", lambda *a: None, np.zeros(1))


def test_kind_names_are_unique_and_fixed_after_compiling():
    k, _ = pingpong_kernel()
    with pytest.raises(ConfigError, match="new non-empty string, got 'hit'"):
        k.add_kind("hit", pingpong_model.hit, np.zeros(1))
    k.compile()
    with pytest.raises(ConfigError, match="already compiled"):
        k.add_kind("other", pingpong_model.hit, np.zeros(1))


def test_a_state_numba_cannot_type_is_refused():
    k = Kernel()
    with pytest.raises(ConfigError, match="state must be Numba-typable"):
        k.add_kind("x", pingpong_model.hit, object())


def test_handlers_not_importable_by_name_still_run():
    k = Kernel()

    @njit
    def inner(t_ps, target, payload, state, ctx):
        state[0] += payload

    st = np.zeros(1, np.int64)
    k.add_kind("inner", inner, st)
    k.schedule(1, 0, payload=7)
    k.run()
    assert st[0] == 7 and k.now_ps == 1


def test_float_payloads_round_trip_bit_for_bit():
    import struct
    from eventsim import float_to_payload, payload_to_float
    for x in (1.5, -0.0, 3.141592653589793, 1e300, 5e-324, float("nan"), float("-inf")):
        p = int(float_to_payload(x))
        assert p == struct.unpack("<q", struct.pack("<d", x))[0]
        assert struct.pack("<d", payload_to_float(p)) == struct.pack("<d", x)


def test_a_loop_compiled_for_the_first_time_says_so_with_its_time(capsys):
    k = Kernel()

    @njit
    def fresh(t_ps, target, payload, state, ctx):      # not importable: never cached
        state[0] += 1

    k.add_kind("fresh", fresh, np.zeros(1, np.int64))
    seconds = k.compile(announce="the test kernels")
    assert capsys.readouterr().err.splitlines() == [
        "preparing the test kernels (compiled on their first run, then loaded from the kernel "
        "cache) ...", f"... compiled in {seconds:.1f} s"]


def test_a_loop_this_process_has_compiled_is_not_announced_again(capsys):
    pingpong_kernel()[0].compile(announce="pingpong")
    capsys.readouterr()
    again, _ = pingpong_kernel()
    again.compile(announce="pingpong")
    again.run()
    assert capsys.readouterr().err == ""


def test_a_loop_compiled_without_an_announcement_is_silent(capsys):
    k = Kernel()

    @njit
    def quiet(t_ps, target, payload, state, ctx):
        state[0] += 1

    k.add_kind("quiet", quiet, np.zeros(1, np.int64))
    k.compile()
    assert capsys.readouterr().err == ""
