"""Security through the real bot process: admins, the token, callback data, file modes, logs.

* ``/stats`` answers only the user ids in ``REFERRAL_BOT_ADMINS``: other users, an admin
  writing in a group, and everyone when the list is empty are refused without a figure;
  a malformed list stops the bot at start with a clear message.
* The token (and its secret part) never appears in the bot's output, in its error messages
  (a malformed token, a token Telegram refuses, failing calls that are retried), or in
  anything the bot sent to Telegram.
* Callback data moves a user only when it is valid for their current step.
* The bot's own files (statistics and sessions databases with their WAL files, the session
  key, the heartbeat) are created 0600 in a 0700 folder, even under ``umask 000``.
* With users whose ids, names and usernames are known, typing known text in every kind of
  update (text, commands with arguments, edits, captions, groups, channels, forged buttons),
  neither the INFO log nor the database files hold any of it, and the log has no times.
"""

from __future__ import annotations

import re
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from botapi import FakeBotApi, FakeUser

from bot.channels.telegram.extras import ADMIN_ONLY
from bot.engine import Engine, Session
from bot.flows import FlowSet
from tests.conftest import ROOT, cli_command
from tests.reliability.botproc import TOKEN, BotProcess, ForkServer, live_keyboard, stored_session, wait_until
from tests.reliability.views import apply_action, place

ADMIN = 7_300_111_222
SECRET = TOKEN.partition(":")[2]


def texts_sent(server: FakeBotApi) -> list[str]:
    """Every string parameter of every call the bot made."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    for call in server.calls:
        walk(call.params)
    return found


def assert_no_token(*texts: str) -> None:
    for text in texts:
        assert TOKEN not in text
        assert SECRET not in text


# -- administrators ------------------------------------------------------------------------------


def stats_replies(user: FakeUser) -> list[str]:
    user.send("/stats")
    return [m.text for m in user.messages][-3:]


def test_stats_only_for_listed_admins(
        server: FakeBotApi, flows: tuple[Path, FlowSet], tmp_path: Path, forks: ForkServer) -> None:
    with BotProcess(server, tmp_path, forks=forks, flows=flows[0], admins=f" {ADMIN} , 42") as bot:
        admin = server.user(ADMIN, first_name="Admin")
        admin.send("/start")
        admin.press("Trainer")
        admin.press_data(f"f:{sorted(flows[1].flows)[0]}")
        outsider = server.user(ADMIN + 1, first_name="Outsider", username=f"admin{ADMIN}")
        lookalike = server.user(4200, first_name=str(ADMIN))
        group = server.user(ADMIN, chat_type="group", chat_id=-555_000, first_name="Admin")
        admin_answer = stats_replies(admin)
        assert engine_ui(flows[1], ADMIN_ONLY) not in admin_answer
        assert any(text.startswith("Flow statistics") for text in admin_answer)
        for user in (outsider, lookalike):
            assert stats_replies(user)[-1] == engine_ui(flows[1], ADMIN_ONLY)
            assert not any(m.photo for m in user.messages)
        group.send("/stats")
        assert engine_ui(flows[1], "group_refused") in group.last().text
        assert stored_session(bot, -555_000) is None
        assert bot.stop() == 0
    assert not server.violations


def engine_ui(flowset: FlowSet, key: str) -> str:
    return Engine(flowset).ui(key)


def test_with_no_admins_nobody_gets_stats(
        server: FakeBotApi, flows: tuple[Path, FlowSet], tmp_path: Path, forks: ForkServer) -> None:
    with BotProcess(server, tmp_path, forks=forks, flows=flows[0], admins="") as bot:
        for user_id in (ADMIN, 1, 0):
            user = server.user(user_id or 99, first_name="Anyone")
            assert stats_replies(user)[-1] == engine_ui(flows[1], ADMIN_ONLY)
        assert bot.stop() == 0


@pytest.mark.parametrize("admins", ["@someone", "12,١٢٣"])
def test_a_malformed_admin_list_stops_the_bot_with_a_clear_message(
        admins: str, server: FakeBotApi, tmp_path: Path) -> None:
    bot = BotProcess(server, tmp_path, admins=admins)
    result = subprocess.run([*cli_command(), *bot.argv], env=bot.env, cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "REFERRAL_BOT_ADMINS must be Telegram user ids separated by commas" in result.stderr
    assert "Traceback" not in result.stderr
    assert not server.calls, "the bot talked to Telegram with a bad configuration"


# -- the token -----------------------------------------------------------------------------------


def test_the_token_never_leaks(
        server: FakeBotApi, flows: tuple[Path, FlowSet], tmp_path: Path, forks: ForkServer) -> None:
    server.fail("getMe", mode="reset")  # the first contact fails and is retried
    with BotProcess(server, tmp_path, forks=forks, flows=flows[0], admins=str(ADMIN)) as bot:
        user = server.user(ADMIN, first_name="Tok")
        server.fail("sendMessage", status=500)
        server.fail("getUpdates", status=502)
        server.fail("editMessageText", mode="reset")

        def answered(action: Callable[[], object]) -> None:
            count = len(user.messages)
            action()
            wait_until(lambda: len(user.messages) > count, 20, what="an answer despite the faults")
            server.settle(user.chat_id, quiet=0.15, timeout=20)

        answered(lambda: user.send("/start", wait=False))
        answered(lambda: user.press("Trainer", wait=False))
        answered(lambda: user.send(TOKEN, wait=False))  # someone pastes the token into the chat
        answered(lambda: user.send(f"/start {TOKEN}", wait=False))
        answered(lambda: user.press_data(f"a:{SECRET[:40]}:x", wait=False))
        answered(lambda: user.send("/stats", wait=False))
        assert bot.stop() == 0
        log = bot.log()
    assert "retrying" in log  # the failures really happened, and were logged
    assert_no_token(log, *texts_sent(server))


@pytest.mark.parametrize("token", ["123456:short", "bot" + TOKEN, TOKEN[:-5] + " abcde"])
def test_a_malformed_token_is_refused_without_echoing_it(token: str, server: FakeBotApi, tmp_path: Path) -> None:
    bot = BotProcess(server, tmp_path, extra_env={"TELEGRAM_BOT_TOKEN": token})
    result = subprocess.run([*cli_command(), *bot.argv], env=bot.env, cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False)
    if result.returncode == 0:
        pytest.fail("a malformed token was accepted")
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    for part in (token.strip(), token.strip().partition(":")[2], SECRET):
        if len(part) >= 8:
            assert part not in result.stdout + result.stderr


def test_a_token_telegram_refuses_is_reported_without_it(server: FakeBotApi, tmp_path: Path) -> None:
    wrong = "555555555:AAWrongButWellFormedSecret_0123456789x"
    bot = BotProcess(server, tmp_path, extra_env={"TELEGRAM_BOT_TOKEN": wrong})
    result = subprocess.run([*cli_command(), *bot.argv], env=bot.env, cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "Telegram refused TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert wrong.partition(":")[2] not in result.stdout + result.stderr
    assert [c.status for c in server.calls] == [401]


# -- callback data -------------------------------------------------------------------------------


def test_callback_data_is_accepted_only_for_the_current_step(
        server: FakeBotApi, flows: tuple[Path, FlowSet], tmp_path: Path, forks: ForkServer) -> None:
    folder, flowset = flows
    engine = Engine(flowset)
    stale = engine.ui("stale")
    with BotProcess(server, tmp_path, forks=forks, flows=folder) as bot:
        user = server.user(7_300_200_300, first_name="Cb")
        user.send("/start")
        user.press("Trainer")
        user.press_data("f:report_concern")
        first = live_keyboard(user)
        assert first is not None
        at_first = stored_session(bot, user.chat_id)
        assert at_first is not None
        answer = next(d for d in first[1] if d.startswith("a:") and
                      engine.current(Session.from_dict(apply_action(engine, at_first, d))).kind != "outcome")
        user.press_data(answer)
        moved = stored_session(bot, user.chat_id)
        assert place(moved) == place(apply_action(engine, at_first, answer))
        forged = [answer,  # replayed from the step before
                  f"a:{moved['state']}:not_an_option",  # type: ignore[index]
                  "f:report_concern",  # a menu button while in a flow
                  "r:officer",  # a role button after the role was chosen
                  "a:" + "x" * 100]
        for data in forged:
            user.press_data(data, message_id=first[0])
            assert stale in user.last().text, data
            assert place(stored_session(bot, user.chat_id)) == place(moved), data
        current = live_keyboard(user)
        assert current is not None
        valid = next(d for d in current[1] if d.startswith("a:"))
        user.press_data(valid, message_id=first[0])  # valid for the current step, even from an old message
        assert place(stored_session(bot, user.chat_id)) == place(apply_action(engine, moved, valid))
        assert bot.stop() == 0


# -- files ---------------------------------------------------------------------------------------


def test_the_bot_creates_its_files_private_under_umask_000(
        server: FakeBotApi, flows: tuple[Path, FlowSet], tmp_path: Path) -> None:
    with BotProcess(server, tmp_path, flows=flows[0], umask=0) as bot:
        user = server.user(7_300_300_400, first_name="Files")
        user.send("/start")
        user.press("Member of the public")
        data = bot.stats_db.parent
        wanted = {"stats.db-wal", "sessions.db-wal", "sessions.heartbeat"}
        wait_until(lambda: wanted <= {p.name for p in data.iterdir()}, 10, what="the database files")
        modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in data.iterdir()}
        assert bot.stop() == 0
    assert modes == dict.fromkeys(("stats.db", "stats.db-wal", "stats.db-shm", "sessions.db", "sessions.db-wal",
                                   "sessions.db-shm", "sessions.key", "sessions.heartbeat"), "0o600")
    assert oct(stat.S_IMODE(data.stat().st_mode)) == "0o700"


# -- personal data -------------------------------------------------------------------------------

PEOPLE = [(7_391_046_285, "Philomena", "Strathairn", "phil_strath"),
          (6_182_957_394, "Bartholomew", "Quenington", "bq_partner_77")]
TYPED = ["Kazimierz Wolanski-Ferreira is kept at 14 Larchmont Yard",
         "call me on 07700 900 482",
         "my email is someone.private@example.net"]


def test_no_personal_data_in_logs_or_databases(
        server: FakeBotApi, flows: tuple[Path, FlowSet], tmp_path: Path, forks: ForkServer) -> None:
    with BotProcess(server, tmp_path, forks=forks, flows=flows[0], admins=str(PEOPLE[0][0])) as bot:
        for (user_id, first, last, username), role in zip(PEOPLE, ["Police officer", "Partner agency staff"],
                                                          strict=True):
            user = server.user(user_id, first_name=first, last_name=last, username=username)
            user.send("/start")
            user.press(role)
            message = user.send(TYPED[0])
            user.edit(message, TYPED[1])
            user.send(f"/start {TYPED[2]}")
            user.send(f"/nonsense {TYPED[0]}")
            user.send_photo(caption=TYPED[1])
            user.press_data(TYPED[0][:60])
            user.send("/stats")
            group = server.user(user_id, chat_type="supergroup", first_name=first, username=username)
            group.send(TYPED[2])
        server.channel_post(TYPED[0])
        assert bot.stop() == 0
        log = bot.log()
        files = b"".join(p.read_bytes() for p in bot.stats_db.parent.iterdir())
    secrets = [str(p[0]) for p in PEOPLE] + [p[i] for p in PEOPLE for i in (1, 2, 3)] + \
        ["Kazimierz", "Wolanski", "Larchmont", "07700", "900 482", "someone.private", "example.net"]
    for secret in secrets:
        assert secret not in log, secret
        assert secret.encode() not in files, secret
    assert "INFO" in log
    assert "DEBUG" not in log
    assert not re.search(r"\b\d\d:\d\d:\d\d\b", log), "the log holds exact times"
    assert "Traceback" not in log
