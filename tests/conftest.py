"""Test-wide settings: compiled code is cached in a folder of its own, not the user's."""
import os
import tempfile

os.environ.setdefault("EVENTSIM_CACHE_DIR", os.path.join(tempfile.gettempdir(), "eventsim-test-cache"))

from hypothesis import settings

# The first call of a compiled function may compile or load it: no per-example deadline.
settings.register_profile("eventsim", deadline=None)
settings.load_profile("eventsim")

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` beside the repository (real data no one here wrote); tests that need
    it skip, saying why, where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (it sits beside the repository "
                    f"in CI: ../shared/data)")
    return SHARED_DATA
