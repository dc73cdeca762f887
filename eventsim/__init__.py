"""eventsim: discrete-event simulation of event-based neural networks on modelled hardware.

The public names of the engine floor; see README.md for a tour.
"""
from . import numba_cache  # noqa: F401  (first: sets Numba's cache folder for what follows)
from .components import ComponentTable
from .context import (fail, float_to_payload, now_ps, payload_to_float, schedule_at,
                      schedule_in, delay_ps_from_float)
from .errors import ConfigError, EventsimError, KernelError, ScheduleError
from .event_queue import EventQueue
from .jit import kernel_jit
from .kernel import Kernel
from .ledger import Ledger, ledger_charge, ledger_charge_amount
from .process import Environment
from .rng import rng_below, rng_exponential, rng_uniform
from .simtime import (PS_PER_MS, PS_PER_NS, PS_PER_S, PS_PER_US, TIME_MAX_PS, ms_to_ps,
                      ns_to_ps, ps_to_ms, ps_to_ns, ps_to_s, ps_to_us, s_to_ps, us_to_ps)
from .trace import Trace, trace_busy, trace_counter, trace_spike
from .run_result import RunResult
from .simulation import simulate
from .workload_ir import InputEvents, Population, Projection, WorkloadIR

__version__ = "0.1.0"
