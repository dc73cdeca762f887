"""SimPy processes and the compiled kernel on one integer-picosecond clock."""
import numpy as np
import pytest

import pingpong_model
from eventsim import Environment, Kernel, ScheduleError


def pingpong(hits, period_ps=1_000):
    k = Kernel(record_events=True)
    st = pingpong_model.new_state(period_ps)
    st.ids[0] = k.add_kind("hit", pingpong_model.hit, st)
    st.rows[0] = k.ledger.add_action("left", "hit")
    st.rows[1] = k.ledger.add_action("right", "hit")
    if hits is not None:
        k.schedule(0, 0, target=0, payload=hits)
    return k, st


def test_hand_built_interleaving_follows_one_global_time_order():
    # kernel: hits at 0, 1000, ..., 5000 (player 0 at even thousands, 1 at odd)
    # SimPy: wakes at 2500 (timeout), schedules a hit for player 1 at 2500 + 0 with 0 hits left,
    # waits for player 1's next hit (3000), then for the left row to reach 3 hits (4000).
    k, st = pingpong(hits=5)
    env = Environment(k)
    seen = []

    def controller(env):
        yield env.timeout(2_500)
        seen.append(("timeout", env.now, k.events_processed))
        env.schedule_kernel(0, 0, target=1, payload=0)
        t = yield env.kernel_event(0, target=1)
        seen.append(("player 1 hit", t, env.now, k.events_processed))
        t = yield env.counter_reached(int(st.rows[0]), 3)
        seen.append(("left has 3", t, env.now, k.events_processed))

    env.process(controller(env))
    env.run(until=10_000)
    assert seen == [("timeout", 2_500, 3),
                    ("player 1 hit", 2_500, 2_500, 4),
                    ("left has 3", 4_000, 4_000, 6)]
    assert k.event_log()["time_ps"].tolist() == [0, 1_000, 2_000, 2_500, 3_000, 4_000, 5_000]
    assert k.now_ps == env.now == 10_000


def test_at_equal_times_simpy_events_come_before_kernel_events():
    k, st = pingpong(hits=None)
    env = Environment(k)
    k.schedule(1_000, 0, target=0, payload=0)
    order = []

    def proc(env):
        yield env.timeout(1_000)
        order.append(("simpy", env.now, int(st.hits.sum())))

    env.process(proc(env))
    env.run(until=2_000)
    assert order == [("simpy", 1_000, 0)] and st.hits.sum() == 1


def test_run_until_leaves_events_at_the_until_time_for_later():
    k, st = pingpong(hits=10)
    env = Environment(k)
    env.run(until=3_000)
    assert st.hits.sum() == 3 and k.now_ps == 3_000
    env.run(until=3_001)
    assert st.hits.sum() == 4


def test_without_simpy_events_the_kernel_runs_to_its_end():
    k, st = pingpong(hits=4)
    env = Environment(k)
    env.run()
    assert st.hits.sum() == 5 and k.now_ps == 4_000


def test_kernel_event_for_any_target_fires_on_the_first_match():
    k, st = pingpong(hits=6)
    env = Environment(k)
    times = []

    def proc(env):
        for _ in range(3):
            times.append((yield env.kernel_event(0)))

    env.process(proc(env))
    env.run(until=100_000)
    # each wait re-arms after a wake-up, at the same time, so it sees the next hit
    assert times == [0, 1_000, 2_000]


def test_a_counter_already_reached_fires_at_once():
    k, st = pingpong(hits=3)
    k.run_until(2_500)
    env = Environment(k)
    got = []

    def proc(env):
        got.append((yield env.counter_reached(int(st.rows[0]), 2)))

    env.process(proc(env))
    env.run(until=2_600)
    assert got == [2_500]


def test_simpy_timeouts_take_integer_picoseconds():
    env = Environment(pingpong(hits=1)[0])
    with pytest.raises(ScheduleError, match=r"integer number of picoseconds, got 1.5"):
        env.timeout(1.5)
    with pytest.raises(ScheduleError, match=r"must be >= 0, got -2"):
        env.timeout(-2)
    with pytest.raises(ScheduleError, match=r"until must be an integer"):
        env.run(until=2.5)


def test_waiting_on_an_unknown_kind_or_row_is_an_error():
    env = Environment(pingpong(hits=1)[0])
    with pytest.raises(ScheduleError, match="unknown event kind 3"):
        env.kernel_event(3)
    with pytest.raises(ScheduleError, match="unknown ledger row 9"):
        env.counter_reached(9, 1)


def test_many_processes_interleave_deterministically():
    def run():
        k, st = pingpong(hits=200, period_ps=100)
        env = Environment(k)
        log = []

        def proc(env, i):
            for _ in range(5):
                yield env.timeout(37 * (i + 1))
                log.append((env.now, i, int(st.hits.sum())))
                t = yield env.kernel_event(0, target=i % 2)
                log.append((t, i, "hit"))

        for i in range(4):
            env.process(proc(env, i))
        env.run(until=50_000)
        return log, k.event_log()

    (a, la), (b, lb) = run(), run()
    assert a == b and np.array_equal(la, lb)
    times = [x[0] for x in a]
    assert len(a) == 40
    # the kernel's log is in time order, and SimPy never saw a time go backwards
    assert np.all(np.diff(la["time_ps"]) >= 0)
    assert times == sorted(times)
