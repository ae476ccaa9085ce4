"""The statistics database: where it lives, how it is opened, and its schema migrations.

Heavy imports (``sqlite_utils``) happen inside functions, so importing :mod:`bot.stats`
stays cheap for the terminal chat.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.paths import STATS_DB_ENV, stats_db_path

__all__ = [
    "DB_ENV",
    "EVENTS_TABLE",
    "MENU_FLOW",
    "MIGRATION_SET",
    "StatsError",
    "connect_readonly",
    "create_private_file",
    "default_db_path",
    "hour_bucket",
    "open_database",
]

DB_ENV = STATS_DB_ENV
EVENTS_TABLE = "events"
MIGRATION_SET = "referral_bot_stats"
MENU_FLOW = "(menu)"
"""The flow name reports use for events outside any flow (Emergency pressed at the menu)."""

_COLUMNS: dict[str, type] = {
    "id": int,
    "kind": str,
    "flow": str,
    "version": str,
    "state": str,
    "outcome": str,
    "channel": str,
    "role": str,
    "training": int,
    "hour": str,
    "run_id": str,
    "step": int,
}
"""The columns of the first migration; ``m002_language`` adds ``language``."""


class StatsError(Exception):
    """A problem with the statistics database that the user can fix; the message says how."""


def default_db_path() -> Path:
    """The database path: ``REFERRAL_BOT_DB``, else ``referral-bot.db`` in the per-user data
    directory (see :mod:`bot.paths`, which defines every default location)."""
    return stats_db_path()


def hour_bucket(timestamp: float) -> str:
    """A POSIX time truncated to its UTC hour, as ``2026-11-29T15:00Z``."""
    return datetime.fromtimestamp(int(timestamp) // 3600 * 3600, UTC).strftime("%Y-%m-%dT%H:00Z")


def create_private_file(path: Path) -> None:
    """Create ``path`` (and missing parent folders, mode 0700) as an empty file with mode 0600.

    An existing file is left as it is.
    """
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _migrations() -> Any:
    """The schema's migration set (built on demand so ``sqlite_utils`` loads lazily)."""
    from sqlite_utils import Migrations

    migrations = Migrations(MIGRATION_SET)

    @migrations()
    def m001_events(db: Any) -> None:
        db[EVENTS_TABLE].create(
            _COLUMNS, pk="id",
            not_null=["kind", "version", "state", "channel", "training", "hour", "run_id", "step"],
            defaults={"version": "", "training": 0, "run_id": "", "step": 0},
        )
        db[EVENTS_TABLE].create_index(["hour"])
        db[EVENTS_TABLE].create_index(["run_id"])
        db[EVENTS_TABLE].create_index(["flow", "kind"])

    @migrations()
    def m002_language(db: Any) -> None:
        """Issue 15: the language each run was shown in (en or cy); older rows were English."""
        db[EVENTS_TABLE].add_column("language", str, not_null_default="en")

    return migrations


def open_database(path: Path, *, busy_timeout: float) -> Any:
    """Open (creating if needed) the database with WAL and migrations applied.

    Returns a ``sqlite_utils.Database`` that belongs to the calling thread.

    Raises:
        sqlite3.Error: the database cannot be opened, migrated or written.
        OSError: the file or its folder cannot be created.
    """
    from sqlite_utils import Database

    create_private_file(path)
    conn = sqlite3.connect(str(path), timeout=busy_timeout)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        db = Database(conn, execute_plugins=False)
        db.enable_wal()
        conn.execute("PRAGMA synchronous = NORMAL")
        migrations = _migrations()
        if migrations.pending(db):
            migrations.apply(db)
            # The migration log stores exact times; on a new database that would date the
            # first conversation to the second. Keep only the day.
            db.execute(
                "UPDATE _sqlite_migrations SET applied_at = substr(applied_at, 1, 10) "
                "WHERE migration_set = ? AND length(applied_at) > 10",
                [MIGRATION_SET],
            )
    except BaseException:
        conn.close()
        raise
    return db


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to an existing statistics database, for reports.

    Raises:
        StatsError: there is no database at ``path``, or it is not a statistics database.
    """
    if not path.is_file():
        raise StatsError(f"no statistics database at {path}; it is created when the bot or chat runs")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
        conn.row_factory = sqlite3.Row
        found = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [EVENTS_TABLE]
        ).fetchone()[0]
    except sqlite3.Error as exc:
        raise StatsError(f"cannot read the statistics database at {path}: {exc}") from None
    if not found:
        conn.close()
        raise StatsError(
            f"{path} is not a statistics database (it has no '{EVENTS_TABLE}' table); "
            f"check REFERRAL_BOT_DB or --db"
        )
    return conn
