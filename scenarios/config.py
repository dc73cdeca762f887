"""Scenario configuration: the defaults from the scenario's TOML file, ``--set key=value``
overrides on top, every override checked against the defaults.

Rules (what ``eventsim run SCENARIO --set key=value`` accepts):

- ``key`` is dotted (``train.epochs``) and must name a key of the defaults; an unknown key is a
  ``ConfigError`` that lists the valid keys. Keys directly under a table the scenario declares
  open (``OPEN_TABLES``, e.g. ``memory`` of ``async_sgd``, a map from machine name to memory
  name) may be new.
- ``value`` is read as a TOML literal (``10``, ``0.1``, ``true``, ``[4, 8]``, ``"text"``); a
  value that is not a TOML literal is taken as a bare string (``--set machine=ipu_gc200``).
- The value must have the type of the default: an integer default takes an integer, a float
  default an integer or a float (stored as float), a string a string, a boolean a boolean, a list
  a list, a table a table. Ranges and meanings are checked by the scenario itself.
"""
from __future__ import annotations

import copy
import tomllib

from eventsim.errors import ConfigError


def flat_keys(table: dict, prefix: str = "") -> list[str]:
    """The dotted keys of every leaf (non-table value) of ``table``, in file order."""
    out = []
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.extend(flat_keys(v, key + "."))
        else:
            out.append(key)
    return out


def parse_value(text: str):
    """``text`` as a TOML literal, or the text itself when it is not one."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_set(item: str) -> tuple[str, object]:
    """``"key=value"`` -> (key, parsed value)."""
    key, sep, text = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set needs key=value, got {item!r}")
    if any(not part for part in key.split(".")):
        raise ConfigError(f"--set key {key!r} has an empty part")
    return key, parse_value(text.strip())


def _type_name(v) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a table"
    return type(v).__name__


def _coerce(key: str, default, value):
    if isinstance(default, bool) or isinstance(value, bool):
        ok = isinstance(default, bool) and isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float))
        value = float(value) if ok else value
    elif isinstance(default, int):
        ok = isinstance(value, int)
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise ConfigError(f"{key} must be {_type_name(default)} (default {default!r}), "
                          f"got {value!r}")
    return value


def apply_overrides(defaults: dict, overrides: list[tuple[str, object]],
                    open_tables: tuple[str, ...] = ()) -> dict:
    """A deep copy of ``defaults`` with each (dotted key, value) of ``overrides`` applied."""
    config = copy.deepcopy(defaults)
    valid = flat_keys(defaults)
    for key, value in overrides:
        parts = key.split(".")
        node = config
        for i, part in enumerate(parts[:-1]):
            nxt = node.get(part) if isinstance(node, dict) else None
            if not isinstance(nxt, dict):
                node = None
                break
            node = nxt
        parent = ".".join(parts[:-1])
        last = parts[-1]
        if node is None or (last not in node and parent not in open_tables):
            raise ConfigError(f"unknown config key {key!r}; valid keys: {', '.join(valid)}")
        node[last] = _coerce(key, node[last], value) if last in node else value
    return config
