"""Where the real reference data lies: ``../shared/data`` beside the checkout (real data no one
here wrote, never copied into the project), or ``$EVENTSIM_SHARED_DATA``."""
from __future__ import annotations

import os
from pathlib import Path

from .check import CaseSkipped


def shared_data_dir() -> Path:
    env = os.environ.get("EVENTSIM_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "data"


def reference_file(relative: str) -> Path:
    """``shared_data_dir() / relative``; ``CaseSkipped`` naming the path when it is absent."""
    path = shared_data_dir() / relative
    if not path.exists():
        raise CaseSkipped(f"reference data {path} is absent (it sits beside the repository as "
                          f"../shared/data, or set EVENTSIM_SHARED_DATA)")
    return path
