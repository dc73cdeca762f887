"""Reading a run directory back (what ``scenarios.output`` and ``scenarios.run_data`` wrote):
``result.json``, ``ledger.csv`` and ``run_data.npz``.

A directory is a run directory when it holds a ``result.json`` that is a JSON object with
``scenario`` and ``run_id``; anything else raises ``RunDirError`` naming the path and what is
wrong. ``ledger.csv`` and ``run_data.npz`` are optional (a scenario may have neither).
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eventsim.errors import ConfigError

from .output import LEDGER_COLUMNS
from .run_data import FILE as RUN_DATA_FILE
from .run_data import load_run_data

RESULT_FILE = "result.json"
LEDGER_FILE = "ledger.csv"


class RunDirError(ConfigError):
    """A path is not a run directory, or one of its files cannot be read."""


@dataclass(frozen=True)
class RunDir:
    """A run directory's contents: ``result`` (result.json), ``ledgers`` ({sub-run: rows with
    component, action, count, energy_pj (pJ), busy_ps (ps)}; {} without ledger.csv) and
    ``data`` ({sub-run: {field: array}} of run_data.npz; {} without it)."""
    path: Path
    result: dict
    ledgers: dict[str, list[dict]] = field(default_factory=dict)
    data: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        return str(self.result.get("run_id", self.path.name))

    @property
    def scenario(self) -> str:
        return str(self.result.get("scenario", "?"))


def read_result(run_dir) -> dict:
    """The ``result.json`` of ``run_dir``; RunDirError if it is not a run directory."""
    path = Path(run_dir)
    if not path.is_dir():
        raise RunDirError(f"not a run directory: {str(path)!r} "
                          f"({'is a file' if path.exists() else 'does not exist'})")
    result_path = path / RESULT_FILE
    if not result_path.is_file():
        raise RunDirError(f"not a run directory: {str(path)!r} has no {RESULT_FILE}")
    try:
        result = json.loads(result_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise RunDirError(f"{str(result_path)!r} is not valid JSON: {e}") from None
    missing = [k for k in ("scenario", "run_id") if not isinstance(result, dict) or k not in result]
    if missing:
        raise RunDirError(f"not a run directory: {str(result_path)!r} lacks {missing}")
    return result


def read_ledger_csv(path) -> dict[str, list[dict]]:
    """{sub-run: rows} of a ``ledger.csv`` (columns ``output.LEDGER_COLUMNS``), rows in file
    order with count and busy_ps as int, energy_pj as float (pJ)."""
    path = Path(path)
    ledgers: dict[str, list[dict]] = {}
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in LEDGER_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise RunDirError(f"{str(path)!r} lacks the column(s) {missing}; "
                              f"expected {list(LEDGER_COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            try:
                parsed = {"component": row["component"], "action": row["action"],
                          "count": int(row["count"]), "energy_pj": float(row["energy_pj"]),
                          "busy_ps": int(row["busy_ps"])}
            except (TypeError, ValueError) as e:
                raise RunDirError(f"{str(path)!r} line {line}: {e}") from None
            ledgers.setdefault(row["run"], []).append(parsed)
    return ledgers


def load_run_dir(run_dir, result: dict | None = None) -> RunDir:
    """Every file of ``run_dir``; ``result`` given (a scenario's ``plots`` runs before
    result.json is written) is used instead of reading result.json."""
    path = Path(run_dir)
    if result is None:
        result = read_result(path)
    elif not path.is_dir():
        raise RunDirError(f"not a directory: {str(path)!r}")
    ledger = path / LEDGER_FILE
    ledgers = read_ledger_csv(ledger) if ledger.is_file() else {}
    try:
        data = load_run_data(path)
    except (OSError, ValueError) as e:
        raise RunDirError(f"{str(path / RUN_DATA_FILE)!r} cannot be read: {e}") from None
    return RunDir(path, result, ledgers, data)
