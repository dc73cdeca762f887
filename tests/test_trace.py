"""The trace ring buffer and its Perfetto export."""
import json

import numpy as np
from hypothesis import given, settings, strategies as st

from eventsim import ComponentTable, Trace
from eventsim.trace import BUSY, COUNTER, SPIKE, trace_busy, trace_counter, trace_spike

import test_kernel


def traced(capacity=64):
    comps = ComponentTable()
    comps.add("core0", chip=0)
    comps.add("core1", chip=0)
    comps.add("link", chip=1)
    return Trace(comps, capacity=capacity), comps


def test_records_come_back_in_time_order_with_their_fields():
    tr, c = traced()
    lab = tr.label("synop")
    trace_busy(tr.buffer, 2_000, 500, c.id("core1"), lab)
    trace_spike(tr.buffer, 1_000, c.id("core0"), 17)
    trace_counter(tr.buffer, 3_000, c.id("link"), tr.label("flits"), 4.0)
    r = tr.records()
    assert r["time_ps"].tolist() == [1_000, 2_000, 3_000]
    assert r["rtype"].tolist() == [SPIKE, BUSY, COUNTER]
    assert r["label"][0] == 17 and r["dur_ps"][1] == 500 and r["value"][2] == 4.0


def test_a_full_ring_keeps_the_newest_and_counts_the_dropped():
    tr, c = traced(capacity=4)
    for i in range(10):
        trace_spike(tr.buffer, i, 0, i)
    assert tr.written == 10 and tr.dropped == 6
    assert tr.records()["label"].tolist() == [6, 7, 8, 9]


def test_memory_is_fixed_by_capacity():
    tr, _ = traced(capacity=1_000)
    assert sum(a.nbytes for a in tr.buffer[:6]) == 1_000 * 33


def test_component_filter_and_time_window_apply_when_recording():
    tr, c = traced()
    tr.only_components(["core1"])
    tr.set_window(100, 200)
    for t in (50, 150, 250):
        trace_spike(tr.buffer, t, c.id("core0"), 0)
        trace_spike(tr.buffer, t, c.id("core1"), 1)
    trace_spike(tr.buffer, 150, 99, 2)   # an unregistered component is filtered out too
    r = tr.records()
    assert r["time_ps"].tolist() == [150] and r["component"].tolist() == [c.id("core1")]


def test_queries_filter_by_component_and_window():
    tr, c = traced()
    for t in (10, 20, 30):
        trace_spike(tr.buffer, t, c.id("core0"), 0)
        trace_spike(tr.buffer, t, c.id("link"), 0)
    r = tr.records(components=["link"], t0_ps=15, t1_ps=30)
    assert r["time_ps"].tolist() == [20] and r["component"].tolist() == [c.id("link")]


def test_disabled_trace_records_nothing():
    tr, _ = traced()
    tr.enabled = False
    trace_spike(tr.buffer, 1, 0, 0)
    assert tr.written == 0


def test_perfetto_json_has_pids_per_chip_tids_per_component_and_microsecond_units(tmp_path):
    tr, c = traced()
    lab = tr.label("update")
    trace_busy(tr.buffer, 1_500_000, 2_000_000, c.id("core0"), lab)   # 1.5 us for 2 us
    trace_spike(tr.buffer, 2_000_000, c.id("core1"), 3)
    trace_counter(tr.buffer, 3_000_000, c.id("link"), tr.label("load"), 0.25)
    doc = tr.to_perfetto(tmp_path / "t.json")
    assert json.loads((tmp_path / "t.json").read_text()) == doc
    ev = doc["traceEvents"]
    names = {(e["pid"], e["args"]["name"]) for e in ev if e["ph"] == "M"}
    assert names == {(0, "chip0"), (1, "chip1"), (0, "core0"), (0, "core1")}
    x = next(e for e in ev if e["ph"] == "X")
    assert (x["ts"], x["dur"], x["name"], x["pid"]) == (1.5, 2.0, "update", 0)
    i = next(e for e in ev if e["ph"] == "i")
    assert (i["ts"], i["args"]["neuron"], i["pid"]) == (2.0, 3, 0) and i["tid"] != x["tid"]
    cnt = next(e for e in ev if e["ph"] == "C")
    assert (cnt["ts"], cnt["pid"], cnt["name"], cnt["args"]) == (3.0, 1, "link.load", {"value": 0.25})


def _properly_nested(slices):
    """True if, on one thread, any two slices are disjoint or one contains the other."""
    for a in slices:
        for b in slices:
            a0, a1, b0, b1 = a["ts"], a["ts"] + a["dur"], b["ts"], b["ts"] + b["dur"]
            overlap = a0 < b1 and b0 < a1
            nested = (a0 <= b0 and b1 <= a1) or (b0 <= a0 and a1 <= b1)
            if overlap and not nested:
                return False
    return True


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 30)), min_size=1, max_size=25))
def test_every_thread_gets_properly_nested_slices(intervals):
    tr, c = traced(capacity=100)
    lab = tr.label("busy")
    for start, dur in intervals:
        trace_busy(tr.buffer, start * 1_000_000, dur * 1_000_000, c.id("core0"), lab)
    ev = [e for e in tr.to_perfetto()["traceEvents"] if e["ph"] == "X"]
    assert len(ev) == len(intervals)
    for tid in {e["tid"] for e in ev}:
        assert _properly_nested([e for e in ev if e["tid"] == tid])


def test_tracing_on_or_off_gives_the_same_run():
    on, s_on = test_kernel.pingpong_kernel(hits=20, trace=True, record_events=True)
    off, s_off = test_kernel.pingpong_kernel(hits=20, trace=False, record_events=True)
    on.run_until(10**9)
    off.run_until(10**9)
    assert np.array_equal(on.event_log(), off.event_log())
    assert on.ledger.to_dict(on.now_ps) == off.ledger.to_dict(off.now_ps)
    assert on.trace.written == 2 * 21 and off.trace.written == 0


def test_a_kernel_run_exports_a_valid_trace(tmp_path):
    k, st = test_kernel.pingpong_kernel(hits=5, trace=True)
    k.run_until(10**9)
    doc = k.trace.to_perfetto(tmp_path / "run.json")
    xs = [e for e in doc["traceEvents"] if e["ph"] == "X"]
    assert [e["ts"] for e in xs] == [0.0, 0.001, 0.002, 0.003, 0.004, 0.005]
    assert all(e["dur"] == 0.0005 for e in xs)


def test_a_trace_enabled_after_construction_gets_its_full_capacity():
    comps = ComponentTable()
    comps.add("core0", chip=0)
    tr = Trace(comps, capacity=8, enabled=False)
    trace_spike(tr.buffer, 5, 0, 1)                   # ignored while disabled
    tr.enabled = True
    for i in range(8):
        trace_spike(tr.buffer, 10 + i, 0, i)
    assert tr.written == 8 and tr.dropped == 0
    assert tr.records()["label"].tolist() == list(range(8))
