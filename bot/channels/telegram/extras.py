"""The informational commands: /help and /about texts, /diagram, /figures and the admin-only /stats.

Diagrams need the optional graphviz packages: without them /diagram sends Mermaid text.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from html import escape
from pathlib import Path

from telegram.error import TelegramError

from bot.channels.telegram.chats import Chat
from bot.channels.telegram.limits import MAX_CAPTION, MAX_TEXT
from bot.channels.telegram.send import retrying
from bot.engine import Engine
from bot.figures import figures_reply
from bot.stats import ChartUnavailable, StatsError, build_report, render_chart, summary_text

__all__ = [
    "ADMIN_ONLY",
    "DIAGRAM_NO_FLOW",
    "DIAGRAM_UNAVAILABLE",
    "FIGURES_TRAINING_ONLY",
    "help_text",
    "mermaid_message",
    "send_diagram",
    "send_figures",
    "send_stats",
]

log = logging.getLogger(__name__)

# Telegram-only operator texts (not guidance), by their ui.yaml key: who may use /stats, and
# the limits of /figures and /diagram. In ui.yaml so that they come in the chat's language.
ADMIN_ONLY = "admin_only"
FIGURES_TRAINING_ONLY = "figures_training_only"
DIAGRAM_NO_FLOW = "diagram_no_flow"
DIAGRAM_UNAVAILABLE = "diagram_unavailable"


def help_text(engine: Engine) -> str:
    """The help text: one message, no review dates (those are in /about; issue 13)."""
    return engine.ui("help")


def mermaid_message(source: str, limit: int = MAX_TEXT) -> str:
    """Mermaid source as an HTML ``<pre>`` block within Telegram's limit, cut at a line."""
    opening, closing, cut = '<pre><code class="language-mermaid">', "</code></pre>", "\n…"
    room = limit - len(opening) - len(closing)
    body = escape(source.rstrip())
    if len(body) > room:
        kept = body[: room - len(cut)]
        kept = kept[: kept.rfind("\n")] if "\n" in kept else kept
        kept = kept[: kept.rfind("&")] if kept.rfind("&") > kept.rfind(";") else kept
        body = kept + cut
    return opening + body + closing


async def send_diagram(chat: Chat) -> None:
    """The current flow's diagram with the current step highlighted: PNG, else Mermaid text."""
    session = chat.session
    flow = chat.engine.flowset.flows.get(session.flow) if session.flow else None
    if flow is None or session.state not in flow.states:
        await chat.say(chat.ui(DIAGRAM_NO_FLOW))
        return
    try:
        from bot.diagrams import GraphvizUnavailable, diagram_mermaid, diagram_png
    except ImportError:
        await chat.say(chat.ui(DIAGRAM_UNAVAILABLE))
        return
    try:
        png = await asyncio.to_thread(diagram_png, flow, highlight=session.state)
    except GraphvizUnavailable:
        source = await asyncio.to_thread(diagram_mermaid, flow, highlight=session.state)
        await chat.say(mermaid_message(source), html=True)
        return
    caption = f"{flow.title}: {session.state}"[:MAX_CAPTION]
    message = await retrying(lambda: chat.bot.send_photo(chat.chat_id, png, caption=caption), "sendPhoto")
    chat.note_sent(message)
    log.info("update handled kind=%s diagram flow=%s", chat.kind, flow.id)


async def send_stats(chat: Chat, *, is_admin: bool) -> None:
    """The statistics summary and chart for administrators; a polite refusal for anyone else."""
    if not is_admin:
        await chat.say(chat.ui(ADMIN_ONLY))
        return
    await asyncio.to_thread(chat.services.recorder.flush)
    path = chat.services.config.stats_db
    try:
        report = await asyncio.to_thread(build_report, path)
    except StatsError as exc:
        await chat.say(str(exc))
        return
    await chat.say(summary_text(report, limit=MAX_TEXT))
    with tempfile.TemporaryDirectory() as folder:
        png = Path(folder) / "stats.png"
        try:
            await asyncio.to_thread(render_chart, report, png)
        except ChartUnavailable:
            return
        try:
            message = await retrying(lambda: chat.bot.send_photo(chat.chat_id, png.read_bytes()),
                                     "sendPhoto")
        except TelegramError:
            log.warning("the statistics chart could not be sent")
            return
    chat.note_sent(message)


async def send_figures(chat: Chat, argument: str) -> None:
    """The training presentation's figures (the list, or one by number or id), in training mode."""
    if not chat.session.training:
        await chat.say(chat.ui(FIGURES_TRAINING_ONLY))
        return
    text = await asyncio.to_thread(figures_reply, argument, command="/figures", limit=MAX_TEXT)
    await chat.say(text)
