"""Software threads on hardware threads: hand-computed timelines."""
import pytest

from eventsim import Environment, Kernel
from eventsim.thread_model import SoftwareThread, ThreadPool
from hardware_models.lowering import lower
from hardware_models.machine import machine_from_dict

from test_machine_description import toy


def timeline(hw_threads, jobs):
    """jobs: (core, n synops, n DRAM bytes) per software thread, all started at 0.
    synop: 6,666.67 ps each at 300 MHz; DRAM: 100 ps per byte + 50,000 ps latency."""
    ir = lower(machine_from_dict(toy(core__threads=hw_threads)))
    k = Kernel()
    pool = ThreadPool(k, ir)
    env = Environment(k)
    ends = {}

    def run(i, core, n, nbytes):
        t = SoftwareThread(env, pool, core)
        ends[i] = yield t.work("synop", n, memory=0 if nbytes else -1, n_bytes=nbytes)

    for i, job in enumerate(jobs):
        env.process(run(i, *job))
    env.run(until=10**9)
    return [ends[i] for i in range(len(jobs))], k


def test_two_software_threads_on_one_hardware_thread_take_turns():
    ends, _ = timeline(1, [(0, 3, 0), (0, 3, 0)])
    assert ends == [20_000, 40_000]


def test_two_hardware_threads_run_them_at_once():
    ends, _ = timeline(2, [(0, 3, 0), (0, 3, 0)])
    assert ends == [20_000, 20_000]


def test_memory_bound_work_waits_for_shared_bandwidth():
    # 1,000 bytes each: 100,000 ps on the port + 50,000 ps latency; the second waits for the port
    ends, k = timeline(2, [(0, 3, 1_000), (1, 3, 1_000)])
    assert ends == [150_000, 250_000]
    assert k.ledger.arrays.count[k.ledger.row("chip0.dram", "read")] == 2_000


def test_an_unknown_action_is_named():
    ir = lower(machine_from_dict(toy()))
    k = Kernel()
    pool = ThreadPool(k, ir)
    with pytest.raises(Exception, match="no action 'flop'"):
        pool.submit(Environment(k), 0, "flop", 1)
