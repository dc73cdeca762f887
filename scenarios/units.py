"""Units of the scenarios' figures: picoseconds per second, and values as the text of report
and summary tables (seconds and joules with an SI prefix, ratios as "1.23x"; "n/a" for a value
that is None).
"""
from __future__ import annotations

PS_PER_S = 10 ** 12
MISSING = "n/a"


def scaled(value, scale: float, unit: str, digits: int = 3) -> str:
    """``value`` x ``scale`` with ``digits`` decimals, a space and ``unit``; ``MISSING`` for None:
    ``scaled(0.0125, 1e3, "ms") == "12.500 ms"``."""
    return MISSING if value is None else f"{value * scale:.{digits}f} {unit}"


def ms(seconds, digits: int = 3) -> str:
    """Seconds as milliseconds: ``ms(0.0125) == "12.500 ms"``."""
    return scaled(seconds, 1e3, "ms", digits)


def us(seconds, digits: int = 3) -> str:
    """Seconds as microseconds: ``us(2.5e-6) == "2.500 us"``."""
    return scaled(seconds, 1e6, "us", digits)


def mj(joules, digits: int = 3) -> str:
    """Joules as millijoules: ``mj(0.0015) == "1.500 mJ"``."""
    return scaled(joules, 1e3, "mJ", digits)


def uj(joules, digits: int = 3) -> str:
    """Joules as microjoules: ``uj(1.5e-6) == "1.500 uJ"``."""
    return scaled(joules, 1e6, "uJ", digits)


def nj(joules, digits: int = 3) -> str:
    """Joules as nanojoules: ``nj(2e-9) == "2.000 nJ"``."""
    return scaled(joules, 1e9, "nJ", digits)


def ratio(a, b):
    """``a / b``, or None when ``a`` is None or ``b`` is None or 0."""
    return a / b if a is not None and b else None


def times(r) -> str:
    """A ratio as text, three significant digits: ``times(0.5) == "0.5x"``; ``MISSING`` for
    None."""
    return MISSING if r is None else f"{r:.3g}x"
