"""Where sessions live between updates: one SQLite row per chat, under an opaque key.

A row (:class:`bot.engine.stored.StoredSession`) holds the session's JSON
(:meth:`Session.to_dict`), its flow version, the hour it was last active (never an exact
time), the message ids a channel may need to delete when the user leaves, and the ids of
the last few updates handled (so a redelivered update is not handled twice). Rows are
keyed by an HMAC of the chat, never by the chat id itself.

Two ways to write, so that an update costs one commit at most:

* :meth:`SessionStore.save` commits the row at once: one statement, synchronous, before
  the caller goes on. A channel saves this way, before any reply goes out, whenever the
  user's place changed, the chat is new or the update was counted in the statistics, so
  the step a user is shown is always on disk first.
* :meth:`SessionStore.stage` only holds the row in memory. A staged row is written with
  that chat's next :meth:`save`, or by :meth:`flush`: the Telegram bot flushes every half
  minute, the sweep and :meth:`close` flush, and so does any write once more than
  ``MAX_STAGED`` rows wait. A channel stages what is only bookkeeping: the id of the
  message that carries the live keyboard, the message ids to delete on /exit, and the
  update ids of updates that moved nobody.

Durability: WAL mode with ``synchronous=NORMAL``. A commit is in the write-ahead log,
handed to the operating system, before it returns, so it survives the process being
killed at any moment (SIGKILL, out of memory): the failure that matters here. Only a
power cut or kernel crash could lose the last commits, and never corrupts the file.
Checkpoints (copying the log into the database, with fsync) run in a background thread,
so no update waits for one; they move pages that are already durable.

What a crash loses: never a place the user was shown, since places are committed before
the reply. Only bookkeeping staged since that chat's last commit (at most half a minute
old): (a) the live keyboard's message id, so the next reply removes the buttons of an
older message and the keyboard that was live at the crash may stay on screen, where its
buttons still act only on the step the user is really on (an answer carries its step and
is refused as stale anywhere else; Back, Start again, Menu and Emergency act on the real
place, as from any message); (b) the ids of messages sent since, which /exit then cannot
delete; (c) the ids of updates that moved nobody, so one of those delivered again after
the crash is answered again with the same step, and nothing is counted twice.

If a write fails (disk full, locked, read-only, I/O error) the rows stay in memory, a
warning is logged once, and every later write retries them, so nobody loses their place
while the disk is unwell.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import sqlite3
import threading
import weakref
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database, Migrations

from bot.engine.engine import Engine
from bot.engine.stored import (
    HOUR_FORMAT,
    MAX_MESSAGES,
    MAX_RECENT_UPDATES,
    Row,
    StoredSession,
    hour_bucket,
)

__all__ = [
    "DEFAULT_TTL",
    "MAX_MESSAGES",
    "MAX_RECENT_UPDATES",
    "MAX_STAGED",
    "TTL_ENV",
    "SessionStore",
    "StoreError",
    "StoredSession",
    "hour_bucket",
    "ttl_from_env",
]

log = logging.getLogger(__name__)

TTL_ENV = "REFERRAL_BOT_SESSION_TTL_HOURS"
DEFAULT_TTL = timedelta(hours=24)
MAX_STAGED = 256
"""Staged rows held in memory before they are all written at once."""
_KEYS_KEPT = 1024
"""Keys of recent chats remembered in memory (an HMAC costs microseconds)."""
_WAL_FALLBACK = 10_000
"""Pages in the write-ahead log at which a commit checkpoints, if the thread fell behind."""

# Plain SQL on the connection, not Table.upsert(): sqlite-utils probes ON CONFLICT support
# once by writing a scratch table, and if that probe meets a locked database it falls back
# for good to an INSERT OR IGNORE upsert that silently drops rows with NOT NULL columns.
# The sqlite3 module keeps these statements prepared (its statement cache).
_UPSERT = """
insert into sessions (key, session, version, last_active, messages, active_message, recent_updates)
values (?, ?, ?, ?, ?, ?, ?)
on conflict(key) do update set
    session = excluded.session, version = excluded.version, last_active = excluded.last_active,
    messages = excluded.messages, active_message = excluded.active_message,
    recent_updates = excluded.recent_updates
"""
# The same, when the row already holds this hour: the last_active index is left alone,
# which saves writing its page to the log on almost every commit.
_UPSERT_SAME_HOUR = """
insert into sessions (key, session, version, last_active, messages, active_message, recent_updates)
values (?, ?, ?, ?, ?, ?, ?)
on conflict(key) do update set
    session = excluded.session, version = excluded.version, messages = excluded.messages,
    active_message = excluded.active_message, recent_updates = excluded.recent_updates
"""
_SELECT = "select session, messages, active_message, recent_updates, last_active from sessions where key = ?"
_DELETE = "delete from sessions where key = ?"
_EXPIRED = ("select key, session, messages, active_message, recent_updates, last_active from sessions "
            "where last_active <= ?")

migrations = Migrations("referral_bot_sessions")


@migrations()
def m001_sessions(db: Database) -> None:
    """The sessions table: one row per chat."""
    db.table("sessions").create(
        {
            "key": str, "session": str, "version": str, "last_active": str,
            "messages": str, "active_message": int, "recent_updates": str,
        },
        pk="key", not_null=["session", "version", "last_active", "messages", "recent_updates"],
    )
    db.table("sessions").create_index(["last_active"])


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


def _secret_for(path: Path) -> bytes:
    """The key-derivation secret kept beside the database (created once, mode 0600)."""
    key_file = path.with_name(path.stem + ".key")
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip().encode()


def _create_private(path: Path) -> None:
    """Create the file (and its folder) readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class _Checkpointer:
    """Copies the write-ahead log into the database every ``every`` seconds, off the event loop.

    Left to itself, SQLite checkpoints inside whichever commit fills the log, with an fsync
    that stalls that update for milliseconds. Here a thread with its own connection does it
    (the sqlite3 module lets other threads run meanwhile). Commits stay synchronous: a
    checkpoint only copies pages that are already in the log. Should this thread fall
    behind, SQLite's own checkpoint (at ``_WAL_FALLBACK`` pages) still bounds the log.
    """

    def __init__(self, path: Path, every: float) -> None:
        self._stop = threading.Event()
        uri = path.resolve().as_uri() + "?mode=rw"  # never creates a file
        self._thread = threading.Thread(target=self._run, args=(uri, every, self._stop),
                                        name="sessions-checkpoint", daemon=True)
        self._thread.start()

    @staticmethod
    def _run(uri: str, every: float, stop: threading.Event) -> None:
        conn: sqlite3.Connection | None = None
        while not stop.wait(every):
            try:
                if conn is None:
                    conn = sqlite3.connect(uri, uri=True, timeout=0.5, isolation_level=None)
                    conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                if conn is not None:
                    conn.close()
                conn = None  # tried again next time; SQLite's own checkpoint is the fallback
        if conn is not None:
            conn.close()

    def stop(self) -> None:
        """Stop the thread (it finishes any checkpoint under way first)."""
        self._stop.set()
        self._thread.join(5.0)


class SessionStore:
    """SQLite-backed sessions with an in-memory fallback when writes fail.

    Args:
        path: the database file; created (mode 0600) with its folder if missing.
        ttl: sessions inactive for longer are expired.
        secret: the key-derivation secret; by default read from (or created as) a
            ``<name>.key`` file beside the database.
        busy_timeout: seconds to wait for a lock before a write counts as failed.
        checkpoint_every: seconds between checkpoints of the write-ahead log, which a
            background thread runs (see :class:`_Checkpointer`).

    Raises:
        StoreError: when the database cannot be created or opened at all.
    """

    def __init__(self, path: Path | str, *, ttl: timedelta = DEFAULT_TTL, secret: bytes | None = None,
                 busy_timeout: float = 2.0, checkpoint_every: float = 1.0) -> None:
        self.path = Path(path)
        self.ttl = ttl
        self._pending: dict[str, StoredSession | None] = {}
        self._failing = False
        try:
            _create_private(self.path)
            self._secret = secret if secret is not None else _secret_for(self.path)
            # Autocommit: a lone statement is its own transaction; several share an explicit one.
            self._conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
            self.db = Database(self._conn)
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute(f"PRAGMA wal_autocheckpoint={_WAL_FALLBACK}")
            migrations.apply(self.db)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the session database {self.path}: "
                             f"{exc.__class__.__name__}: {exc}. Check that its folder exists "
                             "and is writable, or set REFERRAL_BOT_SESSIONS_DB.") from None
        self._hmac = hmac.new(self._secret, digestmod=hashlib.sha256)
        self._keys: dict[str, str] = {}  # recent chats' keys, in memory only
        self._checkpointer = _Checkpointer(self.path, checkpoint_every)
        weakref.finalize(self, self._checkpointer._stop.set)

    # -- keys -----------------------------------------------------------------------------------

    def key(self, channel: str, chat_id: int | str) -> str:
        """The opaque key of a chat: an HMAC, so the table never holds a chat id."""
        name = f"{channel}:{chat_id}"
        key = self._keys.get(name)
        if key is None:
            digest = self._hmac.copy()
            digest.update(name.encode())
            if len(self._keys) >= _KEYS_KEPT:
                self._keys.clear()
            key = self._keys[name] = digest.hexdigest()[:32]
        return key

    # -- reading ----------------------------------------------------------------------------------

    def load(self, key: str) -> StoredSession | None:
        """The stored session for ``key``, or None when there is none.

        Raises:
            StoreError: when the database cannot be read (the caller must not overwrite it).
        """
        if key in self._pending:
            return self._pending[key]
        try:
            row = self._conn.execute(_SELECT, (key,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the session database: {exc.__class__.__name__}") from None
        if row is None:
            return None
        try:
            return StoredSession.from_row(row)
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

    # -- writing ----------------------------------------------------------------------------------

    def save(self, key: str, stored: StoredSession, now: datetime | None = None) -> bool:
        """Commit the session now (one statement), stamped with the current hour.

        Returns False when the disk failed: the row is then kept in memory and retried.
        """
        stored.last_active = hour_bucket(now)
        self._pending[key] = stored
        if self._failing or len(self._pending) > MAX_STAGED:
            return self.flush()
        same_hour, row = stored.to_row(key)
        try:
            self._conn.execute(_UPSERT_SAME_HOUR if same_hour else _UPSERT, row)
        except sqlite3.Error as exc:
            self._write_failed(exc)
            return False
        stored.written(row)
        del self._pending[key]
        return True

    def stage(self, key: str, stored: StoredSession, now: datetime | None = None) -> None:
        """Hold the session in memory, to be written later (see the module docstring).

        It goes with this chat's next :meth:`save`, or with the next :meth:`flush`, which
        happens by itself once more than ``MAX_STAGED`` rows wait. While the disk is failing,
        every call retries what is held.
        """
        stored.last_active = hour_bucket(now)
        self._pending[key] = stored
        if self._failing or len(self._pending) > MAX_STAGED:
            self.flush()

    def delete(self, key: str) -> bool:
        """Forget a session now; False when the deletion is still waiting for the disk."""
        self._pending[key] = None
        return self.flush()

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
                same_hour, row = stored.to_row(key)
                conn.execute(_UPSERT_SAME_HOUR if same_hour else _UPSERT, row)
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
