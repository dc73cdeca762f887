"""Machine presets: the TOML files in ``presets/``, every number with its source."""
from __future__ import annotations

from pathlib import Path

from eventsim.errors import ConfigError

from .machine import Machine, load_machine

PRESET_DIR = Path(__file__).with_name("presets")


def preset_names() -> list[str]:
    """Names of the shipped presets."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def preset(name: str) -> Machine:
    """The preset machine ``name`` (see ``preset_names()``)."""
    path = PRESET_DIR / f"{name}.toml"
    if not path.exists():
        raise ConfigError(f"unknown machine preset {name!r}; presets: {preset_names()}")
    return load_machine(path)


def unsourced_numbers(path) -> list[str]:
    """Field paths of numbers in a description file that carry no source (own or table's)."""
    import tomllib
    with open(path, "rb") as f:
        data = tomllib.load(f)
    out = []

    def walk(node, prefix, covered):
        covered = covered or (isinstance(node, dict) and "source" in node)
        if isinstance(node, dict):
            if set(node) <= {"value", "source"} and "value" in node:
                if "source" not in node and not covered:
                    out.append(prefix)
                return
            for k, v in node.items():
                if k != "source":
                    walk(v, f"{prefix}.{k}" if prefix else k, covered)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{prefix}[{i}]", covered)
        elif isinstance(node, (int, float)) and not isinstance(node, bool) and not covered:
            out.append(prefix)

    walk(data, "", False)
    return out
