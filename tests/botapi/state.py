"""What the fake Bot API remembers: chats, their messages, pending updates, callback queries.

:class:`ApiState` is not thread-safe by itself; :class:`~botapi.server.FakeBotApi` holds its
lock (``state.cond``) around every use.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .models import ApiError, QueryRecord, StoredMessage

__all__ = ["DEFAULT_ALLOWED", "ApiState", "PendingUpdate", "update_kind"]

#: Update types delivered when ``allowed_updates`` is empty or was never set.
DEFAULT_ALLOWED = frozenset({
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages",
    "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
    "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member",
    "chat_join_request", "chat_boost", "removed_chat_boost",
})


def update_kind(update: dict[str, Any]) -> str:
    """The update's type: its one key besides ``update_id``."""
    return next((k for k in update if k != "update_id"), "unknown")


@dataclass
class PendingUpdate:
    """An update waiting to be fetched (getUpdates) or posted (webhook)."""

    update_id: int
    payload: dict[str, Any]
    chat_id: int | None
    created: float = field(default_factory=time.monotonic)

    @property
    def kind(self) -> str:
        """The update type (``message``, ``callback_query``...)."""
        return update_kind(self.payload)


def _chat_of(update: dict[str, Any]) -> dict[str, Any] | None:
    body = update.get(update_kind(update))
    if not isinstance(body, dict):
        return None
    chat = body.get("chat")
    if isinstance(chat, dict):
        return chat
    message = body.get("message")
    chat = message.get("chat") if isinstance(message, dict) else None
    return chat if isinstance(chat, dict) else None


class ApiState:
    """Chats, messages, updates and queries of one fake bot.

    Attributes:
        chats: known chats by id (a chat becomes known when an update from it is pushed).
        messages: per chat, every message by id, the bot's and the users'.
        pending: updates not yet confirmed by the bot (getUpdates ``offset``) or posted.
        delivered: per update id, how many times it was handed to the bot.
        fetched_at: per update id, ``time.monotonic()`` of its latest delivery.
        last_update_of_chat: per chat, the id of its newest update.
        queries: callback queries by id, with their answers.
    """

    def __init__(self, bot_user: dict[str, Any]) -> None:
        """Start empty; ``bot_user`` is the ``User`` object getMe returns."""
        self._lock = threading.RLock()
        self.cond = threading.Condition(self._lock)
        self._chat_conds: dict[int, threading.Condition] = {}
        self.bot_user = bot_user
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[int, StoredMessage]] = {}
        self._next_message: dict[int, int] = {}
        self.pending: list[PendingUpdate] = []
        self.next_update_id = 1
        self.delivered: dict[int, int] = {}
        self.fetched_at: dict[int, float] = {}
        self.last_update_of_chat: dict[int, int] = {}
        self.queries: dict[str, QueryRecord] = {}
        self.allowed_updates: frozenset[str] = DEFAULT_ALLOWED
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.file_ids: set[str] = set()
        self.blocked: set[int] = set()
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_errors: list[str] = []
        self._ids = itertools.count(1)

    # -- waking waiters ------------------------------------------------------------------

    def chat_cond(self, chat_id: int) -> threading.Condition:
        """A condition (on the same lock as :attr:`cond`) notified when the chat changes.

        Waiting per chat keeps hundreds of simulated users from waking at every event.
        """
        cond = self._chat_conds.get(chat_id)
        if cond is None:
            cond = self._chat_conds[chat_id] = threading.Condition(self._lock)
        return cond

    def notify(self, chat_id: int | None) -> None:
        """Wake general waiters (pollers, ``wait_for_call``) and the chat's waiters."""
        self.cond.notify_all()
        if chat_id is not None and chat_id in self._chat_conds:
            self._chat_conds[chat_id].notify_all()

    # -- chats and messages ---------------------------------------------------------------

    def chat(self, chat_id: Any) -> dict[str, Any]:
        """The known chat ``chat_id``; 400 "chat not found" if no user of it wrote yet."""
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def new_message_id(self, chat_id: int) -> int:
        """The next message id in the chat (user and bot messages share the sequence)."""
        self._next_message[chat_id] = self._next_message.get(chat_id, 0) + 1
        return self._next_message[chat_id]

    def store(self, message: StoredMessage) -> StoredMessage:
        """Keep ``message`` in its chat."""
        self.messages.setdefault(message.chat_id, {})[message.message_id] = message
        self._next_message[message.chat_id] = max(self._next_message.get(message.chat_id, 0),
                                                  message.message_id)
        return message

    def message(self, chat_id: int, message_id: Any) -> StoredMessage | None:
        """A message that still exists in the chat, or ``None``."""
        stored = self.messages.get(chat_id, {}).get(message_id) if isinstance(message_id, int) \
            else None
        return None if stored is None or stored.deleted else stored

    def bot_message(self, chat_id: int, text: str | None, entities: list[dict[str, Any]],
                    reply_markup: dict[str, Any] | None, **content: Any) -> StoredMessage:
        """Store a new message from the bot."""
        caption = content.pop("caption", None)
        return self.store(StoredMessage(
            self.new_message_id(chat_id), chat_id, True, self.bot_user, int(time.time()), text,
            entities, caption, reply_markup, content))

    def new_file_id(self, kind: str) -> tuple[str, str]:
        """A fresh ``(file_id, file_unique_id)`` the server will recognise later."""
        n = next(self._ids)
        file_id = f"{kind.upper()}-fake-file-{n:06d}"
        self.file_ids.add(file_id)
        return file_id, f"U{kind[:3]}{n:06d}"

    def new_query_id(self) -> str:
        """A fresh callback query id (a long decimal string, as Telegram's)."""
        return str(4_300_000_000_000_000_000 + next(self._ids))

    # -- incoming updates -----------------------------------------------------------------

    def learn(self, update: dict[str, Any]) -> int | None:
        """Remember the chat, user message and callback query an update carries."""
        kind = update_kind(update)
        body = update[kind]
        chat = _chat_of(update)
        chat_id = chat.get("id") if chat is not None else None
        if kind == "callback_query" and isinstance(body.get("id"), str):
            message = body.get("message") or {}
            self.queries[body["id"]] = QueryRecord(
                body["id"], int(body.get("from", {}).get("id", 0)),
                chat_id if isinstance(chat_id, int) else None, message.get("message_id"),
                body.get("data"))
        if chat is None or not isinstance(chat_id, int):
            return None
        self.chats.setdefault(chat_id, dict(chat))
        if kind in ("message", "channel_post") and isinstance(body.get("message_id"), int):
            extra = {k: v for k, v in body.items() if k not in (
                "message_id", "chat", "from", "date", "text", "entities", "caption",
                "caption_entities", "sender_chat")}
            self.store(StoredMessage(body["message_id"], chat_id, False, body.get("from", {}),
                                     int(body.get("date", 0)), body.get("text"),
                                     list(body.get("entities", [])), body.get("caption"),
                                     None, extra))
        return chat_id

    def push(self, update: dict[str, Any]) -> PendingUpdate:
        """Queue ``update`` (assigning ``update_id`` if missing) and wake waiting pollers."""
        if not isinstance(update.get("update_id"), int):
            update = {"update_id": self.next_update_id, **update}
        self.next_update_id = max(self.next_update_id, update["update_id"] + 1)
        chat_id = self.learn(update)
        pending = PendingUpdate(update["update_id"], update, chat_id)
        self.pending.append(pending)
        if chat_id is not None:
            self.last_update_of_chat[chat_id] = pending.update_id
        self.notify(chat_id)
        return pending

    def confirm(self, offset: int) -> None:
        """getUpdates ``offset``: forget updates before it (negative: keep the last -offset)."""
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [u for u in self.pending if u.update_id >= offset]

    def take(self, limit: int) -> list[PendingUpdate]:
        """Up to ``limit`` pending updates of an allowed type; others are dropped."""
        self.pending = [u for u in self.pending if u.kind in self.allowed_updates]
        return self.pending[:limit]

    def mark_fetched(self, updates: list[PendingUpdate], at: float | None = None) -> None:
        """Count one delivery of each update, made at ``at`` (``time.monotonic()``; now if None).

        A webhook delivery passes the time its POST started: the bot may answer before the POST
        returns, and an answer must never look older than the delivery it answers.
        """
        now = time.monotonic() if at is None else at
        for u in updates:
            self.delivered[u.update_id] = self.delivered.get(u.update_id, 0) + 1
            self.fetched_at[u.update_id] = now  # the latest delivery
            self.notify(u.chat_id)

    def unmark_fetched(self, updates: list[PendingUpdate]) -> None:
        """Undo :meth:`mark_fetched` for updates whose answer never reached the client."""
        for u in updates:
            left = self.delivered.get(u.update_id, 0) - 1
            if left > 0:
                self.delivered[u.update_id] = left
            else:
                self.delivered.pop(u.update_id, None)
                self.fetched_at.pop(u.update_id, None)

    def drop_pending(self) -> None:
        """``drop_pending_updates``: forget every queued update."""
        self.pending.clear()
