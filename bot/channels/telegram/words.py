"""Issue #13's Telegram parts: /glossary, the "What do these words mean?" button, and /about
as one short message with each flow's sources behind a button.

Callback data: ``g:STATE`` answers with the terms of STATE (only while the user is on it; the
step itself does not change) and ``s:FLOW`` with a flow's sources.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.glossary import about_summary, glossary_reply, sources_text, terms_text
from bot.channels.telegram.chats import Chat
from bot.channels.telegram.render import Rendered, fit, glossary_callback
from bot.channels.telegram.send import send
from bot.engine import Engine

__all__ = ["MAX_INFO", "about_message", "glossary_callback", "send_about", "send_glossary", "send_sources",
           "send_step_terms", "sources_callback"]

MAX_INFO = 1500
"""/help and /about are one message each, at most this long (issue 13)."""


def sources_callback(flow_id: str) -> str:
    """Callback data of a flow's sources button in /about."""
    return f"s:{flow_id}"


def about_message(engine: Engine) -> Rendered:
    """/about: the disclaimer, the force, each flow's owner and review dates; a sources button
    per flow."""
    label = engine.ui("sources_label")
    rows = [[InlineKeyboardButton(fit(f"📚 {label}: {flow.title}", 64), callback_data=sources_callback(flow.id))]
            for flow in engine.flowset.flows.values()]
    return Rendered(fit(about_summary(engine), MAX_INFO), InlineKeyboardMarkup(rows) if rows else None)


async def send_about(chat: Chat) -> None:
    """Send /about without touching the live keyboard of the step."""
    chat.save()
    chat.note_sent(await send(chat.bot, chat.chat_id, about_message(chat.engine)))


async def send_sources(chat: Chat, flow_id: str) -> bool:
    """A flow's sources, as plain information; False when there is no such flow."""
    flow = chat.engine.flowset.flows.get(flow_id)
    if flow is None:
        return False
    await chat.say(sources_text(flow))
    return True


async def send_step_terms(chat: Chat, state_id: str) -> bool:
    """The definitions of the current step's terms; False when the button is not for the step
    the user is on (or it has no terms)."""
    turn = chat.engine.current(chat.session)
    if turn.state != state_id or not turn.terms:
        return False
    await chat.say(terms_text(turn.terms))
    return True


async def send_glossary(chat: Chat, word: str) -> None:
    """/glossary lists every term; /glossary WORD defines one."""
    await chat.say(glossary_reply(chat.engine, word))
