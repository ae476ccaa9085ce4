"""``referral-bot run`` with REFERRAL_BOT_WEB_PORT: the Telegram bot and the web channel in one
process and one event loop, sharing the engine, the session store and the statistics."""

from __future__ import annotations

import socket
import sqlite3
import time
from pathlib import Path

import httpx2
import pytest
from botapi import FakeBotApi
from tgkit import BotProcess

from tests.conftest import cli_command
from tests.web.webkit import WebUser

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_one_process_serves_telegram_and_the_web(api: FakeBotApi, tmp_path: Path) -> None:
    import subprocess

    port = free_port()
    env = {"REFERRAL_BOT_WEB_PORT": str(port), "REFERRAL_BOT_WEB_HOST": "127.0.0.1"}
    bot = BotProcess(api, tmp_path, env=env).start()
    try:
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=False) as client:
            for _ in range(50):
                try:
                    client.get("/healthz")
                    break
                except httpx2.TransportError:
                    time.sleep(0.1)
            web = WebUser(client)
            web.choose_role("public")
            page = web.start("report_concern")
            page = web.answer(page, "yes")
            assert page.outcome == "call_999"
            client.get("/", headers={"user-agent": "UA-MARKER-7", "referer": "https://ref.example/MARKER"})
        user = api.user(7_300_001, first_name="Tester")
        user.send("/start")
        assert "Who are you?" in user.last().text
        health = subprocess.run([*cli_command(), "health"], env={**bot.env, **env}, capture_output=True, text=True,
                                timeout=60, check=False)
        assert health.returncode == 0, health.stderr
        assert "web channel answers" in health.stdout
    finally:
        code = bot.stop()
    assert code == 0, bot.logs()[-3000:]
    logs = bot.logs()
    assert "Traceback" not in logs
    assert "MARKER" not in logs
    assert "127.0.0.1:" not in logs.replace(f"127.0.0.1:{port}/", "")
    channels = {row[0] for row in sqlite3.connect(tmp_path / "stats.db").execute("select channel from events")}
    assert "web" in channels
    sessions = sqlite3.connect(tmp_path / "sessions.db").execute("select session from sessions").fetchall()
    assert any('"channel":"web"' in row[0] for row in sessions)
    assert any('"channel":"telegram"' in row[0] for row in sessions)


def test_a_web_port_in_use_is_reported_without_a_traceback(api: FakeBotApi, tmp_path: Path) -> None:
    import subprocess

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        bot = BotProcess(api, tmp_path, env={"REFERRAL_BOT_WEB_PORT": str(port), "REFERRAL_BOT_WEB_HOST": "127.0.0.1"})
        result = subprocess.run([*cli_command(), "run", "--poll-timeout", "1"], env=bot.env, capture_output=True,
                                text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "REFERRAL_BOT_WEB_PORT" in result.stderr


def test_in_webhook_mode_the_web_server_takes_telegram_s_webhook(api: FakeBotApi, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram-hook"
    env = {"REFERRAL_BOT_WEB_PORT": str(port), "REFERRAL_BOT_WEB_HOST": "127.0.0.1"}
    bot = BotProcess(api, tmp_path, env=env, args=("--webhook-url", url, "--secret-token", "s3cret-hook"))
    bot.start(ready="setWebhook")
    try:
        user = api.user(7_300_101, first_name="Tester")
        user.send("/start")
        assert "Who are you?" in user.last().text
        assert api.webhook_errors == []
        forged = httpx2.post(url, json={"update_id": 1, "message": {}}, timeout=10)
        assert forged.status_code == 403
        wrong = httpx2.post(url, content=b"[]", headers={"x-telegram-bot-api-secret-token": "s3cret-hook"}, timeout=10)
        assert wrong.status_code == 400
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=False) as client:
            assert WebUser(client).start("report_concern").state == "danger"
    finally:
        code = bot.stop()
    assert code == 0, bot.logs()[-3000:]
    assert "Traceback" not in bot.logs()
