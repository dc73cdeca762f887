"""The results store of a sweep: one SQLite file, ``DIR/results.sqlite``, one row per point.

Table ``points`` (one row per design point, created with the design, all ``pending``):

- ``idx`` (the point's position in the design), ``point_id`` (hash of its overrides, see
  ``design.point_id``), ``status``: ``pending`` -> ``running`` (submitted to a worker) ->
  ``done`` or ``failed``;
- ``overrides_json`` (every override of the point, JSON) and one column ``param:KEY`` per swept
  key (numbers, strings and booleans as themselves, lists and tables as JSON);
- ``metrics_json`` (the flattened metrics of a done point, JSON, see ``metrics``) and one column
  ``metric:KEY`` per objective and constraint key;
- ``feasible`` (1/0 for done points), ``violations`` (why not, ``; ``-separated), ``pareto``
  (1 on the front of the feasible done points, else 0; NULL until analysed);
- ``error`` (``Type: message``) and ``traceback`` of a failed point;
- ``run_dir`` (the run directory, relative to DIR), ``wall_s`` (seconds the point took on its
  worker, including writing its run directory), ``attempts``, ``submitted`` / ``started`` /
  ``finished`` (local ISO 8601 timestamps), ``worker`` (host:pid that ran it).

Table ``meta`` (key -> JSON): ``format``, ``scenario``, ``run_seed``, ``point_ids`` (the design,
in order), ``sweep`` (the sweep as data), ``created``.

Every change is committed at once, and only the sweep's parent process writes, so a killed
sweep loses only its points in flight. Opening a store for a sweep whose scenario, run seed or
points differ from the stored ones is a ``ConfigError`` that says what differs. A lock file
(``results.sqlite.lock``, held while a sweep runs) refuses a second sweep on the same store.
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

from eventsim.errors import ConfigError

STORE_NAME = "results.sqlite"
FORMAT = 1
STATUSES = ("pending", "running", "done", "failed")
BASE_COLUMNS = (
    ("idx", "INTEGER PRIMARY KEY"), ("point_id", "TEXT NOT NULL"), ("status", "TEXT NOT NULL"),
    ("feasible", "INTEGER"), ("pareto", "INTEGER"), ("violations", "TEXT"),
    ("error", "TEXT"), ("wall_s", "REAL"), ("run_dir", "TEXT"), ("attempts", "INTEGER"),
    ("submitted", "TEXT"), ("started", "TEXT"), ("finished", "TEXT"), ("worker", "TEXT"),
    ("overrides_json", "TEXT NOT NULL"), ("metrics_json", "TEXT"), ("traceback", "TEXT"),
)


def now() -> str:
    """The local time as ISO 8601 with its UTC offset (``2026-01-31T14:05:09+0100``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def param_column(key: str) -> str:
    return f"param:{key}"


def metric_column(key: str) -> str:
    return f"metric:{key}"


def _q(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _diff(old: dict, new: dict) -> str:
    """``key: old -> new`` for every override that differs between two points."""
    missing = "(not set)"
    keys = [*old, *(k for k in new if k not in old)]
    return ", ".join(f"{k}: {old.get(k, missing)!r} -> {new.get(k, missing)!r}"
                     for k in keys if old.get(k, missing) != new.get(k, missing))


def cell(value):
    """A value as stored in a ``param:``/``metric:`` column: scalars as themselves, lists and
    tables as JSON."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, sort_keys=True)
    return value


class Store:
    """The SQLite results store at ``path`` (see the module docstring)."""

    def __init__(self, path, *, lock: bool = False):
        self.path = Path(path)
        self._lock_file = None
        if lock:
            self._acquire_lock()
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        with self._tx():
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, "
                            "value TEXT NOT NULL)")

    # ------------------------------------------------------------------ lifecycle
    @contextmanager
    def _tx(self):
        """One transaction (DDL included): committed at the end, rolled back on any error."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _acquire_lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # no advisory locks on this platform: no guard
            return
        f = open(self.path.parent / (self.path.name + ".lock"), "w")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            raise ConfigError(f"another eventsim sweep is running on {self.path} (it holds "
                              f"{self.path.name}.lock); wait for it or stop it") from None
        f.write(f"{socket.gethostname()}:{os.getpid()}\n")
        f.flush()
        self._lock_file = f

    def close(self) -> None:
        self.db.close()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ design
    def meta(self) -> dict:
        """The ``meta`` table as a dict (values decoded from JSON)."""
        return {r["key"]: json.loads(r["value"])
                for r in self.db.execute("SELECT key, value FROM meta")}

    def columns(self) -> list[str]:
        """The columns of ``points``, in table order (empty before ``bind``)."""
        return [r["name"] for r in self.db.execute("PRAGMA table_info(points)")]

    def bind(self, spec, points) -> None:
        """Make the store hold the sweep ``spec`` with design ``points``: create it (every point
        pending) or check that the stored sweep has the same scenario, run seed and points
        (ConfigError if not). Objectives and constraints may change between runs: columns for
        new metric keys are added and filled from the stored metrics."""
        stored = self.meta()
        if not stored:
            self._create(spec, points)
        else:
            self._check_same(stored, spec, points)
            with self._tx():
                self.db.execute("UPDATE meta SET value = ? WHERE key = 'sweep'",
                                (json.dumps(spec.as_dict()),))
        self._ensure_metric_columns(spec.metric_keys)

    def _create(self, spec, points) -> None:
        params = [p.key for p in spec.parameters]
        cols = [f"{_q(n)} {t}" for n, t in BASE_COLUMNS] + [_q(param_column(k)) for k in params]
        meta = {"format": FORMAT, "scenario": spec.scenario, "run_seed": spec.run_seed,
                "point_ids": [p.id for p in points], "sweep": spec.as_dict(), "created": now()}
        names = ["idx", "point_id", "status", "attempts", "overrides_json",
                 *(param_column(k) for k in params)]
        insert = (f"INSERT INTO points ({', '.join(_q(n) for n in names)}) VALUES "
                  f"({', '.join('?' * len(names))})")
        with self._tx():
            self.db.execute(f"CREATE TABLE points ({', '.join(cols)})")
            self.db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                                [(k, json.dumps(v)) for k, v in meta.items()])
            self.db.executemany(insert, [
                (p.index, p.id, "pending", 0, json.dumps(p.overrides),
                 *(cell(p.params[k]) for k in params)) for p in points])

    def _check_same(self, stored: dict, spec, points) -> None:
        if stored.get("format") != FORMAT:
            raise ConfigError(f"{self.path} has store format {stored.get('format')!r}, this "
                              f"eventsim writes format {FORMAT}; use another --out directory")
        where = (f"{self.path} holds another sweep; use another --out directory, or delete it "
                 f"to start over")
        if stored["scenario"] != spec.scenario or stored["run_seed"] != spec.run_seed:
            raise ConfigError(f"{where}: it ran scenario {stored['scenario']} with run_seed "
                              f"{stored['run_seed']}, the sweep file says scenario "
                              f"{spec.scenario} with run_seed {spec.run_seed}")
        ids = [p.id for p in points]
        if stored["point_ids"] == ids:
            return
        old = stored["point_ids"]
        i = next((i for i, (a, b) in enumerate(zip(old, ids)) if a != b), min(len(old), len(ids)))
        if i < len(old) and i < len(ids):
            row = self.db.execute("SELECT overrides_json FROM points WHERE idx = ?",
                                  (i,)).fetchone()
            was = json.loads(row["overrides_json"])
            detail = f"point {i} differs: {_diff(was, points[i].overrides)}"
        else:
            detail = "the first points agree, the number differs"
        raise ConfigError(f"{where}: its design has {len(old)} points, the sweep file gives "
                          f"{len(ids)}; {detail}")

    def _ensure_metric_columns(self, keys) -> None:
        have = set(self.columns())
        new = [k for k in keys if metric_column(k) not in have]
        if not new:
            return
        with self._tx():
            for k in new:
                self.db.execute(f"ALTER TABLE points ADD COLUMN {_q(metric_column(k))}")
            rows = self.db.execute("SELECT idx, metrics_json FROM points "
                                   "WHERE metrics_json IS NOT NULL").fetchall()
            for r in rows:
                metrics = json.loads(r["metrics_json"])
                sets = ", ".join(f"{_q(metric_column(k))} = ?" for k in new)
                self.db.execute(f"UPDATE points SET {sets} WHERE idx = ?",
                                [cell(metrics.get(k)) for k in new] + [r["idx"]])

    # ------------------------------------------------------------------ progress
    def todo(self, retry_failed: bool = False) -> list[int]:
        """Indices of the points still to run: pending, running (left over by a killed sweep)
        and, with ``retry_failed``, failed; in design order."""
        statuses = ("pending", "running", "failed") if retry_failed else ("pending", "running")
        marks = ", ".join("?" * len(statuses))
        return [r["idx"] for r in self.db.execute(
            f"SELECT idx FROM points WHERE status IN ({marks}) ORDER BY idx", statuses)]

    def counts(self) -> dict:
        """Points per status (every status present, 0 where none)."""
        out = dict.fromkeys(STATUSES, 0)
        for r in self.db.execute("SELECT status, COUNT(*) AS n FROM points GROUP BY status"):
            out[r["status"]] = r["n"]
        return out

    def mark_running(self, idx: int) -> None:
        """Point ``idx`` was submitted to a worker."""
        with self._tx():
            self.db.execute("UPDATE points SET status = 'running', submitted = ?, "
                            "attempts = attempts + 1 WHERE idx = ?", (now(), idx))

    def reset_running(self) -> None:
        """Points submitted but not finished (an interrupted sweep) become pending again."""
        with self._tx():
            self.db.execute("UPDATE points SET status = 'pending' WHERE status = 'running'")

    def record(self, outcome, violations: list[str] | None, metric_keys) -> None:
        """Write the ``worker.Outcome`` of a point, with its ``violations`` (None for a failed
        point), and commit."""
        done = outcome.status == "done"
        metrics = outcome.metrics or {}
        values = {
            "status": outcome.status,
            "metrics_json": json.dumps(metrics) if done else None,
            "feasible": (0 if violations else 1) if done else None,
            "violations": "; ".join(violations) if done and violations else None,
            "pareto": None, "error": outcome.error, "traceback": outcome.traceback,
            "run_dir": outcome.run_dir, "wall_s": outcome.wall_s, "started": outcome.started,
            "finished": outcome.finished, "worker": outcome.worker,
            **{metric_column(k): cell(metrics.get(k)) if done else None for k in metric_keys},
        }
        sets = ", ".join(f"{_q(k)} = ?" for k in values)
        with self._tx():
            self.db.execute(f"UPDATE points SET {sets} WHERE idx = ?",
                            [*values.values(), outcome.index])

    def set_analysis(self, rows) -> None:
        """Store (idx, feasible, violations, pareto) of every done point, in one transaction;
        every other point gets feasible, violations and pareto NULL."""
        with self._tx():
            self.db.execute("UPDATE points SET feasible = NULL, violations = NULL, "
                            "pareto = NULL WHERE status != 'done'")
            self.db.executemany("UPDATE points SET feasible = ?, violations = ?, pareto = ? "
                                "WHERE idx = ?",
                                [(int(f), v or None, int(p), i) for i, f, v, p in rows])

    # ------------------------------------------------------------------ reading
    def rows(self) -> list[dict]:
        """Every point as a dict of its columns, in design order."""
        if "idx" not in self.columns():
            return []
        return [dict(r) for r in self.db.execute("SELECT * FROM points ORDER BY idx")]


def open_store(out_dir, *, lock: bool = False) -> Store:
    """The store of the sweep directory ``out_dir`` (created if absent)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"the sweep directory {str(out)!r} is a file")
    out.mkdir(parents=True, exist_ok=True)
    return Store(out / STORE_NAME, lock=lock)
