"""A scenario's machine with some of its numbers scaled: the config table ``machine_scale``
({field path: factor}, e.g. ``{"core.actions.synop.cycles" = 2.0}``) applied to the preset the
config names, number by number (``Machine.with_scaled``), before anything else (DVFS level,
tick) is set. It is how ``eventsim run SCENARIO --sensitivity`` re-runs a scenario with one
number changed, and on the command line it is
``--set 'machine_scale={"core.actions.synop.cycles" = 2.0}'``. An empty table (or a config
without one) is the preset as it is. The factors are part of the resolved config, so a scaled
run's result.json says what was scaled.
"""
from __future__ import annotations

import copy

from eventsim.errors import ConfigError
from hardware_models.machine import Machine
from hardware_models.presets import preset

KEY = "machine_scale"


def scale_table(config: dict) -> dict[str, float]:
    """The config's ``machine_scale`` table ({} when absent); ConfigError unless every factor
    is a number > 0."""
    table = config.get(KEY, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{KEY} must be a table of field path = factor, got {table!r}")
    for path, factor in table.items():
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not factor > 0:
            raise ConfigError(f'{KEY}."{path}" must be a number > 0, got {factor!r}')
    return table


def scaled(machine: Machine, table: dict[str, float]) -> Machine:
    """``machine`` with each number of ``table`` (field path: factor) scaled; ConfigError naming
    the ``machine_scale`` entry whose path names no number of the machine."""
    for path, factor in table.items():
        try:
            machine = machine.with_scaled(path, factor)
        except ConfigError as e:
            raise ConfigError(f'{KEY}."{path}": {e}') from None
    return machine


def scaled_preset(config: dict, key: str = "machine") -> Machine:
    """The preset named ``config[key]`` with the config's ``machine_scale`` applied."""
    return scaled(preset(config[key]), scale_table(config))


def with_scale(config: dict, path: str, factor: float) -> dict:
    """A deep copy of ``config`` whose ``machine_scale`` also scales ``path`` by ``factor`` (on
    top of a factor the table already has for it)."""
    out = copy.deepcopy(config)
    table = dict(scale_table(out))
    table[path] = table.get(path, 1.0) * factor
    out[KEY] = table
    return out
