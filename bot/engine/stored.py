"""A stored session: the user's place, plus what a channel keeps beside it in the same row.

:class:`StoredSession` holds the channel-neutral part (the :class:`Session` and the hour
it was last active) and knows whether the place changed since it was last written. A
channel that keeps bookkeeping subclasses it and declares its own columns in
``COLUMNS``; :class:`bot.engine.store.SessionStore` adds those columns to the table and
writes them in the same statement as the session, so a step stays one commit.
See docs/sessions.md.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

from bot.engine.session import Session

__all__ = ["HOUR_FORMAT", "Column", "Row", "StoredSession", "encode_json", "hour_bucket", "hour_text"]

HOUR_FORMAT = "%Y-%m-%dT%H:00"
encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""Compact JSON, one shared encoder."""

Row = tuple[Any, ...]
"""``(key, session, version, last_active, *channel columns)``."""

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


@dataclass(frozen=True, slots=True)
class Column:
    """A channel's column in the sessions table: its name, SQL type and default (SQL text)."""

    name: str
    type: str = "TEXT"
    default: str | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", self.name) or self.name in ("key", "session", "version",
                                                                                  "last_active"):
            raise ValueError(f"column name {self.name!r}: use lower-case letters, digits and '_'")
        if not re.fullmatch(r"TEXT|INTEGER|REAL", self.type):
            raise ValueError(f"column type {self.type!r}: use TEXT, INTEGER or REAL")

    def definition(self) -> str:
        """The column as ``ALTER TABLE ... ADD COLUMN`` wants it (always nullable)."""
        default = f" DEFAULT {self.default}" if self.default is not None else ""
        return f"[{self.name}] {self.type}{default}"


class StoredSession:
    """A session as a channel stores it. Subclass it to keep bookkeeping in the same row.

    A subclass sets ``COLUMNS`` and implements :meth:`extra` (the values, in that order)
    and :meth:`restore` (read them back). The base class has no extra columns.

    Args:
        session: the user's place.
        last_active: the hour of the last save (set by the store).
    """

    COLUMNS: ClassVar[tuple[Column, ...]] = ()

    __slots__ = ("_disk_hour", "_written", "_written_json", "last_active", "session")

    def __init__(self, session: Session, last_active: datetime | None = None) -> None:
        self.session = session
        self.last_active = last_active or hour_bucket()
        self._written: dict[str, Any] | None = None
        self._written_json = ""
        self._disk_hour: str | None = None

    def extra(self) -> Row:
        """The values of ``COLUMNS``, in order."""
        return ()

    def restore(self, values: Sequence[Any]) -> None:
        """Read the values of ``COLUMNS`` (in order) from a stored row.

        Raises:
            ValueError: (or TypeError, KeyError, AttributeError) for values that are not valid.
        """

    def place_changed(self) -> bool:
        """True when the session differs from what was last written (or was never written)."""
        return self._written is None or self.session.to_dict() != self._written

    def to_row(self, key: str) -> tuple[bool, Row]:
        """The row to write under ``key``, and whether the stored row already has its hour.

        Call :meth:`written` once the row is on disk.
        """
        place = self.session.to_dict()
        if place != self._written:
            self._written, self._written_json = place, encode_json(place)
        hour = hour_text(self.last_active)
        return hour == self._disk_hour, (key, self._written_json, self.session.version, hour, *self.extra())

    def written(self, row: Row) -> None:
        """Note that ``row`` (from :meth:`to_row`) is now on disk."""
        self._disk_hour = row[3]

    @classmethod
    def from_row(cls, row: Row) -> Self:
        """Read ``(session, last_active, *COLUMNS)``.

        Raises:
            ValueError: (or TypeError, KeyError, AttributeError) for a row that is not one.
        """
        session_json, last, *values = row
        session = Session.from_dict(json.loads(session_json))
        stored = cls.__new__(cls)
        stored.session = session
        stored.last_active = datetime.fromisoformat(str(last)).replace(tzinfo=UTC)
        stored._written, stored._written_json = session.to_dict(), str(session_json)
        stored._disk_hour = str(last)
        stored.restore(values)
        return stored
