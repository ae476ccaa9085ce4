"""One private chat during one update: its stored session, and how the bot replies in it.

The rule for every reply is the same: save the user's place first, then show exactly one
live keyboard. The message that was pressed is annotated with the chosen answer and loses
its buttons (or, for a checklist tick, is edited in place); a new message carries the next
step. An update costs one commit if it moved the user and none otherwise; what is only
bookkeeping (which message is live, which to delete on /exit) is staged and goes with the
next commit (see docs/sessions.md). Nothing here logs or stores a user id, name or
anything typed.

Each chat is shown in its session's language (issue 15): :attr:`Chat.engine` is the engine in
that language, and every message offers the same step in the other language.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape as html_escape

from telegram import Bot, Message, Update

from bot.channels.telegram.config import Config
from bot.channels.telegram.limits import MAX_TEXT
from bot.channels.telegram.render import (
    Rendered,
    answered_text,
    fit,
    render_roles,
    render_turn,
)
from bot.channels.telegram.send import edit_quietly, send, unkey_quietly
from bot.channels.telegram.stored import ChatRecord
from bot.engine import Engine, FlowEvent, Session, Turn
from bot.engine.store import SessionStore
from bot.flows.i18n import BASE, other_language
from bot.stats import Recorder

__all__ = ["CHANNEL", "Chat", "Services", "open_chat", "preselected", "split_text", "update_kind"]

log = logging.getLogger(__name__)

CHANNEL = "telegram"
RENDER_CACHE = 2048


@dataclass(slots=True)
class Services:
    """What every handler needs: the engine, the session store, the settings, the recorder."""

    engine: Engine
    store: SessionStore
    config: Config
    recorder: Recorder
    events: int = field(default=0)
    """How many engine events so far: an update that caused one is always committed."""
    rendered: dict[object, Rendered] = field(default_factory=dict)
    """Messages already built, by turn: a keyboard is built once, then sent many times."""

    def __post_init__(self) -> None:
        self.engine.subscribe(self._count_event)

    def _count_event(self, _event: FlowEvent) -> None:
        self.events += 1

    def _built(self, key: object, build: Callable[[], Rendered]) -> Rendered:
        message = self.rendered.get(key)
        if message is None:
            if len(self.rendered) >= RENDER_CACHE:
                self.rendered.clear()
            message = self.rendered[key] = build()
        return message

    def render(self, turn: Turn, language: str = BASE) -> Rendered:
        """The message for a turn in ``language``, built once: turns and messages are immutable
        values, so equal turns share one message (the cache is emptied past ``RENDER_CACHE``
        entries). The language is part of the key: a flow not yet translated has the same turn in
        both languages, but not the same buttons."""
        ui, switch = self.engine.for_language(language).ui, self.other_language(language)
        return self._built((language, turn), lambda: render_turn(turn, ui, switch))

    def render_roles(self, error: str | None, notice: str | None, language: str = BASE) -> Rendered:
        """The role question in ``language``, with an optional error and notice, built once."""
        ui, switch = self.engine.for_language(language).ui, self.other_language(language)
        return self._built(("roles", language, error, notice),
                           lambda: render_roles(ui, error=error, notice=notice, switch=switch))

    def other_language(self, language: str) -> str | None:
        """The language a step in ``language`` links to (issue 15); None when there is only one."""
        return other_language(self.engine.languages, language)

    def sweep(self) -> None:
        """Expire inactive sessions (the JobQueue calls this every ``SWEEP_EVERY`` seconds)."""
        expired = self.store.sweep(self.engine)
        if expired:
            log.info("expired %d inactive session(s)", expired)


def update_kind(update: object) -> str:
    """A word for the kind of update, for logs: never anything the user wrote."""
    if not isinstance(update, Update):
        return "none"
    if update.callback_query is not None:
        return "callback"
    if update.edited_message is not None or update.edited_channel_post is not None:
        return "edited"
    message = update.effective_message
    if message is None:
        return "other"
    if message.text is not None:
        return "command" if message.text.startswith("/") else "text"
    return "non_text"


def _pieces(text: str, limit: int) -> list[str]:
    """Paragraphs, with any paragraph too long for one message split at lines (or cut)."""
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        if len(paragraph) <= limit:
            pieces.append(paragraph)
            continue
        for line in paragraph.split("\n"):
            pieces += [line[i:i + limit] for i in range(0, len(line), limit)] or [""]
    return pieces


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split long text into messages at paragraph (else line) breaks, each within the limit."""
    chunks: list[str] = []
    current: str | None = None
    for piece in _pieces(text, limit):
        joined = piece if current is None else f"{current}\n\n{piece}"
        if len(joined) <= limit:
            current = joined
            continue
        if current is not None:
            chunks.append(current)
        current = piece
    if current is not None:
        chunks.append(current)
    return [c for c in chunks if c.strip()] or [fit(text, limit) or "…"]


class Chat:
    """A private chat's session for the length of one update."""

    def __init__(self, services: Services, bot: Bot, chat_id: int, key: str, stored: ChatRecord,
                 kind: str, notice: str | None = None) -> None:
        self.services = services
        self.bot = bot
        self.chat_id = chat_id
        self.key = key
        self.stored = stored
        self.kind = kind
        self.notice = notice
        self.events = services.events
        self.arrived: Turn | None = None
        """The step the user was on when the update arrived (None for a new or expired chat)."""

    @property
    def session(self) -> Session:
        """The user's place."""
        return self.stored.session

    @property
    def language(self) -> str:
        """The chat's language: the session's, if the flows are offered in it (issue 15)."""
        return self.engine.language

    @property
    def engine(self) -> Engine:
        """The engine in the chat's language (the machines are shared by every language)."""
        return self.services.engine.for_language(self.session.language)

    def ui(self, key: str) -> str:
        """An interface text in the chat's language."""
        return self.engine.ui(key)

    def on_role_screen(self) -> bool:
        """True while the user has no role and is at the menu: they see the role question (unless
        /start's language question came first)."""
        return (self.session.role is None and not self.stored.asking_language
                and self.engine.current(self.session).kind == "menu")

    def save(self) -> None:
        """Make the user's place durable before a reply: one commit if it changed, the chat is
        new or the update was counted in the statistics; otherwise the row is only staged, to
        go with the next commit (see docs/sessions.md)."""
        store = self.services.store
        if self.services.events != self.events or self.stored.place_changed():
            self.events = self.services.events
            store.save_record(self.key, self.stored)
        else:
            store.stage(self.key, self.stored)

    def note_sent(self, message: Message, *, live: bool = False) -> None:
        """Bookkeeping after a reply went out: the message (and, if ``live``, that it carries
        the live keyboard) is staged, never committed on its own (see docs/sessions.md)."""
        if live:
            self.stored.active_message = message.message_id
        self.stored.note_message(message.message_id)
        self.services.store.stage(self.key, self.stored)

    def render(self, turn: Turn) -> Rendered:
        """The message for a turn; the role question stands in for the menu until a role is chosen."""
        notice = turn.notice or self.notice
        self.notice = None
        if turn.kind == "menu" and self.session.role is None:
            return self.services.render_roles(turn.error, notice, self.language)
        if notice != turn.notice:
            turn = dataclasses.replace(turn, notice=notice)
        return self.services.render(turn, self.language)

    async def reply(self, turn: Turn, *, pressed: Message | None = None, label: str | None = None,
                    in_place: bool = False) -> None:
        """Save the place, then show ``turn`` with the only live keyboard in the chat.

        Args:
            turn: what to show.
            pressed: the message whose button was pressed, if any.
            label: the pressed button's label when the press was accepted (it is shown under
                the old step); None for a stale press (the old buttons just go).
            in_place: edit ``pressed`` instead of sending a new message (checklist ticks).
        """
        self.stored.asking_language = False
        await self.show(self.render(turn), pressed=pressed, label=label, in_place=in_place)
        log.info("update handled kind=%s flow=%s state=%s", self.kind, turn.flow or "-", turn.state)

    async def show(self, rendered: Rendered, *, pressed: Message | None = None, label: str | None = None,
                   in_place: bool = False) -> None:
        """Save the place, then show ``rendered`` with the only live keyboard (see :meth:`reply`)."""
        self.save()
        bot, chat_id, active = self.bot, self.chat_id, self.stored.active_message
        edited = False
        if pressed is not None and in_place:
            edited = await edit_quietly(bot, chat_id, pressed.message_id, rendered.text, rendered.markup)
        if not edited:
            if pressed is not None:
                if label is not None and pressed.text:
                    await edit_quietly(bot, chat_id, pressed.message_id,
                                       answered_text(pressed.text, label), None)
                else:
                    await unkey_quietly(bot, chat_id, pressed.message_id)
            if active is not None and (pressed is None or active != pressed.message_id):
                await unkey_quietly(bot, chat_id, active)
            self.note_sent(await send(bot, chat_id, rendered), live=True)

    async def show_current(self, *, error: str | None = None, pressed: Message | None = None) -> None:
        """Show the current step again, with an optional error line first."""
        await self.reply(self.engine.current(self.session, error=error), pressed=pressed)

    async def say(self, text: str, *, html: bool = False) -> None:
        """Send plain information (help, about, privacy...) without touching the live keyboard."""
        if self.notice:
            notice = html_escape(self.notice) if html else self.notice
            text, self.notice = f"ℹ️ {notice}\n\n{text}", None
        self.save()
        for chunk in split_text(text):
            self.note_sent(await send(self.bot, self.chat_id, Rendered(chunk, None), html=html))
        log.info("update handled kind=%s info", self.kind)


def preselected(engine: Engine, update: Update) -> str:
    """The language a new chat starts in: Welsh for a Telegram user whose app is in Welsh.

    Telegram sends the language of the user's app (``language_code``, such as ``cy``). Someone
    who runs Telegram in Welsh has already told us their language, and the Welsh Language
    Standards ask that Welsh is treated no less favourably than English: they should not have to
    find Welsh behind an English screen. So the session starts in Welsh: /start's question is
    asked in Welsh with Cymraeg first, and whatever comes before an answer (a /start link to a
    guide, "999" typed at once) is already in Welsh. The question is still asked, in one tap,
    because a phone's language is not always its user's choice. Anyone else starts in English,
    and /start's first screen (the role question) offers Cymraeg with its 🌐 button: an officer
    in England is not asked an extra question before the guidance.
    """
    user = update.effective_user
    code = (user.language_code or "").split("-")[0].casefold() if user else ""
    return code if code in engine.languages else BASE


def open_chat(services: Services, bot: Bot, update: Update) -> Chat | None:
    """The chat of a private update with its session loaded, expired or resumed as needed.

    Returns None for updates outside private chats and for updates already handled (a
    redelivery after a crash), which must not act twice.
    """
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return None
    store, engine = services.store, services.engine
    key = store.key(CHANNEL, chat.id)
    stored = store.load_record(key, ChatRecord)
    kind = update_kind(update)
    if stored is not None and stored.seen(update.update_id):
        log.info("update skipped kind=%s: already handled", kind)
        return None
    events = services.events
    notice, arrived = None, None
    if stored is not None and store.is_expired(stored):
        language = stored.session.language  # the user's choice outlives the place
        engine.abandon(stored.session)
        stored = ChatRecord(engine.new_session(channel=CHANNEL), messages=stored.messages)
        stored.session.language = language
        notice = engine.for_language(language).ui("expired")
    elif stored is None:
        stored = ChatRecord(engine.new_session(channel=CHANNEL))
        stored.session.language = preselected(engine, update)
    else:
        arrived = engine.for_language(stored.session.language).resume(stored.session)
        notice = arrived.notice
    stored.note_update(update.update_id)
    message = update.message
    if message is not None:
        stored.note_message(message.message_id)
    opened = Chat(services, bot, chat.id, key, stored, kind, notice)
    opened.events = events  # an expiry or a flow update counted now is committed with the reply
    opened.arrived = arrived
    return opened
