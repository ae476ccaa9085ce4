"""Bot API methods of the fake: what each does to the chats and what it answers.

Every handler takes the :class:`~botapi.state.ApiState` (locked by the caller) and the
parameters already checked against the spec, and returns the ``result`` (or a
:class:`Described` result) or raises :class:`~botapi.models.ApiError` with Telegram's wording.
``getUpdates`` is not here: it long-polls, so :mod:`botapi.server` runs it.

Methods in the spec but not in :data:`HANDLERS` answer ``true`` when the spec says they return
``True``; any other such method is refused as a violation naming this module, so a test never
passes on a made-up answer.
"""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .formatting import EntityError, parse_text
from .limits import (
    check_answer_text,
    check_commands,
    check_inline_keyboard,
    check_length,
)
from .models import ApiError, StoredMessage
from .spec import Upload
from .state import DEFAULT_ALLOWED, ApiState

__all__ = ["HANDLERS", "Described", "Handler"]

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_FILE_BYTES = 50 * 1024 * 1024
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"RIFF", b"BM")
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Described:
    """A result with the ``description`` Telegram adds to some answers."""

    result: Any
    description: str


Handler = Callable[[ApiState, dict[str, Any]], Any]


def _violation(description: str) -> ApiError:
    return ApiError(400, description, violation=True)


def _formatted(p: dict[str, Any], field: str = "text", *, caption: bool = False,
               required: bool = True) -> tuple[str | None, list[dict[str, Any]]]:
    raw = p.get(field)
    if raw is None and not required:
        return None, []
    entities_field = "caption_entities" if caption else "entities"
    try:
        plain, entities = parse_text(str(raw or ""), p.get("parse_mode"), p.get(entities_field))
    except EntityError as error:
        raise _violation(f"Bad Request: {error}") from None
    problem = check_length(plain, caption=caption, required=required)
    if problem is not None:
        raise _violation(problem)
    return plain, entities


def _inline_markup(p: dict[str, Any]) -> dict[str, Any] | None:
    markup = p.get("reply_markup")
    problem = check_inline_keyboard(markup)
    if problem is not None:
        raise _violation(problem)
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        return markup
    return None


def _blocked(state: ApiState, chat_id: int) -> None:
    if chat_id in state.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")


def _check_reply(state: ApiState, chat_id: int, p: dict[str, Any]) -> None:
    reply = p.get("reply_parameters")
    if isinstance(reply, dict) and state.message(chat_id, reply.get("message_id")) is None \
            and not reply.get("allow_sending_without_reply"):
        raise ApiError(400, "Bad Request: message to be replied not found")


def _target(state: ApiState, p: dict[str, Any], action: str) -> tuple[dict[str, Any],
                                                                      StoredMessage]:
    if p.get("inline_message_id") is not None:
        raise _violation("Bad Request: inline_message_id is not supported by the fake Bot API "
                         "(the bot has no inline mode); use chat_id and message_id")
    if p.get("chat_id") is None:
        raise ApiError(400, "Bad Request: chat_id is empty")
    if p.get("message_id") is None:
        raise ApiError(400, "Bad Request: message identifier is not specified")
    chat = state.chat(p["chat_id"])
    message = state.message(chat["id"], p["message_id"])
    if message is None:
        raise ApiError(400, f"Bad Request: message to {action} not found")
    if not message.from_bot and action != "delete":
        raise ApiError(400, "Bad Request: message can't be edited")
    return chat, message


def _not_modified() -> ApiError:
    return ApiError(400, "Bad Request: message is not modified: specified new message content "
                         "and reply markup are exactly the same as a current content and reply "
                         "markup of the message")


def _edited(chat: dict[str, Any], message: StoredMessage) -> dict[str, Any]:
    message.edits += 1
    message.edit_date = int(time.time())
    return message.to_api(chat)


def get_me(state: ApiState, p: dict[str, Any]) -> Any:
    """``getMe``: the bot's ``User``."""
    return state.bot_user


def send_message(state: ApiState, p: dict[str, Any]) -> Any:
    """``sendMessage``: text 1-4096 characters, an optional inline keyboard."""
    plain, entities = _formatted(p)
    markup = _inline_markup(p)
    chat = state.chat(p["chat_id"])
    _blocked(state, chat["id"])
    _check_reply(state, chat["id"], p)
    return state.bot_message(chat["id"], plain, entities, markup).to_api(chat)


def _upload(state: ApiState, value: Any, kind: str) -> dict[str, Any]:
    if isinstance(value, Upload):
        limit = MAX_PHOTO_BYTES if kind == "photo" else MAX_FILE_BYTES
        if not value.data:
            raise _violation(f"Bad Request: file must be non-empty ({kind})")
        if len(value.data) > limit:
            raise _violation("Bad Request: file is too big")
        if kind == "photo" and not value.data.startswith(_IMAGE_MAGIC):
            raise _violation("Bad Request: IMAGE_PROCESS_FAILED")
        file_id, unique = state.new_file_id(kind)
        return {"file_id": file_id, "file_unique_id": unique, "file_size": len(value.data),
                **_image_size(value.data)}
    text = str(value)
    if text in state.file_ids:
        return {"file_id": text, "file_unique_id": f"U{text[-6:]}", "width": 800, "height": 600}
    if urlsplit(text).scheme in ("http", "https"):
        raise _violation("Bad Request: wrong file identifier/HTTP URL specified (the fake Bot "
                         "API never fetches URLs; upload the file instead)")
    raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")


def _image_size(data: bytes) -> dict[str, int]:
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return {"width": width, "height": height}
    return {"width": 800, "height": 600}


def send_photo(state: ApiState, p: dict[str, Any]) -> Any:
    """``sendPhoto``: an uploaded image (or a known file_id), caption up to 1024 characters."""
    caption, entities = _formatted(p, "caption", caption=True, required=False)
    markup = _inline_markup(p)
    chat = state.chat(p["chat_id"])
    _blocked(state, chat["id"])
    size = _upload(state, p["photo"], "photo")
    scale = min(1.0, 90 / max(size["width"], size["height"], 1))
    thumb = {**size, "file_id": size["file_id"] + "-s", "file_unique_id": size["file_unique_id"]
             + "s", "width": max(1, int(size["width"] * scale)),
             "height": max(1, int(size["height"] * scale))}
    message = state.bot_message(chat["id"], None, entities, markup, photo=[thumb, size],
                                caption=caption)
    return message.to_api(chat)


def send_document(state: ApiState, p: dict[str, Any]) -> Any:
    """``sendDocument``: an uploaded file (or a known file_id)."""
    caption, entities = _formatted(p, "caption", caption=True, required=False)
    markup = _inline_markup(p)
    chat = state.chat(p["chat_id"])
    _blocked(state, chat["id"])
    info = _upload(state, p["document"], "document")
    info = {k: v for k, v in info.items() if k not in ("width", "height")}
    if isinstance(p["document"], Upload) and p["document"].filename:
        info["file_name"] = p["document"].filename
    message = state.bot_message(chat["id"], None, entities, markup, document=info,
                                caption=caption)
    return message.to_api(chat)


def edit_message_text(state: ApiState, p: dict[str, Any]) -> Any:
    """``editMessageText``; leaving out ``reply_markup`` removes the inline keyboard."""
    plain, entities = _formatted(p)
    markup = _inline_markup(p)
    chat, message = _target(state, p, "edit")
    if message.text is None:
        raise ApiError(400, "Bad Request: there is no text in the message to edit")
    if (plain, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise _not_modified()
    message.text, message.entities, message.reply_markup = plain, entities, markup
    return _edited(chat, message)


def edit_message_caption(state: ApiState, p: dict[str, Any]) -> Any:
    """``editMessageCaption`` of a photo or document message."""
    caption, entities = _formatted(p, "caption", caption=True, required=False)
    markup = _inline_markup(p)
    chat, message = _target(state, p, "edit")
    if message.text is not None:
        raise ApiError(400, "Bad Request: there is no caption in the message to edit")
    if (caption, entities, markup) == (message.caption, message.entities, message.reply_markup):
        raise _not_modified()
    message.caption, message.entities, message.reply_markup = caption, entities, markup
    return _edited(chat, message)


def edit_message_reply_markup(state: ApiState, p: dict[str, Any]) -> Any:
    """``editMessageReplyMarkup``; no ``reply_markup`` removes the keyboard."""
    markup = _inline_markup(p)
    chat, message = _target(state, p, "edit")
    if markup == message.reply_markup:
        raise _not_modified()
    message.reply_markup = markup
    return _edited(chat, message)


def delete_message(state: ApiState, p: dict[str, Any]) -> Any:
    """``deleteMessage``: the bot's own messages, and users' messages in private chats."""
    chat = state.chat(p["chat_id"])
    message = state.message(chat["id"], p["message_id"])
    if message is None:
        raise ApiError(400, "Bad Request: message to delete not found")
    if not message.from_bot and chat.get("type") != "private":
        raise ApiError(400, "Bad Request: message can't be deleted")
    message.deleted = True
    return True


def delete_messages(state: ApiState, p: dict[str, Any]) -> Any:
    """``deleteMessages``: 1-100 ids; ids that cannot be deleted are skipped."""
    ids = p["message_ids"]
    if not ids:
        raise ApiError(400, "Bad Request: message identifiers are not specified")
    if len(ids) > 100:
        raise _violation("Bad Request: too many message identifiers specified")
    chat = state.chat(p["chat_id"])
    for message_id in ids:
        message = state.message(chat["id"], message_id)
        if message is not None and (message.from_bot or chat.get("type") == "private"):
            message.deleted = True
    return True


def answer_callback_query(state: ApiState, p: dict[str, Any]) -> Any:
    """``answerCallbackQuery``: once per query, text up to 200 characters."""
    problem = check_answer_text(p.get("text"))
    if problem is not None:
        raise _violation(problem)
    query = state.queries.get(str(p["callback_query_id"]))
    if query is None or query.answer is not None:
        raise ApiError(400, "Bad Request: query is too old and response timeout expired or "
                            "query ID is invalid")
    query.answer = dict(p)
    return True


def _scope_key(p: dict[str, Any]) -> tuple[str, str]:
    language = str(p.get("language_code") or "")
    if language and not (len(language) == 2 and language.isalpha() and language.islower()):
        raise _violation("Bad Request: invalid language code specified")
    scope = p.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), language


def set_my_commands(state: ApiState, p: dict[str, Any]) -> Any:
    """``setMyCommands``: up to 100 commands of ``[a-z0-9_]{1,32}`` with descriptions."""
    problem = check_commands(p["commands"])
    if problem is not None:
        raise _violation(problem)
    state.commands[_scope_key(p)] = list(p["commands"])
    return True


def get_my_commands(state: ApiState, p: dict[str, Any]) -> Any:
    """``getMyCommands`` for a scope and language."""
    return state.commands.get(_scope_key(p), [])


def delete_my_commands(state: ApiState, p: dict[str, Any]) -> Any:
    """``deleteMyCommands`` for a scope and language."""
    state.commands.pop(_scope_key(p), None)
    return True


def send_chat_action(state: ApiState, p: dict[str, Any]) -> Any:
    """``sendChatAction`` ("typing"...)."""
    chat = state.chat(p["chat_id"])
    _blocked(state, chat["id"])
    if p["action"] not in CHAT_ACTIONS:
        raise _violation("Bad Request: wrong parameter action in request")
    return True


def set_webhook(state: ApiState, p: dict[str, Any]) -> Any:
    """``setWebhook``: https, or http to this machine (tests); an empty url removes it."""
    url = str(p["url"])
    if not url:
        return delete_webhook(state, p)
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS):
        raise _violation("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.get("secret_token")
    if secret is not None and not (1 <= len(secret) <= 256 and
                                   all(c.isalnum() or c in "_-" for c in secret)):
        raise _violation("Bad Request: secret token contains unallowed characters")
    if p.get("drop_pending_updates"):
        state.drop_pending()
    if p.get("allowed_updates"):
        state.allowed_updates = frozenset(p["allowed_updates"])
    state.webhook_url, state.webhook_secret = url, secret
    state.cond.notify_all()
    return Described(True, "Webhook was set")


def delete_webhook(state: ApiState, p: dict[str, Any]) -> Any:
    """``deleteWebhook`` (optionally dropping pending updates)."""
    if p.get("drop_pending_updates"):
        state.drop_pending()
    was = state.webhook_url
    state.webhook_url = state.webhook_secret = None
    state.cond.notify_all()
    return Described(True, "Webhook was deleted" if was else "Webhook is already deleted")


def get_webhook_info(state: ApiState, p: dict[str, Any]) -> Any:
    """``getWebhookInfo``."""
    info: dict[str, Any] = {"url": state.webhook_url or "", "has_custom_certificate": False,
                            "pending_update_count": len(state.pending)}
    if state.webhook_url:
        info["max_connections"] = 40
        if state.allowed_updates != DEFAULT_ALLOWED:
            info["allowed_updates"] = sorted(state.allowed_updates)
    return info


HANDLERS: dict[str, Handler] = {
    "getMe": get_me,
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "answerCallbackQuery": answer_callback_query,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "sendChatAction": send_chat_action,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
