"""Issue 15 on Telegram: English or Cymraeg.

- /start asks "English or Cymraeg?" (buttons, the chat's language first; see
  :func:`bot.channels.telegram.chats.preselected` for why a Welsh app starts in Welsh), then
  carries on as before (the role question, the menu).
- /iaith and /language show the user's step in the other language (or the one named), and every
  step's keyboard has a button to the same step in the other language (``l:LANG:STATE``, valid
  only while the user is on STATE, like an answer button). The place never moves.
- The command menu is registered in every language (descriptions from ``flows/ui.yaml``).
- Welsh emergency words are answered in Welsh: someone who writes to a Welsh service in Welsh is
  answered in Welsh, and the chat carries on in Welsh.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import TelegramError

from bot.channels.telegram.chats import Chat
from bot.channels.telegram.limits import MAX_LABEL
from bot.channels.telegram.render import NAV_EMERGENCY, Callback, Rendered, fit, language_callback
from bot.engine import EMERGENCY_PHRASES, MENU, WELSH_EMERGENCY_PHRASES, Engine
from bot.flows.i18n import BASE, LANGUAGES

__all__ = ["EMERGENCY_TEXT", "WELSH_EMERGENCY", "accepts", "ask_language", "command_menus", "emergency_language",
           "named", "register_commands", "switch_command", "switched", "typed_answer"]

log = logging.getLogger(__name__)

WELSH_EMERGENCY = WELSH_EMERGENCY_PHRASES
"""The emergency phrases that are Welsh: typed, they switch the chat to Welsh."""
EMERGENCY_TEXT = re.compile(
    r"^\W*(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(EMERGENCY_PHRASES)) + r")\W*$",
    re.IGNORECASE)
"""Typed text that is an emergency phrase in any language ("999", "help me", "argyfwng"...)."""
_NAMES = {"en": ("en", "english", "saesneg"), "cy": ("cy", "cymraeg", "welsh")}
"""What a user may type to name a language (its code, its name in English and in Welsh)."""


def emergency_language(text: str | None) -> str | None:
    """"cy" for a Welsh emergency phrase (typed, or /argyfwng), else None."""
    words = " ".join(re.sub(r"^\W+|\W+$", "", text or "").split()).casefold()
    return "cy" if words in WELSH_EMERGENCY else None


def named(engine: Engine, word: str) -> str | None:
    """The language ``word`` names ("cy", "Cymraeg", "Welsh"...), if the flows are offered in it."""
    word = word.strip().casefold()
    return next((code for code in engine.languages if word in _NAMES.get(code, (code,))), None)


def _order(chat: Chat) -> list[str]:
    """The languages as the question lists them: the chat's first."""
    return [chat.language, *(code for code in chat.services.engine.languages if code != chat.language)]


def language_question(chat: Chat, error: str | None = None) -> Rendered:
    """/start's question: one button per language (the chat's first), then Emergency."""
    parts = [f"⚠️ {error}"] if error else []
    if chat.notice:
        parts.append(f"ℹ️ {chat.notice}")
        chat.notice = None
    parts.append(chat.ui("choose_language"))
    row = [InlineKeyboardButton(LANGUAGES[code], callback_data=language_callback(code, MENU)) for code in _order(chat)]
    emergency = InlineKeyboardButton(fit(" ".join(chat.ui("emergency_label").split()), MAX_LABEL),
                                     callback_data=NAV_EMERGENCY)
    return Rendered(fit("\n\n".join(parts)), InlineKeyboardMarkup([row, [emergency]]))


async def ask_language(chat: Chat, error: str | None = None) -> None:
    """Ask "English or Cymraeg?" as the live keyboard (the user is at the menu)."""
    rendered = language_question(chat, error)
    chat.stored.asking_language = True
    await chat.show(rendered)
    log.info("update handled kind=%s language question", chat.kind)


def accepts(chat: Chat, callback: Callback) -> bool:
    """True when a language button belongs to the step the user is on (else it is stale)."""
    now = chat.arrived or chat.engine.current(chat.session)
    return callback.kind == "language" and callback.state == now.state


async def switched(chat: Chat, pressed: Message | None) -> None:
    """Show the user's step again in the chat's (new) language: the pressed step is edited in
    place; the answered language question keeps the choice under it; a command sends it anew."""
    asking = chat.stored.asking_language
    turn = chat.engine.current(chat.session)
    if pressed is None:
        await chat.reply(turn)
    elif asking:
        await chat.reply(turn, pressed=pressed, label=LANGUAGES[chat.language])
    else:
        await chat.reply(turn, pressed=pressed, in_place=pressed.message_id == chat.stored.active_message)


async def switch_command(chat: Chat, word: str) -> None:
    """/iaith or /language [LANGUAGE]: the other language (or the one named), same place."""
    code = named(chat.services.engine, word) if word else chat.services.other_language(chat.language)
    if word and code is None:
        await chat.show_current(error=chat.ui("not_understood"))
        return
    chat.session.language = code or chat.language
    await switched(chat, None)


async def typed_answer(chat: Chat, words: str) -> bool:
    """Typed text while the language question is live: its number or a language's name.
    False when the question is not live (the text is handled as usual)."""
    if not chat.stored.asking_language:
        return False
    order = _order(chat)
    code = order[int(words) - 1] if words.isascii() and words.isdigit() and 1 <= int(words) <= len(order) \
        else named(chat.services.engine, words)
    if code is None:
        await ask_language(chat, error=chat.ui("not_understood"))
        return True
    chat.session.language = code
    await chat.reply(chat.engine.current(chat.session))
    return True


def command_menus(engine: Engine, commands: Sequence[tuple[str, str]]) -> list[tuple[str | None, list[BotCommand]]]:
    """The command menu in each language, by Telegram ``language_code`` (None: the default,
    English); ``commands`` are (command, ui.yaml key of its description)."""
    return [(None if code == BASE else code,
             [BotCommand(name, engine.for_language(code).ui(key)) for name, key in commands])
            for code in engine.languages]


async def register_commands(bot: Bot, engine: Engine, commands: Sequence[tuple[str, str]]) -> None:
    """setMyCommands in every language; a language no longer offered loses its menu."""
    for code, menu in command_menus(engine, commands):
        try:
            await bot.set_my_commands(menu, language_code=code)
        except TelegramError as exc:
            log.warning("could not register the command menu (%s); carrying on", exc.__class__.__name__)
    for code in LANGUAGES:
        if code not in engine.languages:
            try:
                await bot.delete_my_commands(language_code=code)
            except TelegramError as exc:
                log.warning("could not remove an old command menu (%s); carrying on", exc.__class__.__name__)
