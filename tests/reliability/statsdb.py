"""Checks on a statistics database written by a real process: intact, anonymous, nothing twice."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

__all__ = ["HOUR", "ONCE_PER_STEP", "check_stats_db", "stats_rows"]

HOUR = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:00Z$")
ONCE_PER_STEP = ("started", "step", "outcome")
"""Event kinds that happen at most once per (run, step): a repeat means double counting."""

COLUMNS = {"id", "kind", "flow", "version", "state", "outcome", "channel", "role", "training", "hour",
           "run_id", "step", "language"}


def stats_rows(path: Path) -> list[dict[str, Any]]:
    """Every event row, oldest first."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute("SELECT * FROM events ORDER BY id")]
    finally:
        conn.close()


def check_stats_db(path: Path) -> list[dict[str, Any]]:
    """Assert the database is intact and holds only anonymous, non-duplicated events.

    * ``PRAGMA integrity_check`` says ``ok``;
    * the events table has exactly the documented columns (nothing about people);
    * every ``hour`` is an hour bucket, never an exact time;
    * no (run_id, kind, step) repeats for started/step/outcome, and each run is
      started and abandoned at most once.

    Returns the rows, for further checks.
    """
    conn = sqlite3.connect(str(path))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        columns = {row[1] for row in conn.execute("PRAGMA table_info(events)")}
    finally:
        conn.close()
    assert columns == COLUMNS
    rows = stats_rows(path)
    for row in rows:
        assert HOUR.match(row["hour"]), row["hour"]
    keyed = Counter((r["run_id"], r["kind"], r["step"]) for r in rows if r["kind"] in ONCE_PER_STEP)
    twice = {key: n for key, n in keyed.items() if n > 1}
    assert not twice, f"events counted twice: {twice}"
    per_run = Counter((r["run_id"], r["kind"]) for r in rows if r["kind"] in ("started", "abandoned"))
    assert all(n == 1 for n in per_run.values()), {k: n for k, n in per_run.items() if n > 1}
    return rows
