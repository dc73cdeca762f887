"""The work of one layer, split into its forward and backward pass, for a hardware cost model.

Counting convention used by every layer kind: a multiply-add is 2 FLOPs; any other elementwise
operation (add, multiply, compare, max, exp, tanh, sigmoid) is 1 FLOP per element. Bytes are the
bytes read plus written by the pass, each array counted once per pass (no cache model).
"""
from __future__ import annotations

import operator
from dataclasses import dataclass

from eventsim.errors import ConfigError


@dataclass(frozen=True)
class PassCounts:
    """FLOPs (or bytes) of one layer: ``forward`` and ``backward`` pass, both ints."""
    forward: int
    backward: int

    @property
    def total(self) -> int:
        """forward + backward."""
        return self.forward + self.backward


def positive_int(name: str, value) -> int:
    """``value`` as an int, or ConfigError naming ``name`` if it is not an integer >= 1."""
    try:
        if isinstance(value, bool):
            raise TypeError
        number = operator.index(value)
    except TypeError:
        raise ConfigError(f"{name} must be an integer >= 1, got {value!r}") from None
    if number < 1:
        raise ConfigError(f"{name} must be >= 1, got {number}")
    return number


def fraction(name: str, value, low_open: bool = False) -> float:
    """``value`` as a float in [0, 1] ((0, 1] if ``low_open``), or ConfigError naming ``name``."""
    number = float(value)
    if not (0.0 < number <= 1.0 if low_open else 0.0 <= number <= 1.0):
        interval = "(0, 1]" if low_open else "[0, 1]"
        raise ConfigError(f"{name} must be in {interval}, got {value!r}")
    return number
