"""``python -m scenarios.sweeps SWEEP.toml [options]``: the same as ``eventsim sweep``."""
import sys

from .cli import main

sys.exit(main())
