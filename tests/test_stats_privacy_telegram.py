"""Privacy through the real Telegram bot: ids, usernames, names and typed text never reach
the statistics database or the logs.

The real ``referral-bot run`` process talks over real HTTP to the fake Bot API server on
127.0.0.1 (``tests/botapi``). Users with known ids, usernames, first and last names type
known text; then every table and column of the statistics database, the raw database
files and everything the bot logged are scanned.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from botapi import FakeBotApi
from botapi.fixtures import bot_api  # noqa: F401  (fixture)
from test_stats_fixtures import all_cells, cli_command, make_flows_dir

from bot.stats import build_report

ROOT = Path(__file__).resolve().parents[1]

PEOPLE = [
    # (user id, first name, last name, username, role button)
    (7301946285, "Philippa", "Quenby-Farthing", "pqf_safeguard", "Member of the public"),
    (6182057394, "Oluwaseun", "Marchbanks", "constable_om77", "Police officer"),
    (5093168473, "Thaddeus", "Wrexleigh", "twrex_partner", "Partner agency staff"),
]
ADMIN = (4820571936, "Ingrid", "Hollowbrook", "ih_stats_admin")
TYPED = [
    "my neighbour Ruairi Culpepper-Vance is locked in",
    "text me on 07700 900731",
    "email philippa.qf@example.org",
    "he works at Sunnyvale Carwash, Zephyr Road",
]
SECRETS = ["Philippa", "Quenby", "Farthing", "pqf_safeguard", "Oluwaseun", "Marchbanks",
           "constable_om77", "Thaddeus", "Wrexleigh", "twrex_partner", "Ingrid", "Hollowbrook",
           "ih_stats_admin", "Ruairi", "Culpepper", "07700", "900731", "example.org", "Sunnyvale",
           "Zephyr"]


@pytest.fixture
def running_bot(bot_api: FakeBotApi, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:  # noqa: F811
    """``referral-bot run`` against the fake server, on the demo flow; stopped with SIGTERM."""
    db = tmp_path / "stats.db"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": bot_api.token, "TELEGRAM_API_BASE_URL": bot_api.base_url,
           "REFERRAL_BOT_DB": str(db), "REFERRAL_BOT_ADMINS": str(ADMIN[0]),
           "REFERRAL_BOT_MAX_RATE": "0", "PYTHONIOENCODING": "utf-8"}
    flows = make_flows_dir(tmp_path / "flows")
    log_path = tmp_path / "bot.log"
    with log_path.open("w", encoding="utf-8") as log_file:
        proc = subprocess.Popen([*cli_command(), "run", "--poll-timeout", "1", "--flows", str(flows)],
                                stdout=log_file, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
        try:
            bot_api.wait_for_call("getUpdates", timeout=30)
            yield proc, log_path
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def test_telegram_identities_and_typed_text_never_reach_statistics_or_logs(
        bot_api: FakeBotApi, running_bot: tuple[subprocess.Popen[str], Path], tmp_path: Path) -> None:  # noqa: F811
    proc, log_path = running_bot
    for user_id, first, last, username, role in PEOPLE:
        user = bot_api.user(user_id, first_name=first, last_name=last, username=username)
        user.send("/start")
        user.press(role)
        user.send(TYPED[0])
        user.press("Statistics demo")
        user.send(TYPED[1])
        user.press("No")
        user.send(TYPED[2])
        user.send("/emergency")
        user.press("Back to where I was")
        user.press("No")
        user.send(TYPED[3])
        user.press("Yes")
        assert "Use Crimestoppers." in user.last().text
    quitter = bot_api.user(ADMIN[0], first_name=ADMIN[1], last_name=ADMIN[2], username=ADMIN[3])
    quitter.send("/start")
    quitter.press("Trainer")
    quitter.press("Statistics demo")
    quitter.send(TYPED[0])
    quitter.send("/exit")  # left without an outcome
    quitter.send("/stats")
    summary = "\n".join(quitter.transcript())
    assert "stats_demo: 5 started, 5 completed (100%), 0 abandoned, 5 emergency" in summary, "rounded to 5s"

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    db = tmp_path / "stats.db"
    report = build_report(db, suppress=False)
    assert [(f["flow"], f["started"], f["completed"], f["abandoned"], f["emergency"])
            for f in report["flows"]] == [("stats_demo", 4, 3, 1, 3)]
    assert report["flows"][0]["outcomes"] == {"anonymous_outcome": 3}

    cells = all_cells(db)
    assert "telegram" in cells
    logs = log_path.read_text(encoding="utf-8")
    raw = b"".join(p.read_bytes() for p in db.parent.glob("stats.db*"))
    for person in [*PEOPLE, ADMIN]:
        ident = str(person[0])
        assert ident not in logs
        assert not any(ident in cell for cell in cells)
        assert ident.encode() not in raw
    for secret in SECRETS:
        assert not any(secret.casefold() in cell.casefold() for cell in cells), secret
        assert secret.encode() not in raw, secret
        assert secret.casefold() not in logs.casefold(), secret
    assert bot_api.token.split(":")[1] not in logs
    assert not bot_api.violations
