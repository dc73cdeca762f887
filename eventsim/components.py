"""Named hardware components (cores, links, memories, threads) with integer ids.

A component id is what compiled code uses to charge the ledger and to trace; its name and its
chip are what reports and Perfetto traces show (one process per chip, one thread per component).
"""
from __future__ import annotations

from .errors import ConfigError


class ComponentTable:
    """Component names, their ids (0, 1, ... in order of registration) and their chip ids."""

    def __init__(self):
        self._ids: dict[str, int] = {}
        self.names: list[str] = []
        self.chips: list[int] = []

    def add(self, name: str, chip: int = 0) -> int:
        """Register ``name`` on ``chip`` (or return its id if already registered on that chip)."""
        if not isinstance(name, str) or not name:
            raise ConfigError(f"component name must be a non-empty string, got {name!r}")
        if isinstance(chip, bool) or not isinstance(chip, int) or chip < 0:
            raise ConfigError(f"component {name!r}: chip must be an int >= 0, got {chip!r}")
        if name in self._ids:
            cid = self._ids[name]
            if self.chips[cid] != chip:
                raise ConfigError(f"component {name!r} is already on chip {self.chips[cid]}, "
                                  f"not chip {chip}")
            return cid
        cid = len(self.names)
        self._ids[name] = cid
        self.names.append(name)
        self.chips.append(chip)
        return cid

    def id(self, name: str) -> int:
        """The id of a registered component."""
        try:
            return self._ids[name]
        except KeyError:
            raise ConfigError(f"unknown component {name!r}; known: {sorted(self._ids)}") from None

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: str) -> bool:
        return name in self._ids
