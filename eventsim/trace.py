"""The trace: a bounded ring buffer of spikes, busy intervals and counter samples, filled from
compiled code and exported as Chrome/Perfetto trace JSON.

Memory is fixed at construction (``capacity`` records, 33 bytes each). When more records arrive
the oldest are overwritten and counted in ``dropped``. A component mask and a time window
[t0_ps, t1_ps) filter records as they are made, so a long run can trace just what matters.
The trace only ever writes to its own arrays: tracing on or off never changes a result.

Perfetto export (``to_perfetto``): ``ts`` and ``dur`` in microseconds, one ``pid`` per chip,
one ``tid`` per component; busy intervals are complete events (``ph: X``), spikes instant events
(``ph: i``), counters ``ph: C``. Intervals of one component that overlap without nesting go to
extra lanes (threads named "<component> lane k") so every thread's slices nest properly.
"""
from __future__ import annotations

import json
from collections import namedtuple

import numpy as np
from .jit import kernel_jit

from .components import ComponentTable
from .simtime import PS_PER_US, TIME_MAX_PS

SPIKE, BUSY, COUNTER = 0, 1, 2
RECORD_TYPES = {SPIKE: "spike", BUSY: "busy", COUNTER: "counter"}
BYTES_PER_RECORD = 8 + 8 + 8 + 4 + 4 + 1
_ENABLED, _WRITTEN, _T0, _T1, _FILTERED = 0, 1, 2, 3, 4

TraceBuffer = namedtuple("TraceBuffer", ["rtype", "time_ps", "dur_ps", "component", "label",
                                         "value", "component_on", "meta"])
TraceBuffer.__doc__ = """Arrays of the trace ring buffer (see the module docstring)."""

RECORD_DTYPE = np.dtype([("rtype", np.int8), ("time_ps", np.int64), ("dur_ps", np.int64),
                         ("component", np.int32), ("label", np.int32), ("value", np.float64)])


def new_trace_buffer(capacity: int, enabled: bool = True) -> TraceBuffer:
    """An empty ring buffer of ``capacity`` records (tracing ``enabled`` or not)."""
    capacity = int(capacity)
    if capacity < 1:
        raise ValueError(f"trace capacity must be >= 1 record, got {capacity}")
    meta = np.zeros(5, np.int64)
    meta[_ENABLED] = 1 if enabled else 0
    meta[_T1] = TIME_MAX_PS
    return TraceBuffer(np.zeros(capacity, np.int8), np.zeros(capacity, np.int64),
                       np.zeros(capacity, np.int64), np.zeros(capacity, np.int32),
                       np.zeros(capacity, np.int32), np.zeros(capacity, np.float64),
                       np.ones(1, np.uint8), meta)


@kernel_jit(inline="always")
def _wanted(tb, t_ps, component):
    if tb.meta[_ENABLED] == 0 or t_ps < tb.meta[_T0] or t_ps >= tb.meta[_T1]:
        return False
    if tb.meta[_FILTERED] == 0:
        return True
    return 0 <= component < tb.component_on.shape[0] and tb.component_on[component] != 0


@kernel_jit(inline="always")
def _write(tb, rtype, t_ps, dur_ps, component, label, value):
    i = tb.meta[_WRITTEN] % tb.time_ps.shape[0]
    tb.rtype[i] = rtype
    tb.time_ps[i] = t_ps
    tb.dur_ps[i] = dur_ps
    tb.component[i] = component
    tb.label[i] = label
    tb.value[i] = value
    tb.meta[_WRITTEN] += 1


@kernel_jit
def trace_spike(tb, t_ps, component, neuron):
    """Record a spike of ``neuron`` (an index within its population) on ``component``."""
    if _wanted(tb, t_ps, component):
        _write(tb, SPIKE, t_ps, 0, component, neuron, 0.0)


@kernel_jit(inline="always")
def trace_on(tb):
    """Whether the trace records at all (a check cheaper than a call to ``trace_busy``)."""
    return tb.meta[_ENABLED] != 0


@kernel_jit
def trace_busy(tb, start_ps, dur_ps, component, label):
    """Record that ``component`` was busy on ``label`` from ``start_ps`` for ``dur_ps``."""
    if _wanted(tb, start_ps, component):
        _write(tb, BUSY, start_ps, dur_ps, component, label, 0.0)


@kernel_jit
def trace_counter(tb, t_ps, component, label, value):
    """Record the value of counter ``label`` of ``component`` at ``t_ps``."""
    if _wanted(tb, t_ps, component):
        _write(tb, COUNTER, t_ps, 0, component, label, value)


class Trace:
    """Python side of the ring buffer: labels, filters, queries and Perfetto export."""

    def __init__(self, components: ComponentTable | None = None, capacity: int = 1 << 20,
                 enabled: bool = True):
        self.components = components if components is not None else ComponentTable()
        self.capacity = int(capacity)
        if self.capacity < 1:
            raise ValueError(f"trace capacity must be >= 1 record, got {capacity}")
        # a disabled trace holds one record until it is enabled (no 33 MB buffer for nothing)
        self.buffer = new_trace_buffer(capacity if enabled else 1, enabled)
        self.labels: list[str] = []
        self._label_id: dict[str, int] = {}

    # -- configuration -------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return bool(self.buffer.meta[_ENABLED])

    @enabled.setter
    def enabled(self, on: bool) -> None:
        if on and self.buffer.time_ps.shape[0] < self.capacity:
            grown = new_trace_buffer(self.capacity, True)
            grown.meta[:] = self.buffer.meta
            self.buffer = grown._replace(component_on=self.buffer.component_on)
        self.buffer.meta[_ENABLED] = 1 if on else 0

    def label(self, name: str) -> int:
        """The integer id compiled code passes for the label ``name`` (registered on first use)."""
        if name not in self._label_id:
            self._label_id[name] = len(self.labels)
            self.labels.append(name)
        return self._label_id[name]

    def set_window(self, t0_ps: int = 0, t1_ps: int = TIME_MAX_PS) -> None:
        """Record only events with t0_ps <= time < t1_ps."""
        if not 0 <= t0_ps <= t1_ps:
            raise ValueError(f"trace window needs 0 <= t0_ps <= t1_ps, got {t0_ps}, {t1_ps}")
        self.buffer.meta[_T0] = t0_ps
        self.buffer.meta[_T1] = t1_ps

    def only_components(self, names) -> None:
        """Record only the named components (``None``: all components)."""
        if names is None:
            self.buffer.meta[_FILTERED] = 0
            return
        mask = np.zeros(max(len(self.components), 1), np.uint8)
        for n in names:
            mask[self.components.id(n)] = 1
        self.buffer = self.buffer._replace(component_on=mask)
        self.buffer.meta[_FILTERED] = 1

    # -- reading -------------------------------------------------------------------------
    @property
    def written(self) -> int:
        """Records ever written (kept or overwritten)."""
        return int(self.buffer.meta[_WRITTEN])

    @property
    def dropped(self) -> int:
        """Oldest records overwritten because the ring buffer was full."""
        return max(0, self.written - self.buffer.time_ps.shape[0])

    def clear(self) -> None:
        self.buffer.meta[_WRITTEN] = 0

    def records(self, components=None, t0_ps: int = 0, t1_ps: int = TIME_MAX_PS) -> np.ndarray:
        """Kept records as a structured array sorted by (time_ps, record order), optionally only
        those of the named ``components`` starting in [t0_ps, t1_ps)."""
        b = self.buffer
        cap = b.time_ps.shape[0]
        n = min(self.written, cap)
        start = self.written % cap if self.written > cap else 0
        order = (np.arange(n) + start) % cap
        rec = np.empty(n, RECORD_DTYPE)
        for f in RECORD_DTYPE.names:
            rec[f] = getattr(b, f)[order]
        keep = (rec["time_ps"] >= t0_ps) & (rec["time_ps"] < t1_ps)
        if components is not None:
            ids = [self.components.id(c) for c in components]
            keep &= np.isin(rec["component"], ids)
        rec = rec[keep]
        return rec[np.argsort(rec["time_ps"], kind="stable")]

    # -- export --------------------------------------------------------------------------
    def _component_name(self, cid: int) -> str:
        return self.components.names[cid] if cid < len(self.components) else f"component{cid}"

    def _chip(self, cid: int) -> int:
        return self.components.chips[cid] if cid < len(self.components) else 0

    def _label_name(self, lid: int) -> str:
        return self.labels[lid] if 0 <= lid < len(self.labels) else f"label{lid}"

    def to_perfetto(self, path=None, components=None, t0_ps: int = 0,
                    t1_ps: int = TIME_MAX_PS) -> dict:
        """The trace as a Chrome/Perfetto JSON object (written to ``path`` if given)."""
        rec = self.records(components, t0_ps, t1_ps)
        events: list[dict] = []
        tids: dict[tuple[int, int], int] = {}

        def tid_of(cid: int, lane: int) -> int:
            if (cid, lane) not in tids:
                tids[(cid, lane)] = len(tids) + 1
            return tids[(cid, lane)]

        busy = rec[rec["rtype"] == BUSY]
        for cid in np.unique(busy["component"]):
            mine = busy[busy["component"] == cid]
            # parents first: by start, then longest first
            mine = mine[np.lexsort((-mine["dur_ps"], mine["time_ps"]))]
            for r, lane in zip(mine, _assign_lanes(mine["time_ps"], mine["dur_ps"])):
                events.append({"name": self._label_name(int(r["label"])), "ph": "X",
                               "ts": int(r["time_ps"]) / PS_PER_US,
                               "dur": int(r["dur_ps"]) / PS_PER_US,
                               "pid": self._chip(int(cid)), "tid": tid_of(int(cid), lane),
                               "args": {"start_ps": int(r["time_ps"]),
                                        "dur_ps": int(r["dur_ps"])}})
        for r in rec[rec["rtype"] == SPIKE]:
            cid = int(r["component"])
            events.append({"name": "spike", "ph": "i", "s": "t",
                           "ts": int(r["time_ps"]) / PS_PER_US, "pid": self._chip(cid),
                           "tid": tid_of(cid, 0),
                           "args": {"neuron": int(r["label"]), "time_ps": int(r["time_ps"])}})
        for r in rec[rec["rtype"] == COUNTER]:
            cid = int(r["component"])
            name = f"{self._component_name(cid)}.{self._label_name(int(r['label']))}"
            events.append({"name": name, "ph": "C", "ts": int(r["time_ps"]) / PS_PER_US,
                           "pid": self._chip(cid), "args": {"value": float(r["value"])}})
        events.sort(key=lambda e: e["ts"])
        meta = []
        for chip in sorted({self._chip(c) for c, _ in tids} | {e["pid"] for e in events}):
            meta.append({"name": "process_name", "ph": "M", "pid": chip,
                         "args": {"name": f"chip{chip}"}})
        for (cid, lane), tid in tids.items():
            name = self._component_name(cid) + (f" lane {lane}" if lane else "")
            meta.append({"name": "thread_name", "ph": "M", "pid": self._chip(cid), "tid": tid,
                         "args": {"name": name}})
        doc = {"traceEvents": meta + events, "displayTimeUnit": "ns",
               "otherData": {"time_unit_of_ts": "us", "dropped_records": self.dropped}}
        if path is not None:
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f)
        return doc


def _assign_lanes(start_ps: np.ndarray, dur_ps: np.ndarray) -> list[int]:
    """Lane per interval (sorted by start, longest first) so that within a lane intervals are
    disjoint or nested."""
    lanes: list[list[int]] = []   # per lane, a stack of open end times
    out = []
    for s, d in zip(start_ps.tolist(), dur_ps.tolist()):
        e = s + d
        for k, stack in enumerate(lanes):
            while stack and stack[-1] <= s:
                stack.pop()
            if not stack or e <= stack[-1]:
                stack.append(e)
                out.append(k)
                break
        else:
            lanes.append([e])
            out.append(len(lanes) - 1)
    return out
