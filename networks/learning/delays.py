"""Injected worker delays for the training schedules (``schedule.train(..., delays=...)``).

A delay is simulated time in which a software thread holds no compute and moves no bytes: the
thread waits, as a worker waits for a communication or while it is preempted. A delayed thread
waits before each of its work items (the forward or backward pass of one layer, an update of one
layer, an all-reduce), before the item reads any parameters; the item then runs as it would
have. ``WorkerDelays`` says how long and on which threads:

- ``kind``: the distribution of one delay, with mean ``mean_ps`` (integer picoseconds):
  "none" (no delay; ``mean_ps`` must be 0), "constant" (exactly ``mean_ps``), "uniform"
  (uniform on [0, 2 ``mean_ps``]) or "exponential" (scale ``mean_ps``); a draw is rounded to
  the nearest picosecond, and a delay of 0 ps is no wait at all.
- ``per``: "item" draws a new delay before every work item (transient delays: a slow
  message, a preemption); "thread" draws one delay per thread at the start of the run and waits
  that long before each of its items (a persistently slow worker, a straggler).
- ``threads`` (thread indices) or ``fraction`` (ceil(fraction x threads) of the run's threads,
  chosen at random): which threads are delayed; neither: every thread; both: an error.
- ``seed``: the seed of the delay draws; None: the run's seed.

Random numbers: thread i draws from ``numpy.random.default_rng(SeedSequence(seed, spawn_key=
(DELAY_STREAM, i)))`` and the threads of ``fraction`` are chosen by ``default_rng(SeedSequence(
seed, spawn_key=(DELAY_STREAM,))).choice(threads, n, replace=False)``: streams apart from the
minibatch order (``default_rng(seed)``) and from each other, so a thread's delays do not depend
on how the threads interleave, and one seed gives the same delays run after run.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from eventsim.errors import ConfigError

DELAY_KINDS = ("none", "constant", "uniform", "exponential")
DELAY_PER = ("item", "thread")
DELAY_STREAM = 1          # spawn_key of the delay streams; the minibatch order uses no key


def _int(name: str, value, low: int) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        number = operator.index(value)
    except TypeError:
        raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}") from None
    if number < low:
        raise ConfigError(f"{name} must be >= {low}, got {number}")
    return number


@dataclass(frozen=True)
class WorkerDelays:
    """Which threads wait, how long (``mean_ps`` in integer picoseconds) and how the waits are
    drawn; see the module docstring. Checked on construction (ConfigError naming the field)."""
    kind: str = "none"
    mean_ps: int = 0
    per: str = "item"
    threads: tuple[int, ...] | None = None
    fraction: float | None = None
    seed: int | None = None

    def __post_init__(self):
        if self.kind not in DELAY_KINDS:
            raise ConfigError(f"delays.kind must be one of {DELAY_KINDS}, got {self.kind!r}")
        mean = _int("delays.mean_ps", self.mean_ps, 0)
        if self.kind == "none" and mean != 0:
            raise ConfigError(f"delays.mean_ps must be 0 for kind 'none', got {mean}")
        if self.per not in DELAY_PER:
            raise ConfigError(f"delays.per must be one of {DELAY_PER}, got {self.per!r}")
        if self.threads is not None and self.fraction is not None:
            raise ConfigError(f"delays: give threads or fraction, not both (got threads="
                              f"{self.threads!r}, fraction={self.fraction!r})")
        if self.threads is not None:
            self._check_threads()
        if self.fraction is not None:
            self._check_fraction()
        if self.seed is not None:
            _int("delays.seed", self.seed, 0)
        object.__setattr__(self, "mean_ps", mean)

    def _check_threads(self) -> None:
        try:
            threads = tuple(_int(f"delays.threads[{i}]", t, 0)
                            for i, t in enumerate(self.threads))
        except TypeError:
            raise ConfigError(f"delays.threads must be a tuple of thread indices, "
                              f"got {self.threads!r}") from None
        if not threads or len(set(threads)) != len(threads):
            raise ConfigError(f"delays.threads must be distinct thread indices (at least one), "
                              f"got {self.threads!r}")
        object.__setattr__(self, "threads", threads)

    def _check_fraction(self) -> None:
        f = self.fraction
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0.0 < f <= 1.0:
            raise ConfigError(f"delays.fraction must be a number in (0, 1], got {f!r}")
        object.__setattr__(self, "fraction", float(f))

    @property
    def active(self) -> bool:
        """Whether any thread can wait at all (kind not "none" and mean_ps > 0)."""
        return self.kind != "none" and self.mean_ps > 0

    def delayed_threads(self, n_threads: int, seed: int) -> tuple[int, ...]:
        """The indices of the delayed threads of a run with ``n_threads`` threads; ``seed``:
        the run's seed (used if ``self.seed`` is None)."""
        if self.threads is not None:
            bad = [t for t in self.threads if t >= n_threads]
            if bad:
                raise ConfigError(f"delays.threads must be thread indices 0..{n_threads - 1} "
                                  f"of the run's {n_threads} threads, got {list(self.threads)}")
            return tuple(sorted(self.threads))
        if self.fraction is None:
            return tuple(range(n_threads))
        n = math.ceil(Fraction(repr(self.fraction)) * n_threads)   # decimal: 0.7 x 10 = 7
        rng = np.random.default_rng(self._seed_sequence(seed, ()))
        return tuple(sorted(int(t) for t in rng.choice(n_threads, n, replace=False)))

    def _seed_sequence(self, seed: int, key: tuple) -> np.random.SeedSequence:
        own = seed if self.seed is None else self.seed
        return np.random.SeedSequence(own, spawn_key=(DELAY_STREAM, *key))

    def sampler(self, thread: int, seed: int) -> "DelaySampler":
        """The delays of thread ``thread`` (delayed or not: see ``delayed_threads``)."""
        rng = np.random.default_rng(self._seed_sequence(seed, (thread,)))
        return DelaySampler(self.kind, self.mean_ps, self.per, rng)

    def to_dict(self) -> dict:
        """JSON-ready fields."""
        return {"kind": self.kind, "mean_ps": self.mean_ps, "per": self.per,
                "threads": None if self.threads is None else list(self.threads),
                "fraction": self.fraction, "seed": self.seed}


def draw_ps(kind: str, mean_ps: int, rng: np.random.Generator) -> int:
    """One delay in integer picoseconds: ``kind`` with mean ``mean_ps`` (module docstring)."""
    if kind == "none" or mean_ps == 0:
        return 0
    if kind == "constant":
        return mean_ps
    if kind == "uniform":
        return int(np.rint(rng.uniform(0.0, 2.0 * mean_ps)))
    return int(np.rint(rng.exponential(mean_ps)))


class DelaySampler:
    """The delays of one thread, one ``next_ps()`` per work item (integer picoseconds)."""

    def __init__(self, kind: str, mean_ps: int, per: str, rng: np.random.Generator):
        self.kind, self.mean_ps, self.rng = kind, mean_ps, rng
        self.fixed_ps = draw_ps(kind, mean_ps, rng) if per == "thread" else None

    def next_ps(self) -> int:
        """The wait before the next work item."""
        return self.fixed_ps if self.fixed_ps is not None else \
            draw_ps(self.kind, self.mean_ps, self.rng)


__all__ = ["DELAY_KINDS", "DELAY_PER", "DELAY_STREAM", "DelaySampler", "WorkerDelays", "draw_ps"]
