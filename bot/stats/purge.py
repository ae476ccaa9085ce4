"""Retention: delete the events of runs that started before a cut-off."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from bot.stats.schema import StatsError, hour_bucket

__all__ = ["purge"]

_DELETE = """
DELETE FROM events WHERE id IN (
    SELECT e.id FROM events AS e
    LEFT JOIN (SELECT run_id, min(hour) AS first_hour FROM events
               WHERE run_id != '' GROUP BY run_id) AS r
      ON r.run_id = e.run_id AND e.run_id != ''
    WHERE coalesce(r.first_hour, e.hour) < ?
)
"""


def purge(path: Path | str, older_than_days: int, *, now: float | None = None) -> int:
    """Delete every event of runs that started more than ``older_than_days`` days ago.

    Whole runs go together, so no half-run is left to skew a report. Deleted data is
    overwritten (``secure_delete``) and the write-ahead log is checkpointed, so it does
    not linger in the files. Returns the number of events deleted.

    Raises:
        StatsError: no database at ``path``, a negative number of days, or the database
            cannot be written (for example while another program holds a lock).
    """
    if older_than_days < 0:
        raise StatsError(f"--older-than must be 0 or more days, not {older_than_days}")
    path = Path(path)
    if not path.is_file():
        raise StatsError(f"no statistics database at {path}; it is created when the bot or chat runs")
    cutoff = hour_bucket((time.time() if now is None else now) - older_than_days * 86_400)
    try:
        conn = sqlite3.connect(str(path), timeout=10.0, isolation_level=None)
    except sqlite3.Error as exc:
        raise StatsError(f"cannot open the statistics database at {path}: {exc}") from None
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA secure_delete = ON")
        if not conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'events'").fetchone()[0]:
            raise StatsError(f"{path} is not a statistics database (it has no 'events' table)")
        conn.execute("BEGIN IMMEDIATE")
        deleted = conn.execute(_DELETE, [cutoff]).rowcount
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        raise StatsError(f"cannot purge {path}: {exc}; try again later") from None
    finally:
        conn.close()
    return int(deleted)
