"""Test-wide settings: generated kernels are cached in a per-session directory."""
import os
import tempfile

os.environ.setdefault("EVENTSIM_CACHE_DIR", os.path.join(tempfile.gettempdir(),
                                                         "eventsim-test-kernels"))
