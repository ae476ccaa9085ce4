"""Records the fake Bot API keeps: calls, messages as users see them, queries and faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ApiError",
    "BotMessage",
    "Button",
    "Call",
    "Fault",
    "QueryRecord",
    "StoredMessage",
]


@dataclass(frozen=True)
class Call:
    """One request the bot made.

    Attributes:
        method: the canonical Bot API method name (``sendMessage`` even if sent as
            ``sendmessage``), or the path's last segment when the method is unknown.
        params: the decoded parameters (uploads are :class:`~botapi.spec.Upload` objects).
        status: the HTTP status answered; 0 when no answer was sent (a ``"timeout"`` or
            ``"reset"`` fault, or the client left); for a ``"lost"`` fault, the status of the
            answer that was thrown away.
        chat_id: the chat the call concerns (``chat_id``, or the chat of the callback query
            for ``answerCallbackQuery``), else ``None``.
        at: ``time.monotonic()`` when the request arrived.
        description: the error description for refused calls.
        fault: the injected fault mode (``"status"``, ``"timeout"``, ``"reset"``), if any.
    """

    method: str
    params: dict[str, Any]
    status: int
    chat_id: int | None
    at: float
    description: str | None = None
    fault: str | None = None


@dataclass(frozen=True)
class Button:
    """An inline keyboard button as the user sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class BotMessage:
    """A snapshot of one message the bot sent, as the user's phone shows it now.

    ``text`` is the plain text after ``parse_mode`` (or a photo's caption); ``buttons`` are
    the current inline keyboard rows (empty once the keyboard is removed).
    """

    message_id: int
    text: str
    buttons: list[list[Button]]
    deleted: bool = False
    edits: int = 0
    photo: bool = False
    entities: list[dict[str, Any]] = field(default_factory=list)
    date: int = 0

    def labels(self) -> list[str]:
        """Every button's text, row by row."""
        return [b.text for row in self.buttons for b in row]


@dataclass
class StoredMessage:
    """A message in a chat, from the bot or from a user, with its current content."""

    message_id: int
    chat_id: int
    from_bot: bool
    sender: dict[str, Any]
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    content: dict[str, Any] = field(default_factory=dict)  # photo, sticker, voice, location...
    deleted: bool = False
    edits: int = 0
    edit_date: int | None = None

    def to_api(self, chat: dict[str, Any]) -> dict[str, Any]:
        """The Bot API ``Message`` object."""
        msg: dict[str, Any] = {"message_id": self.message_id, "date": self.date, "chat": chat}
        if chat.get("type") == "channel" and not self.from_bot:
            msg["sender_chat"] = chat
        else:
            msg["from"] = self.sender
        if self.edit_date is not None:
            msg["edit_date"] = self.edit_date
        if self.text is not None:
            msg["text"] = self.text
            if self.entities:
                msg["entities"] = self.entities
        msg.update(self.content)
        if self.caption is not None:
            msg["caption"] = self.caption
            if self.entities:
                msg["caption_entities"] = self.entities
        if self.reply_markup and self.reply_markup.get("inline_keyboard"):
            msg["reply_markup"] = self.reply_markup
        return msg

    def snapshot(self) -> BotMessage:
        """What the user sees of this message now."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        buttons = [[Button(str(b.get("text", "")), b.get("callback_data"), b.get("url"))
                    for b in row] for row in rows]
        return BotMessage(self.message_id, self.text if self.text is not None else
                          (self.caption or ""), buttons, self.deleted, self.edits,
                          "photo" in self.content, list(self.entities), self.date)


@dataclass
class QueryRecord:
    """A callback query sent to the bot, and how it was answered."""

    query_id: str
    user_id: int
    chat_id: int | None  # None for a query from an inline message
    message_id: int | None
    data: str | None
    answer: dict[str, Any] | None = None


@dataclass
class Fault:
    """A fault to inject into the next ``times`` calls of ``method`` (``"*"`` = any)."""

    method: str
    status: int = 500
    retry_after: int | None = None
    times: int = 1
    mode: str = "status"


class ApiError(Exception):
    """A refusal: HTTP ``status`` and Telegram's ``description``.

    ``violation`` marks a request that breaks the Bot API's rules (the bot's fault, always a
    bug) rather than one refused because of the chat's state (a stale message id, say).
    """

    def __init__(self, status: int, description: str, *, violation: bool = False,
                 parameters: dict[str, Any] | None = None) -> None:
        """Record the answer to send."""
        super().__init__(description)
        self.status = status
        self.description = description
        self.violation = violation
        self.parameters = parameters
