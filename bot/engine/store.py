"""Where sessions live between updates: one SQLite row per chat, under an opaque key.

A row holds the session's JSON (:meth:`Session.to_dict`), its flow version, the hour it
was last active (never an exact time), the message ids a channel may need to delete when
the user leaves, and the ids of the last few updates handled (so a redelivered update is
not handled twice). Rows are keyed by an HMAC of the chat, never by the chat id itself.

Writes are synchronous, one small transaction per update. If a write fails (disk full,
locked, read-only, I/O error) the row stays in memory, a warning is logged once, and every
later write retries it, so nobody loses their place while the disk is unwell.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database, Migrations

from bot.engine.engine import Engine
from bot.engine.session import Session

__all__ = [
    "DEFAULT_TTL",
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
MAX_MESSAGES = 300
MAX_RECENT_UPDATES = 20
_HOUR_FORMAT = "%Y-%m-%dT%H:00"

# Plain SQL, not Table.upsert(): sqlite-utils probes ON CONFLICT support once by writing a
# scratch table, and if that probe meets a locked database it falls back for good to an
# INSERT OR IGNORE upsert that silently drops rows with NOT NULL columns.
_UPSERT = """
insert into sessions (key, session, version, last_active, messages, active_message, recent_updates)
values (:key, :session, :version, :last_active, :messages, :active_message, :recent_updates)
on conflict(key) do update set
    session = excluded.session, version = excluded.version, last_active = excluded.last_active,
    messages = excluded.messages, active_message = excluded.active_message,
    recent_updates = excluded.recent_updates
"""

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


def hour_bucket(moment: datetime | None = None) -> datetime:
    """``moment`` (default now) in UTC, truncated to the hour."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.replace(minute=0, second=0, microsecond=0)


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


@dataclass(slots=True)
class StoredSession:
    """A session and what a channel keeps beside it."""

    session: Session
    messages: list[int] = field(default_factory=list)
    active_message: int | None = None
    recent_updates: list[int] = field(default_factory=list)
    last_active: datetime = field(default_factory=hour_bucket)

    def seen(self, update_id: int) -> bool:
        """True when this update was handled already (a redelivery after a crash)."""
        return update_id in self.recent_updates

    def note_update(self, update_id: int) -> None:
        """Remember that an update was handled."""
        self.recent_updates = [*self.recent_updates, update_id][-MAX_RECENT_UPDATES:]

    def note_message(self, message_id: int) -> None:
        """Remember a message in the chat, so it can be deleted when the user leaves."""
        if message_id not in self.messages:
            self.messages = [*self.messages, message_id][-MAX_MESSAGES:]

    def _row(self, key: str) -> dict[str, Any]:
        return {
            "key": key,
            "session": json.dumps(self.session.to_dict(), ensure_ascii=False),
            "version": self.session.version,
            "last_active": self.last_active.strftime(_HOUR_FORMAT),
            "messages": json.dumps(self.messages),
            "active_message": self.active_message,
            "recent_updates": json.dumps(self.recent_updates),
        }

    @classmethod
    def _from_row(cls, row: Mapping[str, Any]) -> StoredSession:
        last = datetime.strptime(str(row["last_active"]), _HOUR_FORMAT).replace(tzinfo=UTC)
        active = row.get("active_message")
        return cls(
            session=Session.from_dict(json.loads(row["session"])),
            messages=[int(m) for m in json.loads(row["messages"])],
            active_message=int(active) if active is not None else None,
            recent_updates=[int(u) for u in json.loads(row["recent_updates"])],
            last_active=last,
        )


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


class SessionStore:
    """SQLite-backed sessions with an in-memory fallback when writes fail.

    Args:
        path: the database file; created (mode 0600) with its folder if missing.
        ttl: sessions inactive for longer are expired.
        secret: the key-derivation secret; by default read from (or created as) a
            ``<name>.key`` file beside the database.
        busy_timeout: seconds to wait for a lock before a write counts as failed.

    Raises:
        StoreError: when the database cannot be created or opened at all.
    """

    def __init__(self, path: Path | str, *, ttl: timedelta = DEFAULT_TTL, secret: bytes | None = None,
                 busy_timeout: float = 2.0) -> None:
        self.path = Path(path)
        self.ttl = ttl
        self._pending: dict[str, StoredSession | None] = {}
        self._failing = False
        try:
            _create_private(self.path)
            self._secret = secret if secret is not None else _secret_for(self.path)
            conn = sqlite3.connect(self.path, timeout=busy_timeout)
            self.db = Database(conn)
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous=NORMAL")
            migrations.apply(self.db)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the session database {self.path}: "
                             f"{exc.__class__.__name__}: {exc}. Check that its folder exists "
                             "and is writable, or set REFERRAL_BOT_SESSIONS_DB.") from None

    # -- keys -----------------------------------------------------------------------------------

    def key(self, channel: str, chat_id: int | str) -> str:
        """The opaque key of a chat: an HMAC, so the table never holds a chat id."""
        message = f"{channel}:{chat_id}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    # -- reading ----------------------------------------------------------------------------------

    def load(self, key: str) -> StoredSession | None:
        """The stored session for ``key``, or None when there is none.

        Raises:
            StoreError: when the database cannot be read (the caller must not overwrite it).
        """
        if key in self._pending:
            return self._pending[key]
        try:
            rows = list(self.db.query("select * from sessions where key = ?", [key]))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the session database: {exc.__class__.__name__}") from None
        if not rows:
            return None
        try:
            return StoredSession._from_row(rows[0])
        except (ValueError, TypeError, KeyError):
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
        """How many writes are held in memory, waiting for the disk."""
        return len(self._pending)

    # -- writing ----------------------------------------------------------------------------------

    def save(self, key: str, stored: StoredSession, now: datetime | None = None) -> bool:
        """Write the session, stamped with the current hour; False when it is kept in memory."""
        stored.last_active = hour_bucket(now)
        self._pending[key] = stored
        return self.flush()

    def delete(self, key: str) -> bool:
        """Forget a session; False when the deletion is still waiting for the disk."""
        self._pending[key] = None
        return self.flush()

    def flush(self) -> bool:
        """Write everything held in memory; True when nothing is left pending."""
        if not self._pending:
            return True
        try:
            with self.db.atomic():
                for key, stored in self._pending.items():
                    if stored is None:
                        self.db.execute("delete from sessions where key = ?", [key])
                    else:
                        self.db.execute(_UPSERT, stored._row(key))
        except sqlite3.Error as exc:
            if not self._failing:
                self._failing = True
                log.warning("session store write failed (%s); keeping %d session(s) in memory "
                            "and retrying on the next update", exc.__class__.__name__, len(self._pending))
            return False
        if self._failing:
            self._failing = False
            log.info("session store recovered; %d held session(s) written", len(self._pending))
        self._pending.clear()
        return True

    def sweep(self, engine: Engine, now: datetime | None = None) -> int:
        """Expire inactive sessions: record each as abandoned, then delete it. Returns how many."""
        moment = now or datetime.now(UTC)
        cutoff = (moment - self.ttl).strftime(_HOUR_FORMAT)
        self.flush()
        try:
            rows = list(self.db.query("select * from sessions where last_active <= ?", [cutoff]))
        except sqlite3.Error as exc:
            log.warning("session sweep skipped (%s)", exc.__class__.__name__)
            return 0
        expired = 0
        for row in rows:
            key = str(row["key"])
            if key in self._pending:
                continue
            try:
                stored = StoredSession._from_row(row)
            except (ValueError, TypeError, KeyError):
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
        """Write what is pending (if the disk allows) and close the database."""
        self.flush()
        self.db.close()
