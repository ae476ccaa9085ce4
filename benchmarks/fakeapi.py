"""An in-process fake Bot API: a ``telegram.request.BaseRequest`` with canned answers.

No sockets and no waiting, so no network time is counted. It answers ``getMe``, gives each
sent message a new id, echoes edits, and says ``true`` to everything else. It remembers
the last message sent to each chat (so the driver can press its buttons) and counts calls.
It also builds the update dicts a user's client would cause.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from typing import Any

from telegram.request import BaseRequest, RequestData

__all__ = ["BOT_USER", "FakeRequest", "callback_update", "command_update", "private_chat"]

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Referral Guide", "username": "referral_guide_bench_bot"}
_ME = json.dumps({"ok": True, "result": {**BOT_USER, "can_join_groups": False,
                                         "can_read_all_group_messages": False,
                                         "supports_inline_queries": False}}).encode()
_TRUE = b'{"ok":true,"result":true}'
DATE = 1_780_000_000


def private_chat(chat_id: int) -> dict[str, Any]:
    """A private chat object."""
    return {"id": chat_id, "type": "private", "first_name": "Bench"}


def _user(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Bench"}


class FakeRequest(BaseRequest):
    """Canned Bot API answers, in process. ``last[chat_id]`` is the last message sent there."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.last: dict[int, dict[str, Any]] = {}
        self.sent: list[tuple[int, str, Any]] = []
        self.keep_sent = False
        self.total = 0
        self._ids = itertools.count(1000)

    @property
    def read_timeout(self) -> float | None:
        """How long a read may take (never relevant here)."""
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _message(self, params: dict[str, Any], message_id: int) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {"message_id": message_id, "date": DATE, "chat": private_chat(chat_id),
                                   "from": BOT_USER, "text": str(params.get("text", ""))}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        """Answer one Bot API call."""
        api = url.rsplit("/", 1)[-1]
        self.calls[api] += 1
        self.total += 1
        if api == "getMe":
            return 200, _ME
        if api == "sendMessage" and request_data is not None:
            params = request_data.parameters
            message = self._message(params, next(self._ids))
            self.last[message["chat"]["id"]] = message
            if self.keep_sent:
                self.sent.append((message["chat"]["id"], message["text"], message.get("reply_markup")))
            return 200, json.dumps({"ok": True, "result": message}).encode()
        if api == "editMessageText" and request_data is not None:
            params = request_data.parameters
            message = self._message(params, int(str(params["message_id"])))
            last = self.last.get(message["chat"]["id"])
            if last is not None and last["message_id"] == message["message_id"]:
                self.last[message["chat"]["id"]] = message  # an edit in place (a checklist tick)
            return 200, json.dumps({"ok": True, "result": message}).encode()
        return 200, _TRUE


_update_ids = itertools.count(1)


def command_update(chat_id: int, command: str) -> dict[str, Any]:
    """A user typing ``/command`` in their private chat."""
    return {
        "update_id": next(_update_ids),
        "message": {"message_id": next(_update_ids), "date": DATE, "chat": private_chat(chat_id),
                    "from": _user(chat_id), "text": f"/{command}",
                    "entities": [{"type": "bot_command", "offset": 0, "length": len(command) + 1}]},
    }


def callback_update(chat_id: int, message: dict[str, Any], data: str) -> dict[str, Any]:
    """A user pressing the button with callback ``data`` on ``message``.

    Raises:
        LookupError: the message has no such button (the bot did not offer it).
    """
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    if not any(button.get("callback_data") == data for row in rows for button in row):
        raise LookupError(f"the bot's last message offers no button {data!r}")
    update_id = next(_update_ids)
    return {
        "update_id": update_id,
        "callback_query": {"id": str(update_id), "from": _user(chat_id), "chat_instance": str(chat_id),
                           "data": data, "message": message},
    }
