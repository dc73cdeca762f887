"""Export a sweep's results store to CSV (``DIR/results.csv``) or Parquet
(``DIR/results.parquet``), one row per design point.

Columns (see ``store`` for their meaning and units): ``idx``, ``point_id``, ``status``,
``feasible``, ``pareto``, ``violations``, ``error``, the ``param:KEY`` columns, the
``metric:KEY`` columns, ``wall_s``, ``run_dir``, ``attempts``, ``submitted``, ``started``,
``finished``, ``worker``, then ``overrides_json`` and ``metrics_json`` (every override and every
metric, JSON) and ``traceback``.

CSV: empty cell for NULL, floats as ``repr`` (they read back exactly), other values as text.
Parquet (needs ``pyarrow``): each column typed from its values (integer, float, string,
boolean); a column mixing types (say numbers and strings) is written as strings. Files are
written to a temporary name and renamed, so a reader never sees half a file.
"""
from __future__ import annotations

import csv
import importlib
import json
from pathlib import Path

from eventsim.errors import ConfigError

from ..output import write_atomically
from .store import STORE_NAME, Store

FORMATS = ("csv", "parquet")
LEADING = ("idx", "point_id", "status", "feasible", "pareto", "violations", "error")
TRAILING = ("wall_s", "run_dir", "attempts", "submitted", "started", "finished", "worker",
            "overrides_json", "metrics_json", "traceback")


def export_columns(columns: list[str]) -> list[str]:
    """The store's columns in export order (see the module docstring)."""
    params = [c for c in columns if c.startswith("param:")]
    metrics = [c for c in columns if c.startswith("metric:")]
    known = {*LEADING, *TRAILING, *params, *metrics}
    rest = [c for c in columns if c not in known]
    return [*(c for c in LEADING if c in columns), *params, *metrics, *rest,
            *(c for c in TRAILING if c in columns)]


def check_formats(formats) -> list[str]:
    """``formats`` checked (each ``csv`` or ``parquet``, pyarrow present for parquet)."""
    formats = list(dict.fromkeys(formats))
    for f in formats:
        if f not in FORMATS:
            raise ConfigError(f"export format must be one of {list(FORMATS)}, got {f!r}")
    if "parquet" in formats:
        try:
            importlib.import_module("pyarrow")
        except ImportError:
            raise ConfigError("export parquet needs pyarrow: pip install 'pyarrow>=14'") from None
    return formats


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_csv(path, rows: list[dict], columns: list[str]) -> Path:
    """``rows`` (dicts) as CSV with ``columns``; returns the path."""
    def write(tmp):
        with open(tmp, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(columns)
            for r in rows:
                w.writerow([_csv_cell(r.get(c)) for c in columns])
    return write_atomically(path, write)


def _arrow_column(values: list):
    import pyarrow as pa
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.array([None if v is None else (v if isinstance(v, str) else json.dumps(v))
                         for v in values], type=pa.string())


def write_parquet(path, rows: list[dict], columns: list[str]) -> Path:
    """``rows`` (dicts) as a Parquet file with ``columns``; returns the path."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    table = pa.table({c: _arrow_column([r.get(c) for r in rows]) for c in columns})
    return write_atomically(path, lambda tmp: pq.write_table(table, tmp))


def export(out_dir, formats=("csv",)) -> list[Path]:
    """Write ``DIR/results.<format>`` for each of ``formats`` from ``DIR/results.sqlite``;
    returns the paths written."""
    formats = check_formats(formats)
    out = Path(out_dir)
    if not (out / STORE_NAME).is_file():
        raise ConfigError(f"no sweep results in {str(out)!r} (no {STORE_NAME})")
    with Store(out / STORE_NAME) as store:
        rows, columns = store.rows(), export_columns(store.columns())
    writers = {"csv": write_csv, "parquet": write_parquet}
    return [writers[f](out / f"results.{f}", rows, columns) for f in formats]
