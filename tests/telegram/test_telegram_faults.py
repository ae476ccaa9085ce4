"""Telegram misbehaving: 429 and 5xx answers, lost connections, webhook mode, bad tokens."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from botapi import FakeBotApi, FakeUser
from botapi.fixtures import require_spec
from tgkit import SHIPPED, BotProcess, bot_command, keyboard, send, tap

from bot.channels.telegram.send import ATTEMPTS
from bot.engine import Engine

EXPECTS_HANDLER_ERRORS = True  # one test exhausts every retry on purpose


def ui(key: str) -> str:
    """An interface text as users see it."""
    return Engine(SHIPPED).ui(key)


def _start(user: FakeUser) -> None:
    send(user, "/start")
    assert ui("choose_role") in keyboard(user).text


@pytest.mark.parametrize(("method", "status", "times"), [
    ("sendMessage", 429, 1),
    ("sendMessage", 500, 2),
    ("sendMessage", 502, 1),
    ("editMessageText", 500, 1),
    ("answerCallbackQuery", 429, 1),
    ("getUpdates", 500, 2),
    ("getUpdates", 429, 1),
])
def test_429_and_5xx_are_retried(method: str, status: int, times: int, shared_api: FakeBotApi,
                                 user: FakeUser) -> None:
    """The user still gets every answer; nothing is lost or doubled."""
    _start(user)
    shared_api.fail(method, status=status, retry_after=1 if status == 429 else None, times=times)
    tap(user, ui("role_public"))
    menu = keyboard(user)
    assert ui("menu") in menu.text
    assert len([m for m in user.messages if ui("menu") in m.text]) == 1
    refused = [c for c in shared_api.calls if c.method == method and c.status == status]
    assert refused, f"the {status} fault on {method} was never hit"


def test_connection_reset_on_send_is_retried(shared_api: FakeBotApi, user: FakeUser) -> None:
    """A connection reset before Telegram read the request: sent again, answered once."""
    _start(user)
    shared_api.fail("sendMessage", mode="reset")
    tap(user, ui("role_officer"))
    assert ui("menu") in keyboard(user).text


def test_when_every_retry_fails_the_bot_carries_on(shared_api: FakeBotApi, shared_bot: BotProcess,
                                                    user: FakeUser) -> None:
    """Sends failing for good: a one-line, token-free error in the log; the next update works."""
    _start(user)
    before = len(shared_bot.logs())
    shared_api.fail("sendMessage", status=500, times=ATTEMPTS)
    user.send("/menu", wait=False)
    shared_api.wait_for_call("sendMessage", lambda c: c.status == 200 and c.chat_id == user.user_id
                             and c.params.get("text") == ui("error"), timeout=20)
    log = shared_bot.logs()[before:]
    assert "error handling update kind=command: NetworkError" in log
    assert "Traceback" not in log
    assert shared_api.token.split(":")[1] not in log
    send(user, "/start")
    assert ui("choose_role") in keyboard(user).text
    assert shared_bot.alive()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_webhook_mode(api: FakeBotApi, tmp_path: Path) -> None:
    """With --webhook-url the bot sets the webhook; updates POSTed to it are answered."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/referral-guide"
    bot = BotProcess(api, tmp_path, args=("--webhook-url", url, "--listen", "127.0.0.1",
                                          "--port", str(port))).start(ready="setWebhook")
    call = api.wait_for_call("setWebhook")
    assert call.params["url"] == url
    assert call.params.get("secret_token")
    user = api.user(8_400_001, first_name="Hooked")
    send(user, "/start")
    tap(user, ui("role_partner"))
    assert ui("menu") in keyboard(user).text
    # setWebhook comes just before the bot's server listens: an early delivery may be refused
    # (and is retried, as Telegram does); the bot itself never rejects a genuine delivery.
    assert all("Connection refused" in error for error in api.webhook_errors), api.webhook_errors
    forged = urllib.request.Request(url, json.dumps({"update_id": 1}).encode(),
                                    {"Content-Type": "application/json"}, method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=5)  # no secret token: refused
    refused.value.close()
    assert refused.value.code == 403
    assert bot.stop() == 0


def _run(env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    full.update({"REFERRAL_BOT_DB": str(tmp_path / "stats.db"), **env})
    return subprocess.run([*bot_command(), "run", *args], env=full, capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.mark.parametrize(("token", "says"), [
    (None, "TELEGRAM_BOT_TOKEN is not set"),
    ("", "TELEGRAM_BOT_TOKEN is not set"),
    ("not-a-token", "TELEGRAM_BOT_TOKEN is malformed"),
    ('"123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"', "TELEGRAM_BOT_TOKEN is malformed"),
    ("123456:secret part with spaces in it", "TELEGRAM_BOT_TOKEN is malformed"),
])
def test_missing_or_malformed_token(token: str | None, says: str, tmp_path: Path) -> None:
    """One clear line on stderr, exit 2, and never the token itself."""
    result = _run({} if token is None else {"TELEGRAM_BOT_TOKEN": token}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert says in lines[0]
    assert "Traceback" not in result.stderr
    if token:
        assert token.strip('"') not in result.stderr + result.stdout
        assert "secret part" not in result.stderr


def test_token_refused_by_telegram(tmp_path: Path) -> None:
    """A well-formed token Telegram does not know: a clear message, exit 2, token unseen."""
    wrong = "654321:WRONG-token-for-this-server-xyz"
    with FakeBotApi(spec_path=require_spec()) as api:
        result = _run({"TELEGRAM_BOT_TOKEN": wrong, "TELEGRAM_API_BASE_URL": api.base_url}, tmp_path)
        assert api.violations == ["getMe (no parameters): Unauthorized"]
    assert result.returncode == 2
    assert "Telegram refused TELEGRAM_BOT_TOKEN" in result.stderr
    assert "WRONG-token" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("env", "says"), [
    ({"REFERRAL_BOT_ADMINS": "12,bob"}, "REFERRAL_BOT_ADMINS must be Telegram user ids"),
    ({"REFERRAL_BOT_SESSION_TTL_HOURS": "-3"}, "REFERRAL_BOT_SESSION_TTL_HOURS must be"),
    ({"TELEGRAM_API_BASE_URL": "localhost:8081"}, "TELEGRAM_API_BASE_URL must start with http"),
    ({"REFERRAL_BOT_MAX_RATE": "fast"}, "REFERRAL_BOT_MAX_RATE must be"),
    ({"TELEGRAM_WEBHOOK_SECRET": "not allowed!"}, "--secret-token (TELEGRAM_WEBHOOK_SECRET) must be"),
])
def test_bad_settings_are_explained(env: dict[str, str], says: str, tmp_path: Path) -> None:
    """Each bad setting: one line saying what is wrong and how to fix it; exit 2."""
    result = _run({"TELEGRAM_BOT_TOKEN": "123456:TEST-fake-token-not-real", **env}, tmp_path)
    assert result.returncode == 2
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_broken_flows_refuse_to_start(tmp_path: Path) -> None:
    """The flows are validated first, with the validator's file:line:column messages."""
    import shutil

    from tgkit import FLOWS

    flows = tmp_path / "flows"
    shutil.copytree(FLOWS, flows)
    victim = sorted(flows.glob("*.yaml"))[0]
    victim.write_text(victim.read_text(encoding="utf-8").replace("start:", "begin:", 1), encoding="utf-8")
    result = _run({"TELEGRAM_BOT_TOKEN": "123456:TEST-fake-token-not-real",
                   "REFERRAL_BOT_FLOWS": str(flows)}, tmp_path)
    assert result.returncode == 1
    assert f"{victim.name}:" in result.stderr
    assert "error:" in result.stderr
    assert "Refusing to start" in result.stderr


def test_start_up_waits_for_an_unreachable_telegram(api: FakeBotApi, tmp_path: Path) -> None:
    """getMe failing at start (a connection reset) is retried; the bot then serves as usual."""
    api.fail("getMe", mode="reset")
    bot = BotProcess(api, tmp_path).start()
    assert [c.status for c in api.calls if c.method == "getMe"][:2] == [0, 200]
    assert "cannot reach Telegram yet (NetworkError); retrying" in bot.logs()
    user = api.user(8_500_001, first_name="Patient")
    send(user, "/start")
    assert ui("choose_role") in keyboard(user).text
    assert bot.stop() == 0
