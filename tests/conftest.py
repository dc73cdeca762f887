"""Test-wide settings: compiled code is cached in a folder of its own, not the user's."""
import os
import tempfile

os.environ.setdefault("EVENTSIM_CACHE_DIR", os.path.join(tempfile.gettempdir(), "eventsim-test-cache"))

from hypothesis import settings

# The first call of a compiled function may compile or load it: no per-example deadline.
settings.register_profile("eventsim", deadline=None)
settings.load_profile("eventsim")
