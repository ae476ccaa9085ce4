"""Calls to Telegram that survive a bad moment: retried sends, forgiving edits and deletes.

python-telegram-bot's rate limiter already waits out 429 answers (``RetryAfter``). Here,
timeouts, 5xx answers and network errors are retried a few times with a short backoff.
Edits and deletions are best effort: an old message that can no longer be edited or
deleted is not an error worth troubling the user with.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.channels.telegram.render import Rendered

__all__ = ["ATTEMPTS", "DELETE_CHUNK", "delete_quietly", "edit_quietly", "retrying", "send", "unkey_quietly"]

log = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 4
DELETE_CHUNK = 100
FIRST_DELAY = 0.5


async def retrying(call: Callable[[], Awaitable[T]], what: str) -> T:
    """Run ``call``; retry timeouts, 5xx, network errors and 429s that got past the limiter."""
    delay = FIRST_DELAY
    for _ in range(ATTEMPTS - 1):
        try:
            return await call()
        except (BadRequest, Forbidden):
            raise
        except (NetworkError, RetryAfter) as exc:
            log.warning("telegram %s failed (%s); retrying in %.1f s", what, exc.__class__.__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8.0)
    return await call()


async def send(bot: Bot, chat_id: int, rendered: Rendered, *, html: bool = False) -> Message:
    """Send a message, retrying transient failures."""
    return await retrying(
        lambda: bot.send_message(chat_id, rendered.text, reply_markup=rendered.markup,
                                 parse_mode="HTML" if html else None),
        "sendMessage",
    )


def _harmless(exc: TelegramError) -> bool:
    return isinstance(exc, BadRequest | Forbidden)


async def edit_quietly(bot: Bot, chat_id: int, message_id: int, text: str | None,
                       markup: InlineKeyboardMarkup | None) -> bool:
    """Edit a message's text (and keyboard); False when Telegram would not or could not."""
    try:
        if text is None:
            await retrying(lambda: bot.edit_message_reply_markup(chat_id, message_id, reply_markup=markup),
                           "editMessageReplyMarkup")
        else:
            await retrying(lambda: bot.edit_message_text(text, chat_id, message_id, reply_markup=markup),
                           "editMessageText")
    except TelegramError as exc:
        if not _harmless(exc):
            log.warning("telegram edit gave up (%s)", exc.__class__.__name__)
        return False
    return True


async def unkey_quietly(bot: Bot, chat_id: int, message_id: int | None) -> bool:
    """Remove the keyboard from an older message so its buttons cannot be pressed by mistake."""
    if message_id is None:
        return False
    return await edit_quietly(bot, chat_id, message_id, None, None)


async def delete_quietly(bot: Bot, chat_id: int, message_ids: list[int]) -> int:
    """Delete messages where Telegram allows it (private chats, under 48 hours).

    Uses ``deleteMessages`` (100 ids a call, unknown ids skipped), so even a long chat is
    cleared in a few calls; a chunk Telegram refuses is retried one message at a time.
    Returns how many calls succeeded.
    """
    done = 0
    for start in range(0, len(message_ids), DELETE_CHUNK):
        chunk = message_ids[start:start + DELETE_CHUNK]
        try:
            await retrying(partial(bot.delete_messages, chat_id, chunk), "deleteMessages")
        except TelegramError:
            for message_id in chunk:
                try:
                    await retrying(partial(bot.delete_message, chat_id, message_id), "deleteMessage")
                except TelegramError:
                    continue
                done += 1
            continue
        done += 1
    return done
