"""The event queue, against heapq as the oracle: order (time, priority, insertion), growth,
degenerate time distributions, errors, and memory for 10 million pending events."""
import heapq

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import queue_fill_model
from eventsim import ScheduleError
from eventsim.event_queue import (EventQueue, check_event_fields, grown, new_queue,
                                  queue_capacity, queue_pop, queue_push,
                                  queue_size)
from eventsim.rng import seed_state
from eventsim.simtime import TIME_MAX_PS

times = st.one_of(st.integers(0, 20), st.integers(0, 10**6), st.integers(0, 2**62))
ops = st.lists(st.one_of(st.tuples(st.just("push"), times, st.integers(-64, 63)),
                         st.tuples(st.just("pop"), st.just(0), st.just(0))), max_size=400)


@settings(max_examples=150)
@given(ops=ops, capacity=st.sampled_from([1, 3, 64]))
def test_pops_match_a_heapq_oracle(ops, capacity):
    q, ref = EventQueue(capacity), []
    for i, (op, t, prio) in enumerate(ops):
        if op == "push":
            seq = q.push(t, kind=i % 7, target=-i, payload=3 * i, priority=prio)
            heapq.heappush(ref, (t, prio, seq, i % 7, -i, 3 * i))
        elif ref:
            assert q.pop() == heapq.heappop(ref)
    while ref:
        assert q.pop() == heapq.heappop(ref)
    assert len(q) == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_a_large_queue_matches_the_oracle_through_heap_and_calendar_modes(seed):
    # grows past HEAP_ONLY_ABOVE (calendar), then drains below HEAP_ONLY_BELOW (heap again)
    rng = np.random.default_rng(seed)
    q, ref, now = EventQueue(16), [], 0
    plan = [0.8] * 20_000 + [0.3] * 30_000
    for i, p_push in enumerate(plan):
        if not ref or rng.random() < p_push:
            t = now + int(rng.choice([0, rng.integers(0, 100), rng.exponential(10**6)]))
            prio = int(rng.integers(-2, 3))
            heapq.heappush(ref, (t, prio, q.push(t, target=i, priority=prio), 0, i, 0))
        else:
            got = q.pop()
            assert got == heapq.heappop(ref)
            now = got[0]
    while ref:
        assert q.pop() == heapq.heappop(ref)


def test_equal_times_and_priorities_leave_first_in_first_out():
    q = EventQueue(4)
    for i in range(100):
        q.push(5, target=i)
    assert [q.pop()[4] for _ in range(100)] == list(range(100))


def test_lower_priority_value_leaves_first_at_equal_times():
    q = EventQueue()
    q.push(5, target=1, priority=3)
    q.push(5, target=2, priority=-3)
    q.push(4, target=3, priority=60)
    assert [q.pop()[4] for _ in range(3)] == [3, 2, 1]


@pytest.mark.parametrize("times", [
    [7] * 500,                                        # all equal
    list(range(0, 5000, 10)) + [2**62] * 3,           # far-future outliers
    [10**15 * i for i in range(300)],                 # huge spread
    [1_000 - i for i in range(500)],                  # descending
])
def test_degenerate_time_distributions_stay_ordered(times):
    q, ref = EventQueue(8), []
    for i, t in enumerate(times):
        heapq.heappush(ref, (t, 0, q.push(t, target=i), 0, i, 0))
    assert [q.pop() for _ in times] == [heapq.heappop(ref) for _ in times]


def test_an_event_earlier_than_everything_pending_comes_out_first():
    q = EventQueue()
    for t in (100, 200, 300, 400):
        q.push(t)
    q.pop()
    q.push(150)       # into the range already being served
    q.push(5)         # earlier than anything, even the last pop
    assert [q.pop()[0] for _ in range(4)] == [5, 150, 200, 300]


def test_peek_reports_the_next_time_or_never():
    q = EventQueue()
    assert q.peek_time() == TIME_MAX_PS
    q.push(42)
    q.push(7)
    assert q.peek_time() == 7 and len(q) == 2


def test_a_full_queue_refuses_and_grows_keeping_every_event():
    s = new_queue(3)
    assert [queue_push(s, t, 0, 0, t, 0) for t in (30, 10, 20)] == [0, 1, 2]
    assert queue_push(s, 5, 0, 0, 5, 0) == -1 and queue_size(s) == 3
    g = grown(s, 10)
    assert queue_capacity(g) == 10 and queue_push(g, 5, 0, 0, 5, 0) == 3
    assert [queue_pop(g)[4] for _ in range(4)] == [5, 10, 20, 30]
    with pytest.raises(ValueError, match="smaller than the 3 pending"):
        grown(s, 2)


def test_growth_keeps_sequence_numbers():
    q = EventQueue(2)
    seqs = [q.push(1, target=i) for i in range(10)]
    assert seqs == list(range(10))
    assert [q.pop()[2] for _ in range(10)] == seqs


@pytest.mark.parametrize("kwargs, message", [
    (dict(priority=64), r"priority out of range: priority = 64, allowed -64..63"),
    (dict(kind=70_000), r"unknown event kind: kind = 70000"),
    (dict(time_ps=2.5), r"integer number of picoseconds, got 2.5"),
    (dict(time_ps=-1), r"time_ps must be >= 0, got -1"),
    (dict(target=2**31), r"target out of range"),
])
def test_bad_fields_are_refused_naming_the_value(kwargs, message):
    fields = dict(time_ps=0, priority=0, kind=0, target=0, payload=0) | kwargs
    with pytest.raises(ScheduleError, match=message):
        check_event_fields(**fields)


def test_popping_an_empty_queue_is_an_error():
    with pytest.raises(IndexError, match="empty event queue"):
        EventQueue().pop()


def test_a_million_events_come_out_in_order():
    q = new_queue(1_000_000)
    assert queue_fill_model.fill_exponential(q, seed_state(3), 1_000_000, 1e12) == 0
    assert queue_fill_model.drain_in_order(q, 1_000_000) == 0 and queue_size(q) == 0


MEMORY_PROBE = """
import sys
sys.path.insert(0, {tests!r})
import queue_fill_model
from eventsim.event_queue import new_queue, queue_peek_time, queue_size
from eventsim.rng import seed_state

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096

warm = new_queue(8)                                   # compile (or load) before measuring
queue_fill_model.fill_exponential(warm, seed_state(1), 4, 1e12)
queue_peek_time(warm)
before = rss()
q = new_queue(10_000_000)
refused = queue_fill_model.fill_exponential(q, seed_state(1), 10_000_000, 1e12)
queue_peek_time(q)                                    # builds the calendar from the events
print(refused, queue_size(q), rss() - before)
"""


def test_ten_million_pending_events_fit_in_400_mb():
    # measured in a fresh process, so that no earlier test's memory is counted or reused
    import os
    import subprocess
    import sys
    tests = os.path.dirname(__file__)
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE.format(tests=tests)],
                         capture_output=True, text=True, check=True).stdout.split()
    refused, size, used = (int(x) for x in out)
    assert refused == 0 and size == 10_000_000
    assert used < 400e6, f"{used / 1e6:.0f} MB"
