"""Checks of single config values, for a scenario's ``check(config)``.

Each function takes the dotted ``key`` the value came from (for the message) and the value, and
returns None when the value is acceptable; otherwise it raises ``ConfigError`` with a message
that names the key, what it must be and the value given (``repr``), e.g.
``tokens must be an integer >= 1, got 0``. A boolean never passes as a number.
"""
from __future__ import annotations

import math

from eventsim.errors import ConfigError


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def int_at_least(key: str, value, low: int) -> None:
    """``value`` is an integer (not a boolean) >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{key} must be an integer >= {low}, got {value!r}")


def finite_number(key: str, value, low: float, *, strict: bool) -> None:
    """``value`` is a finite int or float (not a boolean) >= ``low`` (> ``low`` if ``strict``)."""
    ok = _is_number(value) and math.isfinite(value)
    if not ok or value < low or (strict and value == low):
        raise ConfigError(f"{key} must be a finite number {'>' if strict else '>='} {low}, "
                          f"got {value!r}")


def positive(key: str, value, *, integer: bool = False) -> None:
    """``value`` is a number > 0 (an integer > 0 if ``integer``), not a boolean."""
    ok = not isinstance(value, bool) and isinstance(value, int if integer else (int, float))
    if not ok or value <= 0:
        kind = "an integer" if integer else "a number"
        raise ConfigError(f"{key} must be {kind} > 0, got {value!r}")


def one_of(key: str, value, choices) -> None:
    """``value`` is one of ``choices`` (any iterable; the message lists it)."""
    if value not in choices:
        raise ConfigError(f"{key} must be one of {list(choices)}, got {value!r}")


def int_list(key: str, value, low: int = 1) -> None:
    """``value`` is a non-empty list of integers (not booleans), each >= ``low``."""
    if not isinstance(value, list) or not value or any(
            isinstance(v, bool) or not isinstance(v, int) or v < low for v in value):
        raise ConfigError(f"{key} must be a non-empty list of integers >= {low}, got {value!r}")


def fraction_list(key: str, values, top: float) -> None:
    """``values`` is a non-empty list of distinct numbers (not booleans) in [0, ``top``)."""
    if not isinstance(values, list) or not values or any(
            not _is_number(v) or not 0 <= v < top for v in values):
        raise ConfigError(f"{key} must be a non-empty list of numbers in [0, {top}), "
                          f"got {values!r}")
    if len(set(values)) != len(values):
        raise ConfigError(f"{key} has repeated values: {values!r}")
