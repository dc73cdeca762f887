"""Generated Python modules that Numba can cache on disk.

Compiled code generated at run time (the event loop, a network's step handler) is written to a
file in ``<cache root>/<folder>`` whose name is a hash of its source, of the files of the modules
it imports and of the project's sources; so an edit anywhere gives a new file and a fresh
compile, never a stale cached function.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

from . import numba_cache


def fingerprint(source: str, modules: list[str]) -> str:
    """Hash of ``source``, the project sources (via the Numba cache folder's name) and the
    files of ``modules``."""
    h = hashlib.sha256(source.encode())
    h.update(numba_cache.CACHE_DIR.name.encode())
    for m in sorted(set(modules)):
        h.update(Path(sys.modules[m].__file__).read_bytes())
    return h.hexdigest()[:20]


def load_generated(source: str, modules: list[str], folder: str, prefix: str):
    """Import ``source`` as a module from a file in the cache (written once, atomically)."""
    modname = f"{prefix}_{fingerprint(source, modules)}"
    if modname in sys.modules:
        return sys.modules[modname]
    directory = numba_cache.cache_root() / folder
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{modname}.py"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(source)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(modname, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    spec.loader.exec_module(module)
    return module
