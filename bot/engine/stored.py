"""A stored session: the user's place, what a channel keeps beside it, and its row.

:class:`StoredSession` is what :class:`bot.engine.store.SessionStore` reads and writes.
It knows which parts changed since it was last written, so the store commits only when
the place moved and writes no more than it must: the session's JSON is reused when the
place did not change, and the message ids (hundreds in a long chat, one more on almost
every update) are kept as the row's JSON text and extended in place.
"""

from __future__ import annotations

import bisect
import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.engine.session import Session

__all__ = ["HOUR_FORMAT", "MAX_MESSAGES", "MAX_RECENT_UPDATES", "Row", "StoredSession", "hour_bucket", "hour_text"]

MAX_MESSAGES = 300
MAX_RECENT_UPDATES = 20
HOUR_FORMAT = "%Y-%m-%dT%H:00"
_COMPACT = (",", ":")
_encode = json.JSONEncoder(ensure_ascii=False, separators=_COMPACT).encode

Row = tuple[Any, ...]
"""``(key, session, version, last_active, messages, active_message, recent_updates)``."""

_this_hour: tuple[int, datetime] = (0, datetime.fromtimestamp(0, UTC))


def hour_bucket(moment: datetime | None = None) -> datetime:
    """``moment`` (default now) in UTC, truncated to the hour."""
    global _this_hour
    if moment is None:
        hour = int(time.time() // 3600)
        if hour != _this_hour[0]:
            _this_hour = (hour, datetime.fromtimestamp(hour * 3600, UTC))
        return _this_hour[1]
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hour_text(hour: datetime, _cache: dict[datetime, str] = {}) -> str:  # noqa: B006 - a memo
    """``hour`` as stored in a row, such as ``2026-11-29T12:00``."""
    text = _cache.get(hour)
    if text is None:
        if len(_cache) > 64:
            _cache.clear()
        text = _cache[hour] = hour.strftime(HOUR_FORMAT)
    return text


class _MessageIds:
    """Message ids in ascending order (at most ``MAX_MESSAGES``, the newest), as row JSON.

    A long chat holds hundreds of ids and almost every update adds one, so the JSON text is
    kept and extended in place; the list is parsed only when someone reads it (/exit).
    Telegram numbers a chat's messages in increasing order, so a new id is almost always
    above the last one; anything else takes the slow path through the parsed list.
    """

    __slots__ = ("_ids", "count", "last", "text")

    def __init__(self, text: str, ids: list[int] | None = None) -> None:
        self.text = text
        self._ids = ids
        body = text[1:-1].strip()
        if not text.startswith("[") or not text.endswith("]"):
            raise ValueError("message ids are not a JSON list")
        self.count = body.count(",") + 1 if body else 0
        self.last = int(body[body.rfind(",") + 1:]) if body else None

    @classmethod
    def of(cls, ids: Iterable[int]) -> _MessageIds:
        """From any ids: sorted, without repeats, the newest ``MAX_MESSAGES``."""
        ordered = sorted({int(i) for i in ids})[-MAX_MESSAGES:]
        return cls(_encode(ordered), ordered)

    def as_list(self) -> list[int]:
        """The ids, oldest first."""
        if self._ids is None:
            self._ids = sorted({int(i) for i in json.loads(self.text)})
        return list(self._ids)

    def add(self, message_id: int) -> None:
        """Remember one more id, dropping the oldest beyond ``MAX_MESSAGES``."""
        if self.last is not None and message_id <= self.last:
            ids = self.as_list()
            if message_id not in ids:
                bisect.insort(ids, message_id)
                fresh = _MessageIds.of(ids)
                self.text, self._ids, self.count, self.last = fresh.text, fresh._ids, fresh.count, fresh.last
            return
        self.text = f"{self.text[:-1]},{message_id}]" if self.count else f"[{message_id}]"
        self.count += 1
        self.last = message_id
        if self._ids is not None:
            self._ids.append(message_id)
        while self.count > MAX_MESSAGES:
            self.text = "[" + self.text[self.text.index(",") + 1:].lstrip()
            self.count -= 1
            if self._ids is not None:
                del self._ids[0]


class StoredSession:
    """A session and what a channel keeps beside it.

    Args:
        session: the user's place.
        messages: ids of messages in the chat, to delete when the user leaves.
        active_message: the message that carries the live keyboard.
        recent_updates: ids of the last few updates handled.
        last_active: the hour of the last save (set by the store).
    """

    __slots__ = ("_disk_hour", "_messages", "_written", "_written_json", "active_message", "last_active",
                 "recent_updates", "session")

    def __init__(self, session: Session, messages: Iterable[int] = (), active_message: int | None = None,
                 recent_updates: Iterable[int] = (), last_active: datetime | None = None) -> None:
        self.session = session
        self._messages = _MessageIds.of(messages)
        self.active_message = active_message
        self.recent_updates = list(recent_updates)
        self.last_active = last_active or hour_bucket()
        self._written: dict[str, Any] | None = None
        self._written_json = ""
        self._disk_hour: str | None = None

    @property
    def messages(self) -> list[int]:
        """The ids of messages in the chat, oldest first (a copy)."""
        return self._messages.as_list()

    def seen(self, update_id: int) -> bool:
        """True when this update was handled already (a redelivery after a crash)."""
        return update_id in self.recent_updates

    def note_update(self, update_id: int) -> None:
        """Remember that an update was handled."""
        self.recent_updates = [*self.recent_updates, update_id][-MAX_RECENT_UPDATES:]

    def note_message(self, message_id: int) -> None:
        """Remember a message in the chat, so it can be deleted when the user leaves."""
        self._messages.add(message_id)

    def place_changed(self) -> bool:
        """True when the session differs from what was last written (or was never written)."""
        return self._written is None or self.session.to_dict() != self._written

    def to_row(self, key: str) -> tuple[bool, Row]:
        """The row to write under ``key``, and whether the stored row already has its hour.

        Call :meth:`written` once the row is on disk.
        """
        place = self.session.to_dict()
        if place != self._written:
            self._written, self._written_json = place, _encode(place)
        hour = hour_text(self.last_active)
        return hour == self._disk_hour, (key, self._written_json, self.session.version, hour,
                                         self._messages.text, self.active_message,
                                         _encode(self.recent_updates))

    def written(self, row: Row) -> None:
        """Note that ``row`` (from :meth:`to_row`) is now on disk."""
        self._disk_hour = row[3]

    @classmethod
    def from_row(cls, row: Row) -> StoredSession:
        """Read ``(session, messages, active_message, recent_updates, last_active)``.

        Raises:
            ValueError: (or TypeError, KeyError, AttributeError) for a row that is not one.
        """
        session_json, messages, active, recent, last = row
        session = Session.from_dict(json.loads(session_json))
        stored = cls.__new__(cls)
        stored.session = session
        stored._messages = _MessageIds(str(messages))
        stored.active_message = int(active) if active is not None else None
        stored.recent_updates = [int(u) for u in json.loads(recent)]
        stored.last_active = datetime.fromisoformat(str(last)).replace(tzinfo=UTC)
        stored._written, stored._written_json = session.to_dict(), str(session_json)
        stored._disk_hour = str(last)
        return stored
