"""Strict reading of machine descriptions: every value checked, every key known, every
number's source recorded.

A number may be plain (``152``) or carry its source (``{value = 152, source = "..."}``); a
table's ``source`` key covers its numbers that have none. Errors are ``ConfigError``s that name
the field path and the value.
"""
from __future__ import annotations

import math
import numbers

from eventsim.errors import ConfigError


def _is_number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


class Table:
    """One table of a description, read key by key; ``done()`` refuses keys nobody read."""

    def __init__(self, data, path: str, sources: dict[str, str], inherited: str | None = None):
        if not isinstance(data, dict):
            raise ConfigError(f"{path or 'machine'} must be a table, got {data!r}")
        self.data, self.path, self.sources = data, path, sources
        self.source = inherited
        self._read: set[str] = set()
        if "source" in data:
            self.source = self._source_text(data["source"], self._key("source"))
            self._read.add("source")

    def _key(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    @staticmethod
    def _source_text(v, path: str) -> str:
        if not isinstance(v, str) or not v.strip():
            raise ConfigError(f"{path} must be a non-empty string, got {v!r}")
        return v

    def has(self, key: str) -> bool:
        return key in self.data

    def number(self, key: str, *, default=None, minimum=None, above=None, integer=False):
        """A number (int if ``integer``), >= ``minimum`` / > ``above`` when given."""
        path = self._key(key)
        self._read.add(key)
        if key not in self.data:
            if default is None:
                raise ConfigError(f"{path} is required")
            return default
        raw, source = self.data[key], self.source
        if isinstance(raw, dict):
            extra = set(raw) - {"value", "source"}
            if extra or "value" not in raw:
                raise ConfigError(f"{path} must be a number or {{value, source}}, got {raw!r}")
            if "source" in raw:
                source = self._source_text(raw["source"], path + ".source")
            raw = raw["value"]
        if not _is_number(raw) or (isinstance(raw, float) and not math.isfinite(raw)):
            raise ConfigError(f"{path} must be a finite number, got {raw!r}")
        if integer:
            if int(raw) != raw:
                raise ConfigError(f"{path} must be an integer, got {raw!r}")
            raw = int(raw)
        if minimum is not None and raw < minimum:
            raise ConfigError(f"{path} must be >= {minimum}, got {raw!r}")
        if above is not None and raw <= above:
            raise ConfigError(f"{path} must be > {above}, got {raw!r}")
        if source is not None:
            self.sources[path] = source
        return raw

    def string(self, key: str, *, choices=None, default=None) -> str:
        path = self._key(key)
        self._read.add(key)
        if key not in self.data:
            if default is None:
                raise ConfigError(f"{path} is required")
            return default
        v = self.data[key]
        if not isinstance(v, str) or not v:
            raise ConfigError(f"{path} must be a non-empty string, got {v!r}")
        if choices is not None and v not in choices:
            raise ConfigError(f"{path} must be one of {list(choices)}, got {v!r}")
        return v

    def boolean(self, key: str, *, default: bool) -> bool:
        self._read.add(key)
        v = self.data.get(key, default)
        if not isinstance(v, bool):
            raise ConfigError(f"{self._key(key)} must be true or false, got {v!r}")
        return v

    def table(self, key: str, *, required: bool = True) -> Table | None:
        self._read.add(key)
        if key not in self.data:
            if required:
                raise ConfigError(f"{self._key(key)} is required")
            return None
        return Table(self.data[key], self._key(key), self.sources, self.source)

    def tables(self, key: str) -> list[Table]:
        """An array of tables (``[[key]]``); empty when absent."""
        self._read.add(key)
        items = self.data.get(key, [])
        if not isinstance(items, list):
            raise ConfigError(f"{self._key(key)} must be an array of tables, got {items!r}")
        return [Table(t, f"{self._key(key)}[{i}]", self.sources, self.source)
                for i, t in enumerate(items)]

    def subtables(self) -> dict[str, Table]:
        """Every key of this table as a sub-table (for tables keyed by name)."""
        out = {}
        for k in self.data:
            if k == "source":
                continue
            self._read.add(k)
            out[k] = Table(self.data[k], self._key(k), self.sources, self.source)
        return out

    def done(self) -> None:
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            where = self.path or "the machine description"
            raise ConfigError(f"unknown key(s) in {where}: {', '.join(unknown)}")
