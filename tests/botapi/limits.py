"""Telegram's limits on what a bot may send, with Telegram's own error descriptions.

Each check returns the full description (``"Bad Request: ..."``) of the first problem, or
``None``. Limits (Bot API docs and ``telegram.constants``):

* message text 1-4096 characters after entity parsing and stripping; captions up to 1024;
* inline keyboards: up to 100 buttons, up to 8 per row; every button has non-empty text and
  exactly one action field; ``callback_data`` is 1-64 UTF-8 bytes; ``url`` is an http(s) or
  ``tg://`` URL;
* ``answerCallbackQuery`` text up to 200 characters;
* ``setMyCommands``: up to 100 commands, each 1-32 characters of ``[a-z0-9_]`` with a
  description of 1-256 characters.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "MAX_ANSWER_TEXT",
    "MAX_BUTTONS",
    "MAX_BUTTONS_PER_ROW",
    "MAX_CALLBACK_DATA",
    "MAX_CAPTION",
    "MAX_COMMANDS",
    "MAX_TEXT",
    "check_answer_text",
    "check_commands",
    "check_inline_keyboard",
    "check_length",
]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_BUTTONS = 100
MAX_BUTTONS_PER_ROW = 8
MAX_ANSWER_TEXT = 200
MAX_COMMANDS = 100
MAX_COMMAND = 32
MAX_COMMAND_DESCRIPTION = 256

_BUTTON_LOOKS = frozenset({"text", "icon_custom_emoji_id", "style"})
_COMMAND = re.compile(r"[a-z0-9_]+")
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}|"
                   r"\d{1,3}(?:\.\d{1,3}){3}")


def check_length(plain: str, *, caption: bool = False, required: bool = True) -> str | None:
    """Message text or caption length after parsing; ``plain`` is what the user would see."""
    if caption:
        if len(plain) > MAX_CAPTION:
            return "Bad Request: message caption is too long"
        return None
    if not plain and required:
        return "Bad Request: message text is empty"
    if len(plain) > MAX_TEXT:
        return "Bad Request: message is too long"
    return None


def valid_button_url(url: str) -> bool:
    """An http(s) URL with a real host name, or a ``tg://`` link."""
    if any(ch.isspace() for ch in url):
        return False
    parts = urlsplit(url)
    if parts.scheme == "tg":
        return bool(parts.netloc or parts.path)
    return parts.scheme in ("http", "https") and bool(_HOST.fullmatch(parts.hostname or ""))


def _check_button(button: dict[str, Any]) -> str | None:
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        return "Bad Request: BUTTON_TEXT_INVALID"
    actions = [k for k in button if k not in _BUTTON_LOOKS]
    if not actions:
        return ("Bad Request: can't parse inline keyboard button: Text buttons are unallowed "
                "in the inline keyboard")
    if len(actions) > 1:
        return ("Bad Request: can't parse inline keyboard button: exactly one of the optional "
                f"fields must be used, found {', '.join(actions)}")
    if "callback_data" in button:
        size = len(str(button["callback_data"]).encode("utf-8"))
        if not 1 <= size <= MAX_CALLBACK_DATA:
            return "Bad Request: BUTTON_DATA_INVALID"
    if "url" in button and not valid_button_url(str(button["url"])):
        return "Bad Request: BUTTON_URL_INVALID"
    return None


def check_inline_keyboard(markup: Any) -> str | None:
    """An ``InlineKeyboardMarkup`` dict (other reply markups are not checked here)."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    total = sum(len(row) for row in rows)
    if total > MAX_BUTTONS:
        return f"Bad Request: too many inline keyboard buttons ({total}, at most {MAX_BUTTONS})"
    for row in rows:
        if len(row) > MAX_BUTTONS_PER_ROW:
            return (f"Bad Request: too many inline keyboard buttons in a row ({len(row)}, at most "
                    f"{MAX_BUTTONS_PER_ROW})")
        for button in row:
            problem = _check_button(button)
            if problem is not None:
                return problem
    return None


def check_answer_text(text: str | None) -> str | None:
    """``answerCallbackQuery`` text: at most 200 characters."""
    if text is not None and len(text) > MAX_ANSWER_TEXT:
        return "Bad Request: MESSAGE_TOO_LONG"
    return None


def check_commands(commands: list[dict[str, Any]]) -> str | None:
    """``setMyCommands`` commands: count, names and descriptions."""
    if len(commands) > MAX_COMMANDS:
        return "Bad Request: BOT_COMMANDS_TOO_MUCH"
    for command in commands:
        name = str(command.get("command", "")).strip()
        description = str(command.get("description", "")).strip()
        if not name:
            return "Bad Request: command must be non-empty"
        if len(name) > MAX_COMMAND:
            return f"Bad Request: command length must not exceed {MAX_COMMAND}"
        if not _COMMAND.fullmatch(name):
            return "Bad Request: BOT_COMMAND_INVALID"
        if not description:
            return "Bad Request: command description must be non-empty"
        if len(description) > MAX_COMMAND_DESCRIPTION:
            return ("Bad Request: command description length must not exceed "
                    f"{MAX_COMMAND_DESCRIPTION}")
    return None
