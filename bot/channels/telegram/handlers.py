"""The Telegram handlers: each one reads an update, moves the engine, and replies once.

Emergency handlers run first (group -1) and stop everything else. Handlers never hold
guidance text: every sentence comes from the flows or from ``flows/ui.yaml``.
"""

from __future__ import annotations

import logging
import traceback

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.channels.glossary import unreviewed
from bot.channels.telegram.chats import CHANNEL, Chat, Services, open_chat, preselected, update_kind
from bot.channels.telegram.extras import help_text, send_diagram, send_figures, send_stats
from bot.channels.telegram.language import (
    EMERGENCY_TEXT,
    accepts,
    ask_language,
    emergency_language,
    switch_command,
    switched,
    typed_answer,
)
from bot.channels.telegram.render import fit, parse_callback, render_turn, starts_flows
from bot.channels.telegram.send import delete_quietly, retrying
from bot.channels.telegram.words import send_about, send_glossary, send_sources, send_step_terms
from bot.channels.terminal import HELP_WORDS
from bot.engine import Engine, Session, Turn
from bot.flows.i18n import BASE
from bot.flows.kinds import DONE
from bot.flows.model import ROLES

__all__ = ["EMERGENCY_TEXT", "Handlers"]

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


def _button_label(message: Message | None, data: str | None) -> str | None:
    """The text of the pressed button, read from the message it was on."""
    markup = message.reply_markup if message is not None else None
    if not isinstance(markup, InlineKeyboardMarkup):
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _pressed(query: CallbackQuery) -> Message | None:
    message = query.message
    return message if isinstance(message, Message) else None


async def _answer(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; a failure here is never worth an error."""
    try:
        await retrying(lambda: query.answer(fit(text, 200) if text else None), "answerCallbackQuery")
    except TelegramError:
        log.info("callback answer failed; carrying on")


class Handlers:
    """Every handler the application registers, sharing one :class:`Services`."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.engine = services.engine

    def _open(self, update: Update, context: Context) -> Chat | None:
        return open_chat(self.services, context.bot, update)

    def _outside(self, update: Update) -> Engine:
        """The engine for a reply outside a private chat's session: the user's app language."""
        return self.engine.for_language(preselected(self.engine, update))

    # -- group -1: emergency, before anything else -------------------------------------------------

    async def emergency(self, update: Update, context: Context) -> None:
        """/emergency, the Emergency button, "999" or an emergency phrase typed in English or Welsh:
        what to do now, from any state. A Welsh phrase (or /argyfwng) switches the chat to Welsh."""
        query = update.callback_query
        chat_type = update.effective_chat.type if update.effective_chat else None
        if chat_type != "private":
            await self._emergency_elsewhere(update, context)
            raise ApplicationHandlerStop
        chat = self._open(update, context)
        if query is not None:
            await _answer(query)
        if chat is not None:
            welsh = emergency_language(update.message.text if update.message else None)
            if welsh in self.engine.languages:
                chat.session.language = welsh
            turn = chat.engine.emergency(chat.session)
            pressed = _pressed(query) if query else None
            await chat.reply(turn, pressed=pressed, label=_button_label(pressed, query.data if query else None))
        raise ApplicationHandlerStop

    async def _emergency_elsewhere(self, update: Update, context: Context) -> None:
        """Emergency guidance in a group or channel: said once, nothing stored."""
        if update.callback_query is not None:
            await _answer(update.callback_query)
        chat = update.effective_chat
        if chat is None:
            return
        welsh = emergency_language(update.message.text if update.message else None)
        engine = self.engine.for_language(welsh) if welsh else self._outside(update)
        turn = engine.current(Session(channel=CHANNEL, emergency=True))
        text = render_turn(turn, engine.ui).text
        try:
            await retrying(lambda: context.bot.send_message(chat.id, text), "sendMessage")
        except TelegramError:
            log.warning("emergency text could not be sent to a group")

    # -- group 0 ------------------------------------------------------------------------------------

    async def refuse_group(self, update: Update, context: Context) -> None:
        """Groups and channels: a polite refusal; nothing is stored about them."""
        chat = update.effective_chat
        if chat is None:
            return
        text = self._outside(update).ui("group_refused")
        await retrying(lambda: context.bot.send_message(chat.id, text), "sendMessage")
        log.info("update refused kind=%s: not a private chat", update_kind(update))

    async def start(self, update: Update, context: Context) -> None:
        """/start: English or Cymraeg? (with more than one language), then the role question on
        first use, the menu after; /start FLOW opens that flow."""
        chat = self._open(update, context)
        if chat is None:
            return
        args, engine = context.args or [], chat.engine
        if args:
            flow = engine.flowset.flows.get(args[0])
            if flow is not None and flow in engine.visible_flows(chat.session):
                await chat.reply(engine.start(chat.session, flow.id))
                return
            engine.menu(chat.session)
            await chat.show_current(error=chat.ui("not_understood"))
            return
        turn = engine.menu(chat.session)
        if chat.language != BASE:  # a Welsh chat confirms its language first (see preselected)
            await ask_language(chat)
            return
        await chat.reply(turn)  # in English, the first screen's 🌐 button offers Cymraeg

    async def back(self, update: Update, context: Context) -> None:
        """/back: one step back."""
        if chat := self._open(update, context):
            await chat.reply(chat.engine.back(chat.session))

    async def restart(self, update: Update, context: Context) -> None:
        """/restart: the first step of the current flow."""
        if chat := self._open(update, context):
            await chat.reply(chat.engine.restart(chat.session))

    async def menu(self, update: Update, context: Context) -> None:
        """/menu: the guides for the user's role."""
        if chat := self._open(update, context):
            await chat.reply(chat.engine.menu(chat.session))

    async def help(self, update: Update, context: Context) -> None:
        """/help: how to use the bot, and when each guide was reviewed."""
        if chat := self._open(update, context):
            await chat.say(help_text(chat.engine))

    async def about(self, update: Update, context: Context) -> None:
        """/about: the disclaimer, the force, each guide's owner and review dates; sources behind buttons."""
        if chat := self._open(update, context):
            await send_about(chat)

    async def glossary(self, update: Update, context: Context) -> None:
        """/glossary lists the terms; /glossary WORD defines one."""
        if chat := self._open(update, context):
            await send_glossary(chat, " ".join(context.args or []))

    async def privacy(self, update: Update, context: Context) -> None:
        """/privacy: what is stored, and for how long."""
        if chat := self._open(update, context):
            await chat.say(chat.ui("privacy"))

    async def exit(self, update: Update, context: Context) -> None:
        """/exit: end the session, delete the chat's messages where allowed, then say goodbye."""
        chat = self._open(update, context)
        if chat is None:
            return
        goodbye = chat.ui("exit")
        self.engine.abandon(chat.session)
        self.services.store.delete(chat.key)
        deleted = await delete_quietly(context.bot, chat.chat_id, list(reversed(chat.stored.messages)))
        await retrying(lambda: context.bot.send_message(chat.chat_id, goodbye), "sendMessage")
        log.info("update handled kind=%s exit delete_calls=%d", chat.kind, deleted)

    async def train(self, update: Update, context: Context) -> None:
        """/train: turn training mode on or off (each step then shows why it is asked); in a
        translation no fluent speaker has reviewed yet, training mode says so (issue 15)."""
        chat = self._open(update, context)
        if chat is None:
            return
        chat.session.training = not chat.session.training
        said = chat.ui("training_on" if chat.session.training else "training_off")
        if chat.session.training and unreviewed(chat.engine):
            said = f"{said}\n\n{chat.ui('translation_unreviewed')}"
        await chat.say(said)
        await chat.show_current()

    async def diagram(self, update: Update, context: Context) -> None:
        """/diagram: the current flow's diagram with the current step highlighted."""
        if chat := self._open(update, context):
            await send_diagram(chat)

    async def figures(self, update: Update, context: Context) -> None:
        """/figures [N|ID]: the training presentation's figures, in training mode."""
        if chat := self._open(update, context):
            await send_figures(chat, " ".join(context.args or []))

    async def stats(self, update: Update, context: Context) -> None:
        """/stats: the anonymised usage summary and chart, for administrators only."""
        chat = self._open(update, context)
        if chat is None:
            return
        user = update.effective_user
        await send_stats(chat, is_admin=self.services.config.is_admin(user.id if user else None))

    async def language(self, update: Update, context: Context) -> None:
        """/iaith and /language: the same step in the other language (or /language cy, /iaith en)."""
        if chat := self._open(update, context):
            await switch_command(chat, " ".join(context.args or []))

    async def callback(self, update: Update, context: Context) -> None:
        """A button press: accepted only when it belongs to the user's current step."""
        query = update.callback_query
        if query is None:
            return
        if update.effective_chat is None or update.effective_chat.type != "private":
            await _answer(query, self._outside(update).ui("group_refused"))
            return
        chat = self._open(update, context)
        if chat is None:
            await _answer(query)
            return
        pressed = _pressed(query)
        if await self._information(chat, query):  # issue 13: answers that move nothing
            return
        callback = parse_callback(query.data)
        if callback is not None and accepts(chat, callback):  # issue 15: the step in another language
            chat.session.language = callback.value
            chat.save()
            await _answer(query)
            await switched(chat, pressed)
            return
        accepted = self._accept(chat, query.data)
        if accepted is None:
            stale = chat.ui("stale")
            await _answer(query, stale)
            await chat.show_current(error=stale, pressed=pressed)
            return
        turn, in_place = accepted
        chat.save()  # before any await: a crash now must not let the same press count twice
        await _answer(query)
        await chat.reply(turn, pressed=pressed, label=_button_label(pressed, query.data), in_place=in_place)

    async def _information(self, chat: Chat, query: CallbackQuery) -> bool:
        """A glossary or sources button: answered with information, the step unchanged.
        True when the press was one of these (a stale one gets the stale answer)."""
        callback = parse_callback(query.data)
        if callback is None or callback.kind not in ("glossary", "sources"):
            return False
        await _answer(query)
        if callback.kind == "glossary":
            done = not chat.on_role_screen() and await send_step_terms(chat, callback.state)
        else:
            done = await send_sources(chat, callback.value)
        if not done:
            await chat.show_current(error=chat.ui("stale"))
        return True

    def _accept(self, chat: Chat, data: str | None) -> tuple[Turn, bool] | None:
        """The turn a valid press leads to (and whether it is a checklist tick, edited in
        place), or None for a stale or forged press, which moves nothing."""
        callback = parse_callback(data)
        if callback is None:
            return None
        session, engine = chat.session, chat.engine
        now = chat.arrived or engine.current(session)  # nothing has moved the session yet
        if callback.kind == "nav":
            move = {"back": engine.back, "restart": engine.restart, "menu": engine.menu,
                    "emergency": engine.emergency}[callback.value]
            return move(session), False
        if callback.kind == "role":
            if not chat.on_role_screen():  # only while the role question is what the user sees
                return None
            session.role = callback.value
            return engine.menu(session), False
        if chat.on_role_screen():
            return None
        ids = {option.id for option in now.options}
        if callback.kind == "flow" and starts_flows(now) and callback.value in ids:
            return engine.choose(session, callback.value), False
        if callback.kind == "answer" and not starts_flows(now) \
                and callback.state == now.state and callback.value in ids:
            tick = now.selected is not None and callback.value != DONE
            return engine.choose(session, callback.value), tick
        return None

    async def text(self, update: Update, context: Context) -> None:
        """Typed text: a number, an answer or a word like back; otherwise a reminder and the step."""
        chat = self._open(update, context)
        message = update.message
        if chat is None or message is None or message.text is None:
            return
        words = " ".join(message.text.split()).casefold()
        if words in HELP_WORDS:
            await chat.say(help_text(chat.engine))
            return
        if await typed_answer(chat, words):  # issue 15: /start's language question
            return
        if chat.on_role_screen():
            labels = [chat.ui(f"role_{role}").casefold() for role in ROLES]
            numbers = [str(n) for n in range(1, len(ROLES) + 1)]
            if words in labels or words in numbers:
                index = labels.index(words) if words in labels else numbers.index(words)
                chat.session.role = ROLES[index]
                await chat.reply(chat.engine.menu(chat.session))
                return
        await chat.reply(chat.engine.handle_text(chat.session, message.text))

    async def unknown_command(self, update: Update, context: Context) -> None:
        """A command the bot does not have: a reminder and the current step."""
        if chat := self._open(update, context):
            await chat.show_current(error=chat.ui("not_understood"))

    async def non_text(self, update: Update, context: Context) -> None:
        """Photos, stickers, voice, locations and edited messages: a polite answer."""
        if chat := self._open(update, context):
            await chat.say(chat.ui("non_text"))

    async def error(self, update: object, context: Context) -> None:
        """Log the failure without personal data and point the user to 999 or 101.

        PTB's ``run_polling`` hands failed polls here with no update: those are logged as a
        retry, as Telegram being briefly unreachable is no error of the bot's.
        """
        error = context.error
        if update is None and isinstance(error, TelegramError):
            log.warning("polling for updates failed (%s); retrying", error.__class__.__name__)
            return
        frames = ""
        if error is not None and error.__traceback__ is not None:
            frames = " < ".join(f"{f.name}:{f.lineno}" for f in traceback.extract_tb(error.__traceback__)[-4:])
        log.error("error handling update kind=%s: %s at %s", update_kind(update),
                  error.__class__.__name__ if error else "unknown", frames or "-")
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.callback_query is not None:
            await _answer(update.callback_query)
        try:
            await context.bot.send_message(update.effective_chat.id, self._outside(update).ui("error"))
        except TelegramError:
            log.warning("the error message could not be sent either")
