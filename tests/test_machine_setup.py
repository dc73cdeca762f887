"""The machine set-up every kind of run shares (``eventsim.machine_setup``)."""
import pytest

from eventsim import ConfigError
from eventsim.machine_setup import action_or_none, require_actions, thread_machine
from eventsim.static_power import register_static_power
from eventsim.ledger import Ledger
from hardware_models.lowering import lower
from hardware_models.presets import preset


@pytest.fixture(scope="module")
def spinnaker2():
    return lower(preset("spinnaker2"))


def test_a_missing_action_is_named_with_the_run_that_needs_it(spinnaker2):
    with pytest.raises(ConfigError, match="declares no 'warp_drive' action; the dense GRU needs"):
        require_actions(spinnaker2, ("synop", "warp_drive"), "the dense GRU")


def test_an_optional_action_the_machine_lacks_is_minus_one(spinnaker2):
    assert action_or_none(spinnaker2, "warp_drive") == -1
    assert action_or_none(spinnaker2, "synop") == spinnaker2.action("synop")


def test_a_thread_machine_declares_the_machines_static_power_unless_told_not_to(spinnaker2):
    watts = register_static_power(Ledger(), spinnaker2)
    assert watts > 0
    on = thread_machine(spinnaker2).kernel.ledger
    off = thread_machine(spinnaker2, static_power=False).kernel.ledger
    assert sum(on.static_power_w.values()) == pytest.approx(watts, rel=1e-12)
    assert off.static_power_w == {}


def test_a_thread_machines_environment_runs_on_its_kernels_clock(spinnaker2):
    m = thread_machine(spinnaker2)
    assert m.env.kernel is m.kernel and m.pool.kernel is m.kernel
