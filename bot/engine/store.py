"""Where sessions live between updates: one SQLite row per user, under an opaque key.

Channel-neutral: any channel calls :meth:`SessionStore.load`, :meth:`~SessionStore.save`,
:meth:`~SessionStore.delete`, :meth:`~SessionStore.flush`, :meth:`~SessionStore.sweep`
and :meth:`~SessionStore.close` with a key from :meth:`~SessionStore.key` (an HMAC of the
channel's own id, so the table never holds one). A channel that keeps bookkeeping beside
the session subclasses :class:`~bot.engine.stored.StoredSession`; its columns live in the
same row and are written in the same statement (``load_record``, ``save_record``,
``stage``). Durability, staging and what a crash can lose: docs/sessions.md.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import sqlite3
import weakref
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlite_utils import Database, Migrations

from bot.engine.engine import Engine
from bot.engine.session import Session
from bot.engine.stored import HOUR_FORMAT, Column, Row, StoredSession, hour_bucket
from bot.engine.storefile import Checkpointer, create_private, secret_for

__all__ = [
    "DEFAULT_TTL",
    "MAX_STAGED",
    "TTL_ENV",
    "Column",
    "SessionStore",
    "StoreError",
    "StoredSession",
    "hour_bucket",
    "ttl_from_env",
]

log = logging.getLogger(__name__)
R = TypeVar("R", bound=StoredSession)

TTL_ENV = "REFERRAL_BOT_SESSION_TTL_HOURS"
DEFAULT_TTL = timedelta(hours=24)
MAX_STAGED = 256
"""Staged rows held in memory before they are all written at once."""
_KEYS_KEPT = 1024
"""Keys of recent chats remembered in memory (an HMAC costs microseconds)."""
_WAL_FALLBACK = 10_000
"""Pages in the write-ahead log at which a commit checkpoints, if the thread fell behind."""
NEUTRAL = ("key", "session", "version", "last_active")
"""The columns every channel shares; channels add their own (``StoredSession.COLUMNS``)."""

_DELETE = "delete from sessions where key = ?"
_EXPIRED = "select key, session, last_active from sessions where last_active <= ?"

migrations = Migrations("referral_bot_sessions")


@migrations()
def m001_sessions(db: Database) -> None:
    """The sessions table: one row per user, the channel-neutral columns."""
    db.table("sessions").create({"key": str, "session": str, "version": str, "last_active": str},
                                pk="key", not_null=["session", "version", "last_active"])
    db.table("sessions").create_index(["last_active"])


@migrations()
def m002_channel_columns_optional(db: Database) -> None:
    """Columns a channel added may be empty: another channel's rows leave them out."""
    table = db.table("sessions")
    strict = {c.name for c in table.columns if c.notnull and c.name not in NEUTRAL}
    if strict:
        table.transform(not_null=dict.fromkeys(strict, False))


class _Statements:
    """The SQL for one kind of stored session (neutral columns, then the channel's own).

    Plain SQL on the connection, not Table.upsert(): sqlite-utils probes ON CONFLICT support
    once by writing a scratch table, and if that probe meets a locked database it falls back
    for good to an INSERT OR IGNORE upsert that silently drops rows with NOT NULL columns.
    The sqlite3 module keeps these statements prepared (its statement cache).
    """

    __slots__ = ("select", "upsert", "upsert_same_hour")

    def __init__(self, columns: tuple[Column, ...]) -> None:
        names = [*NEUTRAL, *(c.name for c in columns)]
        listed = ", ".join(names)
        marks = ", ".join("?" * len(names))
        updates = [f"{n} = excluded.{n}" for n in names[1:]]
        head = f"insert into sessions ({listed}) values ({marks}) on conflict(key) do update set "  # noqa: S608 - Column names are checked identifiers
        self.upsert = head + ", ".join(updates)
        # The same, when the row already holds this hour: the last_active index is left alone,
        # which saves writing its page to the log on almost every commit.
        self.upsert_same_hour = head + ", ".join(u for u in updates if not u.startswith("last_active "))
        extra = "".join(f", {c.name}" for c in columns)
        self.select = f"select session, last_active{extra} from sessions where key = ?"  # noqa: S608 - as above


class StoreError(RuntimeError):
    """The session store could not be read; the caller should not overwrite the session."""


def ttl_from_env(environ: Mapping[str, str] | None = None) -> timedelta:
    """The inactivity limit from ``REFERRAL_BOT_SESSION_TTL_HOURS`` (default 24 hours).

    Raises:
        ValueError: with a message that says what is wrong and how to fix it.
    """
    raw = (os.environ if environ is None else environ).get(TTL_ENV, "").strip()
    if not raw:
        return DEFAULT_TTL
    try:
        hours = float(raw)
    except ValueError:
        hours = float("nan")
    if not hours > 0 or hours > 24 * 365:
        raise ValueError(f"{TTL_ENV} must be a number of hours between 0 and 8760, such as 24; "
                         f"got {raw[:20]!r}.")
    return timedelta(hours=hours)


class SessionStore:
    """SQLite-backed sessions for every channel, with an in-memory fallback when writes fail.

    Args:
        path: the database file; created (mode 0600) with its folder if missing.
        ttl: sessions inactive for longer are expired.
        secret: the key-derivation secret; by default read from (or created as) a
            ``<name>.key`` file beside the database.
        busy_timeout: seconds to wait for a lock before a write counts as failed.
        checkpoint_every: seconds between checkpoints of the write-ahead log, which a
            background thread runs (see :class:`bot.engine.storefile.Checkpointer`).
        records: the channels' stored-session classes whose columns must exist (a class
            first used later gets its columns then).

    Raises:
        StoreError: when the database cannot be created or opened at all.
    """

    def __init__(self, path: Path | str, *, ttl: timedelta = DEFAULT_TTL, secret: bytes | None = None,
                 busy_timeout: float = 2.0, checkpoint_every: float = 1.0,
                 records: tuple[type[StoredSession], ...] = ()) -> None:
        self.path = Path(path)
        self.ttl = ttl
        self._pending: dict[str, StoredSession | None] = {}
        self._failing = False
        self._sql: dict[type[StoredSession], _Statements] = {}
        try:
            create_private(self.path)
            self._secret = secret if secret is not None else secret_for(self.path)
            # Autocommit: a lone statement is its own transaction; several share an explicit one.
            self._conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
            self.db = Database(self._conn)
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute(f"PRAGMA wal_autocheckpoint={_WAL_FALLBACK}")
            migrations.apply(self.db)
            for record in records:
                self._statements(record)
            self._statements(StoredSession)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the session database {self.path}: "
                             f"{exc.__class__.__name__}: {exc}. Check that its folder exists "
                             "and is writable, or set REFERRAL_BOT_SESSIONS_DB.") from None
        self._hmac = hmac.new(self._secret, digestmod=hashlib.sha256)
        self._keys: dict[str, str] = {}  # recent chats' keys, in memory only
        self._checkpointer = Checkpointer(self.path, checkpoint_every)
        weakref.finalize(self, self._checkpointer._stop.set)

    def _statements(self, record: type[StoredSession]) -> _Statements:
        """The SQL for ``record``; its columns are added to the table the first time.

        Raises:
            sqlite3.Error: when a missing column cannot be added.
        """
        sql = self._sql.get(record)
        if sql is None:
            have = {c.name for c in self.db.table("sessions").columns}
            for column in record.COLUMNS:
                if column.name not in have:
                    self._conn.execute(f"alter table sessions add column {column.definition()}")
            sql = self._sql[record] = _Statements(record.COLUMNS)
        return sql

    # -- keys -----------------------------------------------------------------------------------

    def key(self, channel: str, ident: int | str) -> str:
        """The opaque key of a user of ``channel`` (a chat id, a browser's random id...):
        an HMAC with this installation's secret, so the table never holds the id itself."""
        name = f"{channel}:{ident}"
        key = self._keys.get(name)
        if key is None:
            digest = self._hmac.copy()
            digest.update(name.encode())
            if len(self._keys) >= _KEYS_KEPT:
                self._keys.clear()
            key = self._keys[name] = digest.hexdigest()[:32]
        return key

    # -- the channel-neutral API -------------------------------------------------------------------

    def load(self, key: str, now: datetime | None = None) -> Session | None:
        """The session stored under ``key``; None when there is none or it has expired.

        Raises:
            StoreError: when the database cannot be read (the caller must not overwrite it).
        """
        stored = self.load_record(key, StoredSession)
        if stored is None or self.is_expired(stored, now):
            return None
        return stored.session

    def save(self, key: str, session: Session, now: datetime | None = None) -> bool:
        """Commit ``session`` under ``key`` now (one statement), stamped with the current hour.

        Returns False when the disk failed: the session is then kept in memory and retried
        with every later write. Columns a channel keeps in the row are left as they are.
        """
        held = self._pending.get(key)
        if held is not None and held.session is session:
            return self.save_record(key, held, now)
        return self.save_record(key, StoredSession(session), now)

    def delete(self, key: str) -> bool:
        """Forget a session now; False when the deletion is still waiting for the disk."""
        self._pending[key] = None
        return self.flush()

    # -- records: a channel's bookkeeping in the same row -------------------------------------------

    def load_record(self, key: str, record: type[R]) -> R | None:
        """The stored session under ``key`` as ``record`` (expired or not), or None.

        Raises:
            StoreError: when the database cannot be read (the caller must not overwrite it).
        """
        if key in self._pending:
            held = self._pending[key]
            if held is None or isinstance(held, record):
                return held
            self.flush()
        try:
            row = self._conn.execute(self._statements(record).select, (key,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the session database: {exc.__class__.__name__}") from None
        if row is None:
            return None
        try:
            return record.from_row(row)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("a stored session could not be read and was discarded")
            return None

    def is_expired(self, stored: StoredSession, now: datetime | None = None) -> bool:
        """True when the session has been inactive for longer than the TTL."""
        return (now or datetime.now(UTC)) - stored.last_active > self.ttl

    def __len__(self) -> int:
        """How many sessions are stored (including any held in memory)."""
        stored = {row["key"] for row in self.db.query("select key from sessions")}
        for key, value in self._pending.items():
            if value is None:
                stored.discard(key)
            else:
                stored.add(key)
        return len(stored)

    @property
    def pending(self) -> int:
        """How many rows are held in memory (staged, or waiting for the disk)."""
        return len(self._pending)

    def save_record(self, key: str, stored: StoredSession, now: datetime | None = None) -> bool:
        """Commit the session and the channel's columns now (one statement).

        Returns False when the disk failed: the row is then kept in memory and retried.
        """
        stored.last_active = hour_bucket(now)
        self._pending[key] = stored
        if self._failing or len(self._pending) > MAX_STAGED:
            return self.flush()
        try:
            sql = self._statements(type(stored))
            same_hour, row = stored.to_row(key)
            self._conn.execute(sql.upsert_same_hour if same_hour else sql.upsert, row)
        except sqlite3.Error as exc:
            self._write_failed(exc)
            return False
        stored.written(row)
        del self._pending[key]
        return True

    def stage(self, key: str, stored: StoredSession, now: datetime | None = None) -> None:
        """Hold the row in memory, to be written later (bookkeeping that may wait).

        It goes with this key's next :meth:`save_record`, or with the next :meth:`flush`,
        which happens by itself once more than ``MAX_STAGED`` rows wait. While the disk is
        failing, every call retries what is held.
        """
        stored.last_active = hour_bucket(now)
        self._pending[key] = stored
        if type(stored) not in self._sql:
            try:
                self._statements(type(stored))
            except sqlite3.Error as exc:
                self._write_failed(exc)
        if self._failing or len(self._pending) > MAX_STAGED:
            self.flush()

    # -- writing ----------------------------------------------------------------------------------

    def flush(self) -> bool:
        """Write everything held in memory in one transaction; True when nothing is left."""
        if not self._pending:
            return True
        conn = self._conn
        written: list[tuple[StoredSession, Row]] = []
        try:
            conn.execute("begin immediate")
            for key, stored in self._pending.items():
                if stored is None:
                    conn.execute(_DELETE, (key,))
                    continue
                sql = self._statements(type(stored))
                same_hour, row = stored.to_row(key)
                conn.execute(sql.upsert_same_hour if same_hour else sql.upsert, row)
                written.append((stored, row))
            conn.execute("commit")
        except sqlite3.Error as exc:
            self._write_failed(exc)
            return False
        for stored, row in written:
            stored.written(row)
        if self._failing:
            self._failing = False
            log.info("session store recovered; %d held session(s) written", len(self._pending))
        self._pending.clear()
        return True

    def _write_failed(self, exc: sqlite3.Error) -> None:
        if self._conn.in_transaction:
            try:
                self._conn.execute("rollback")
            except sqlite3.Error:
                log.debug("rolling back a failed session write failed too")
        if not self._failing:
            self._failing = True
            log.warning("session store write failed (%s); keeping %d session(s) in memory "
                        "and retrying on the next update", exc.__class__.__name__, len(self._pending))

    def sweep(self, engine: Engine, now: datetime | None = None) -> int:
        """Expire inactive sessions: record each as abandoned, then delete it. Returns how many."""
        moment = now or datetime.now(UTC)
        cutoff = (moment - self.ttl).strftime(HOUR_FORMAT)
        self.flush()
        try:
            rows = self._conn.execute(_EXPIRED, (cutoff,)).fetchall()
        except sqlite3.Error as exc:
            log.warning("session sweep skipped (%s)", exc.__class__.__name__)
            return 0
        expired = 0
        for key, *row in rows:
            if key in self._pending:
                continue
            try:
                stored: StoredSession | None = StoredSession.from_row(tuple(row))
            except (ValueError, TypeError, KeyError, AttributeError):
                stored = None
            if stored is not None and not self.is_expired(stored, moment):
                continue
            if stored is not None:
                engine.abandon(stored.session)
            self._pending[key] = None
            expired += 1
        self.flush()
        return expired

    def close(self) -> None:
        """Write what is held in memory (if the disk allows) and close the database."""
        self._checkpointer.stop()
        self.flush()
        self.db.close()
