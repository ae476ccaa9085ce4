"""What the bot writes to the session database, and when: one commit per update that moves.

The real Application (``build_application`` and ``make_services``, as ``referral-bot run``
builds them) runs in this process, polling the fake Bot API over real HTTP, so every SQL
statement on the session store's connection can be watched with SQLite's trace hook.
Users act from a worker thread, as they would from their phones.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botapi import FakeBotApi, FakeUser
from tgkit import SHIPPED, keyboard, labels

from bot.channels.telegram import Config, build_application, make_services
from bot.channels.telegram.chats import Services
from bot.engine import Engine

FLOW = "report_concern"


def ui(key: str) -> str:
    """An interface text as users see it."""
    return Engine(SHIPPED).ui(key)


class Writes:
    """The session store's write statements, as SQLite runs them."""

    def __init__(self, services: Services) -> None:
        self.statements: list[str] = []
        services.store.db.conn.set_trace_callback(self.statements.append)

    def since(self, mark: int) -> list[str]:
        """The writes (not reads) since ``mark`` statements."""
        return [s for s in self.statements[mark:] if not s.lstrip().lower().startswith("select")]


def stored_row(path: Path, chat_id: int) -> dict[str, Any]:
    """The chat's row as another process reads it (the key is the bot's HMAC of the chat)."""
    secret = path.with_name(path.stem + ".key").read_text().strip().encode()
    key = hmac.new(secret, f"telegram:{chat_id}".encode(), hashlib.sha256).hexdigest()[:32]
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = conn.execute("select session, messages, active_message, recent_updates from sessions where key = ?",
                           [key]).fetchone()
    finally:
        conn.close()
    assert row is not None
    return {"session": json.loads(row[0]), "messages": json.loads(row[1]), "active": row[2],
            "updates": json.loads(row[3])}


async def _as_user(action: Callable[[], Any]) -> None:
    """Do a user's action (which waits for the bot's answer) without blocking the bot."""
    await asyncio.to_thread(action)


async def test_one_commit_per_update_that_moves_and_none_for_the_rest(api: FakeBotApi, tmp_path: Path) -> None:
    """A step is committed once, before its reply; /help, a stale button and the bookkeeping
    after each reply cost no commit of their own; all of it is on disk after shutdown."""
    config = Config(token=api.token, base_url=api.base_url, stats_db=tmp_path / "stats.db",
                    sessions_db=tmp_path / "sessions.db", max_rate=0)
    services = make_services(config, SHIPPED)
    app = build_application(config, services)
    writes = Writes(services)
    user: FakeUser = api.user(8_400_001, first_name="Counted")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            mark = len(writes.statements)
            await _as_user(lambda: user.send(f"/start {FLOW}"))
            assert len(writes.since(mark)) == 1, "a new chat: one commit"
            first = stored_row(config.sessions_db, user.chat_id)
            assert first["session"]["flow"] == FLOW

            step = keyboard(user)
            answer = next(label for label in labels(step) if label not in (
                ui("back_label"), ui("restart_label"), ui("emergency_label")))
            mark = len(writes.statements)
            await _as_user(lambda: user.press(answer, message_id=step.message_id))
            assert [s.split()[0].lower() for s in writes.since(mark)] == ["insert"], "one statement, one commit"
            moved = stored_row(config.sessions_db, user.chat_id)
            assert moved["session"]["steps"] == 2
            assert first["active"] is None, "the first reply's message id was only staged..."
            assert moved["active"] == step.message_id, "...and went with this commit"
            assert keyboard(user).message_id != step.message_id, "this reply's id waits for the next"

            mark = len(writes.statements)
            await _as_user(lambda: user.send("/help"))
            data = next(b.callback_data for row in step.buttons for b in row if b.text == answer)
            assert data is not None
            await _as_user(lambda: user.press_data(data, message_id=step.message_id))  # a stale button
            assert ui("stale") in user.last().text
            assert writes.since(mark) == [], "nothing moved: nothing committed"
            assert stored_row(config.sessions_db, user.chat_id) == moved
        finally:
            await app.updater.stop()
            await app.stop()
    services.store.close()
    final = stored_row(config.sessions_db, user.chat_id)
    live = keyboard(user)
    assert final["active"] == live.message_id
    assert final["session"] == moved["session"]
    assert set(final["messages"]) >= {m.message_id for m in user.messages}, "every message, for /exit"
    assert len(final["updates"]) == len(moved["updates"]) + 2
    assert api.violations == []
