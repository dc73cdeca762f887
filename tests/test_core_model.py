"""Cores serving work items: hand-computed schedules and the M/D/1 queue."""
import numpy as np
import pytest

import work_model
from eventsim import ConfigError, Kernel, KernelError
from eventsim.core_model import new_core_state
from hardware_models.lowering import lower
from hardware_models.machine import machine_from_dict

from test_machine_description import toy


def run(arrivals, threads=1, dvfs="high", seed=0, **changes):
    """arrivals: (t_ps, core, n synops). synop = 2 cycles at 300 MHz (6,666.67 ps), 10 pJ."""
    m = machine_from_dict(toy(core__threads=threads, **changes)).with_dvfs(dvfs)
    ir = lower(m)
    k = Kernel(seed=seed, queue_capacity=max(len(arrivals), 1))
    st = work_model.Work(new_core_state(ir, k), np.zeros(len(arrivals), np.int64), np.zeros(1, np.int64))
    kid = k.add_kind("work", work_model.arrive, st)
    for t, core, n in arrivals:
        k.schedule(t, kid, target=core, payload=n)
    k.run()
    return st.finish_ps.tolist(), k


def test_one_thread_serves_first_come_first_served():
    # 3 synops = 20,000 ps each item; items at 0, 5,000 and 50,000 ps
    finish, _ = run([(0, 0, 3), (5_000, 0, 3), (50_000, 0, 3)])
    assert finish == [20_000, 40_000, 70_000]


def test_two_threads_serve_two_items_at_once():
    finish, _ = run([(0, 0, 3), (0, 0, 3), (0, 0, 3)], threads=2)
    assert finish == [20_000, 20_000, 40_000]


def test_an_action_with_a_unit_always_takes_that_thread():
    # two threads, synop on unit 1: the two items queue there instead of running side by side
    finish, _ = run([(0, 0, 3), (0, 0, 3)], threads=2, core__actions__synop__unit=1)
    assert finish == [20_000, 40_000]


def test_a_unit_beyond_the_cores_threads_is_a_clear_error():
    with pytest.raises(ConfigError, match=r"core.actions.synop.unit must be a thread in \[0, 2\), got 2"):
        machine_from_dict(toy(core__threads=2, core__actions__synop__unit=2))


def test_cores_do_not_share_threads():
    finish, _ = run([(0, 0, 3), (0, 1, 3)])
    assert finish == [20_000, 20_000]


def test_dvfs_level_halves_the_clock_and_scales_energy():
    finish, k = run([(0, 0, 3)], dvfs="low")
    assert finish == [40_000]
    row = k.ledger.row("chip0.core0", "synop")
    assert k.ledger.arrays.energy_pj[row] == pytest.approx(3 * 10.0 * 0.390625)
    assert k.ledger.arrays.busy_ps[row] == 40_000


def test_an_action_the_machine_lacks_is_a_clear_error():
    m = machine_from_dict(toy())
    ir = lower(m)
    ir.action_available[:, 0] = False
    k = Kernel()
    st = work_model.Work(new_core_state(ir, k), np.zeros(1, np.int64), np.zeros(1, np.int64))
    k.schedule(0, k.add_kind("work", work_model.arrive, st), target=2, payload=1)
    with pytest.raises(KernelError, match="core 2 cannot do action 0"):
        k.run()


def test_mean_wait_matches_the_m_d_1_formula():
    # Poisson arrivals at rate lam, deterministic service S = 3 synops = 20,000 ps; rho = 0.6.
    # Pollaczek-Khinchine for M/D/1: mean wait in queue Wq = rho * S / (2 (1 - rho)).
    rng = np.random.default_rng(7)
    service, rho, n = 20_000, 0.6, 40_000
    gaps = rng.exponential(service / rho, n)
    times = np.cumsum(gaps).astype(np.int64)
    finish, _ = run([(int(t), 0, 3) for t in times])
    wait = np.array(finish) - times - service
    expected = rho * service / (2 * (1 - rho))
    assert wait.min() >= 0
    assert wait.mean() == pytest.approx(expected, rel=0.05)
