"""A Telegram user talking to the bot through the fake Bot API (synchronous, thread-safe).

Get one from :meth:`botapi.FakeBotApi.user`. Every action sends one update shaped exactly like
Telegram's and, by default, waits until the bot has answered it and gone quiet, so tests read
naturally::

    alice = server.user(1001, first_name="Alice")
    alice.send("/start")
    assert "Who are you" in alice.last().text
    alice.press("Police officer")          # the button whose text contains this
    alice.press_data("a:old_state:yes")    # a forged or stale tap
    assert alice.callback_answers[-1].get("text") is None

Pass ``wait=False`` to send without waiting (then call :meth:`FakeUser.wait`), and
``timeout=`` to wait longer than 5 s (a bot subprocess that is still starting, say).
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from .models import BotMessage, Button, StoredMessage

if TYPE_CHECKING:
    from .server import FakeBotApi

__all__ = ["FakeUser"]

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeUser:
    """One user in one chat (private by default) of the fake Bot API.

    Attributes:
        user_id: the Telegram user id.
        chat_id: the chat the user writes in (their own id for private chats; negative for
            groups unless given).
    """

    def __init__(self, server: FakeBotApi, user_id: int, *, first_name: str = "Test",
                 last_name: str | None = None, username: str | None = None,
                 chat_id: int | None = None, chat_type: str = "private",
                 language_code: str | None = "en") -> None:
        """Describe the user; nothing is sent until the first action."""
        if chat_type not in ("private", "group", "supergroup"):
            raise ValueError(f"chat_type must be private, group or supergroup, not {chat_type!r}")
        self.server = server
        self.user_id = user_id
        if chat_id is None:
            chat_id = {"private": user_id, "group": -user_id,
                       "supergroup": -(10**12 + user_id)}[chat_type]
        self.chat_id = chat_id
        self.user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            self.user["last_name"] = last_name
        if username:
            self.user["username"] = username
        if language_code:
            self.user["language_code"] = language_code
        if chat_type == "private":
            self.chat: dict[str, Any] = {"id": chat_id, "type": "private",
                                         "first_name": first_name}
            if last_name:
                self.chat["last_name"] = last_name
            if username:
                self.chat["username"] = username
        else:
            self.chat = {"id": chat_id, "type": chat_type, "title": "Test group"}
        self._chat_instance = str(abs(hash((chat_id, "instance"))) % 10**18)

    # -- what the user sees ---------------------------------------------------------------

    @property
    def messages(self) -> list[BotMessage]:
        """The bot's messages in this chat, oldest first, as they look now."""
        with self.server.state.cond:
            stored = self.server.state.messages.get(self.chat_id, {})
            return [m.snapshot() for _, m in sorted(stored.items()) if m.from_bot]

    def last(self) -> BotMessage:
        """The newest bot message that is not deleted."""
        alive = [m for m in self.messages if not m.deleted]
        if not alive:
            raise AssertionError(f"the bot has sent no message (still visible) to chat "
                                 f"{self.chat_id}")
        return alive[-1]

    @property
    def callback_answers(self) -> list[dict[str, Any]]:
        """``answerCallbackQuery`` parameters for this user's button presses, in order."""
        with self.server.state.cond:
            return [dict(q.answer) for q in self.server.state.queries.values()
                    if q.user_id == self.user_id and q.answer is not None]

    @property
    def last_update_id(self) -> int | None:
        """The id of the newest update sent in this user's chat (``None`` before the first).

        ``send`` returns the new message's id, not the update's: read this right after an
        action to know which update the bot must answer (``FakeBotApi.delivered`` is keyed by
        it).
        """
        with self.server.state.cond:
            return self.server.state.last_update_of_chat.get(self.chat_id)

    def transcript(self) -> list[str]:
        """The visible bot messages' texts, oldest first."""
        return [m.text for m in self.messages if not m.deleted]

    # -- actions --------------------------------------------------------------------------

    def _message(self, **content: Any) -> dict[str, Any]:
        state = self.server.state
        with state.cond:
            message_id = state.new_message_id(self.chat_id)
        return {"message_id": message_id, "from": self.user, "chat": self.chat,
                "date": int(time.time()), **content}

    def _push(self, update: dict[str, Any], wait: bool, timeout: float) -> int:
        update_id = self.server.push_update(update)
        if wait:
            self.wait(timeout)
        return update_id

    def send(self, text: str, *, wait: bool = True,
             timeout: float = 5.0) -> int:
        """Type ``text``; a leading ``/command`` gets a ``bot_command`` entity. Returns its id."""
        content: dict[str, Any] = {"text": text}
        match = _COMMAND.match(text)
        if match:
            content["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": _utf16(match.group(0))}]
        message = self._message(**content)
        self._push({"message": message}, wait, timeout)
        return int(message["message_id"])

    def _file(self, kind: str) -> dict[str, Any]:
        with self.server.state.cond:
            file_id, unique = self.server.state.new_file_id(kind)
        return {"file_id": file_id, "file_unique_id": unique}

    def send_photo(self, caption: str | None = None, *, wait: bool = True,
             timeout: float = 5.0) -> int:
        """Send a photo (two sizes, as Telegram sends them)."""
        small, large = self._file("photo"), self._file("photo")
        content: dict[str, Any] = {"photo": [
            {**small, "width": 90, "height": 67, "file_size": 1500},
            {**large, "width": 1280, "height": 960, "file_size": 98000}]}
        if caption is not None:
            content["caption"] = caption
        return self._push({"message": self._message(**content)}, wait, timeout)

    def send_sticker(self, *, wait: bool = True,
             timeout: float = 5.0) -> int:
        """Send a sticker."""
        sticker = {**self._file("sticker"), "type": "regular", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "emoji": "\U0001F44D"}
        return self._push({"message": self._message(sticker=sticker)}, wait, timeout)

    def send_voice(self, *, wait: bool = True,
             timeout: float = 5.0) -> int:
        """Send a voice note."""
        voice = {**self._file("voice"), "duration": 3, "mime_type": "audio/ogg",
                 "file_size": 12000}
        return self._push({"message": self._message(voice=voice)}, wait, timeout)

    def send_location(self, *, wait: bool = True,
             timeout: float = 5.0) -> int:
        """Share a location."""
        location = {"latitude": 51.5074, "longitude": -0.1278}
        return self._push({"message": self._message(location=location)}, wait, timeout)

    def edit(self, message_id: int, text: str, *, wait: bool = True,
             timeout: float = 5.0) -> int:
        """Edit one of the user's own text messages (an ``edited_message`` update)."""
        state = self.server.state
        with state.cond:
            stored = state.message(self.chat_id, message_id)
            if stored is None or stored.from_bot or stored.text is None:
                raise AssertionError(f"message {message_id} is not a text message of this user")
            stored.text, stored.edit_date = text, int(time.time())
            stored.edits += 1
            edited = stored.to_api(self.chat)
        match = _COMMAND.match(text)
        edited.pop("entities", None)
        if match:
            edited["entities"] = [{"type": "bot_command", "offset": 0,
                                   "length": _utf16(match.group(0))}]
        return self._push({"edited_message": edited}, wait, timeout)

    def press(self, label: str, *, message_id: int | None = None, wait: bool = True,
             timeout: float = 5.0) -> int:
        """Tap the inline button whose text contains ``label`` (case-insensitive).

        An exact match wins over partial ones. The button is looked for in ``message_id`` or
        else the newest message of this chat that has an inline keyboard.

        Raises:
            AssertionError: no such message or button (the message lists its buttons), or the
                button is a URL button (it opens a browser, the bot never hears of it).
        """
        with self.server.state.cond:
            message = self._keyboard_message(message_id)
            button = self._find(message, label)
        if button.callback_data is None:
            raise AssertionError(f"button {button.text!r} opens {button.url!r}; it sends nothing "
                                 "to the bot")
        return self._tap(message, button.callback_data, wait, timeout)

    def press_data(self, data: str, *, message_id: int | None = None, wait: bool = True,
             timeout: float = 5.0) -> int:
        """Send a callback query with any ``data``: a forged or stale button."""
        with self.server.state.cond:
            stored = self.server.state.messages.get(self.chat_id, {})
            if message_id is not None:
                message = stored.get(message_id)
                if message is None:
                    raise AssertionError(f"no message {message_id} in chat {self.chat_id}")
            else:
                bots = [m for _, m in sorted(stored.items()) if m.from_bot and not m.deleted]
                if not bots:
                    raise AssertionError(f"the bot has sent nothing to chat {self.chat_id}")
                with_keys = [m for m in bots if m.snapshot().buttons]
                message = (with_keys or bots)[-1]
        return self._tap(message, data, wait, timeout)

    def _keyboard_message(self, message_id: int | None) -> StoredMessage:
        stored = self.server.state.messages.get(self.chat_id, {})
        if message_id is not None:
            message = stored.get(message_id)
            if message is None or message.deleted or not message.from_bot:
                raise AssertionError(f"no bot message {message_id} in chat {self.chat_id}")
            return message
        for _, message in sorted(stored.items(), reverse=True):
            if message.from_bot and not message.deleted and message.snapshot().buttons:
                return message
        texts = [m.snapshot().text[:60] for _, m in sorted(stored.items()) if m.from_bot]
        raise AssertionError(f"no bot message with buttons in chat {self.chat_id}; bot messages:"
                             f" {texts}")

    @staticmethod
    def _find(message: StoredMessage, label: str) -> Button:
        buttons = [b for row in message.snapshot().buttons for b in row]
        wanted = label.casefold()
        exact = [b for b in buttons if b.text.casefold() == wanted]
        partial = [b for b in buttons if wanted in b.text.casefold()]
        found = exact or partial
        if len(found) == 1 or (exact and found):
            return found[0]
        listing = ", ".join(repr(b.text) for b in buttons) or "(none)"
        problem = "several buttons match" if found else "no button matches"
        raise AssertionError(f"{problem} {label!r} in message {message.message_id}; its "
                             f"buttons: {listing}")

    def _tap(self, message: StoredMessage, data: str, wait: bool, timeout: float) -> int:
        state = self.server.state
        with state.cond:
            chat = state.chats.get(self.chat_id, self.chat)
            query = {"id": state.new_query_id(), "from": self.user, "message": message.to_api(chat),
                     "chat_instance": self._chat_instance, "data": data}
        return self._push({"callback_query": query}, wait, timeout)

    def block(self) -> None:
        """Block the bot: from now on sending to this chat answers 403 Forbidden."""
        with self.server.state.cond:
            self.server.state.blocked.add(self.chat_id)

    def unblock(self) -> None:
        """Unblock the bot."""
        with self.server.state.cond:
            self.server.state.blocked.discard(self.chat_id)

    def wait(self, timeout: float = 5.0, quiet: float = 0.05) -> None:
        """Block until the bot answered this chat's latest update and was quiet ``quiet`` s.

        Raises:
            AssertionError: on timeout, with the chat's recent calls.
        """
        self.server.wait_answered(self.chat_id, timeout=timeout, quiet=quiet)
