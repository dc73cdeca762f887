"""Where Numba's on-disk cache lives, keyed by the project's own source code.

Numba invalidates a cached function only when *its own* file changes, not when a function it
calls (and inlined) changes in another file; so after an edit to, say, the event queue, a
cached handler would keep running the old queue code. To rule that out, every compiled
function is cached under ``<root>/numba-<hash>``, where the hash covers every ``.py`` file of
the packages with compiled code (not ``scenarios``): any edit to them starts a fresh cache. ``<root>`` is
``$EVENTSIM_CACHE_DIR`` (default ``~/.cache/eventsim``); if ``NUMBA_CACHE_DIR`` is set, the
hashed folder goes inside it instead.

This module must run before any ``@njit(cache=True)`` decorator of the project is evaluated;
``eventsim/__init__.py`` imports it first.
"""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import numba

PROJECT_PACKAGES = ("eventsim", "hardware_models", "networks")   # scenarios compile nothing


def cache_root() -> Path:
    """The folder for everything eventsim caches (generated loops, Numba caches)."""
    d = os.environ.get("EVENTSIM_CACHE_DIR")
    return Path(d) if d else Path.home() / ".cache" / "eventsim"


def source_fingerprint() -> str:
    """A hash of every .py file of the project's packages (next to this package)."""
    top = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(f"{numba.__version__} {sys.version}".encode())
    for pkg in PROJECT_PACKAGES:
        for f in sorted((top / pkg).rglob("*.py")):
            h.update(str(f.relative_to(top)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def configure() -> Path:
    """Point Numba's cache at the folder for the current sources; return that folder."""
    base = os.environ.get("NUMBA_CACHE_DIR")
    root = Path(base) if base else cache_root()
    path = root / f"numba-{source_fingerprint()}"
    numba.config.CACHE_DIR = str(path)
    return path


CACHE_DIR = configure()
