"""The Application's lifecycle when another program runs the event loop (a web server beside
the bot): ``start_manually``/``stop_manually`` run the same hooks and jobs as ``run``.

The real Application polls the fake Bot API over real HTTP in this process.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from botapi import FakeBotApi, FakeUser
from tgkit import SHIPPED

from bot.channels.telegram import Config, build_application, make_services
from bot.channels.telegram import app as telegram_app
from bot.channels.telegram.app import COMMANDS, start_manually, stop_manually
from bot.channels.telegram.config import heartbeat_path
from bot.engine import Engine


async def test_a_manually_run_bot_registers_commands_beats_answers_and_closes(
        api: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telegram_app, "HEARTBEAT_EVERY", 0.2)
    config = Config(token=api.token, base_url=api.base_url, stats_db=tmp_path / "stats.db",
                    sessions_db=tmp_path / "sessions.db", max_rate=0)
    services = make_services(config, SHIPPED)
    app = build_application(config, services)
    assert app.job_queue is not None, "the job-queue extra is installed"
    user: FakeUser = api.user(8_500_001, first_name="Manual")
    await start_manually(app, poll_timeout=1)
    try:
        call = await asyncio.to_thread(api.wait_for_call, "setMyCommands")
        assert [c["command"] for c in call.params["commands"]] == [name for name, _ in COMMANDS]
        assert sorted(job.name for job in app.job_queue.jobs()) == ["heartbeat", "sweep"]
        beat = heartbeat_path(config.sessions_db)
        assert beat.exists(), "the first heartbeat is written at start"
        first_beat = beat.stat().st_mtime_ns
        for _ in range(100):
            await asyncio.sleep(0.05)
            if beat.stat().st_mtime_ns != first_beat:
                break
        assert beat.stat().st_mtime_ns != first_beat, "the heartbeat job beats again"
        await asyncio.to_thread(user.send, "/start report_concern")
        first = Engine(SHIPPED).flowset.flows["report_concern"]
        assert first.states[first.start].text[:30] in user.last().text
        assert user.last().buttons, "the first step came back with its buttons"
    finally:
        await stop_manually(app)
    assert not app.running
    assert services.store.pending == 0
    assert services.recorder.dropped == 0
