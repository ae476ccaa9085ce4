"""What the Telegram channel keeps beside a user's place, in the same session row.

:class:`ChatRecord` adds four columns to the shared sessions table: the message ids to
delete on /exit, the message that carries the live keyboard, the ids of the last few
updates handled (so a redelivered update is not handled twice) and whether that keyboard is
/start's language question (issue 15). The store writes them in
the same statement as the place, so a step is still one commit (docs/sessions.md).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from bot.engine import Session
from bot.engine.stored import Column, Row, StoredSession, encode_json

__all__ = ["MAX_MESSAGES", "MAX_RECENT_UPDATES", "ChatRecord"]

MAX_MESSAGES = 300
MAX_RECENT_UPDATES = 20


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
        return cls(encode_json(ordered), ordered)

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


class ChatRecord(StoredSession):
    """A Telegram chat's session and its bookkeeping.

    Args:
        session: the user's place.
        messages: ids of messages in the chat, to delete when the user leaves.
        active_message: the message that carries the live keyboard.
        recent_updates: ids of the last few updates handled.
        asking_language: the live keyboard is /start's "English or Cymraeg?" (issue 15).
        last_active: the hour of the last save (set by the store).
    """

    COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("messages", "TEXT", "'[]'"),
        Column("active_message", "INTEGER"),
        Column("recent_updates", "TEXT", "'[]'"),
        Column("asking_language", "INTEGER"),
    )

    __slots__ = ("_messages", "active_message", "asking_language", "recent_updates")

    def __init__(self, session: Session, messages: Iterable[int] = (), active_message: int | None = None,
                 recent_updates: Iterable[int] = (), last_active: datetime | None = None, *,
                 asking_language: bool = False) -> None:
        super().__init__(session, last_active)
        self._messages = _MessageIds.of(messages)
        self.active_message = active_message
        self.recent_updates = list(recent_updates)
        self.asking_language = asking_language

    def extra(self) -> Row:
        """``(messages, active_message, recent_updates, asking_language)`` as stored."""
        return (self._messages.text, self.active_message, encode_json(self.recent_updates),
                1 if self.asking_language else None)

    def restore(self, values: Sequence[Any]) -> None:
        """Read ``(messages, active_message, recent_updates, asking_language)``; empty columns mean none."""
        messages, active, recent, asking = values
        self._messages = _MessageIds(str(messages) if messages is not None else "[]")
        self.active_message = int(active) if active is not None else None
        self.recent_updates = [int(u) for u in json.loads(recent)] if recent is not None else []
        self.asking_language = bool(asking)

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
