"""Privacy: nothing a person typed or is identified by ever reaches the statistics database.

Every table and column is scanned, and the raw bytes of the database and its write-ahead
log, and the captured logs. (The Telegram version, with user ids, usernames and names,
is in test_stats_privacy_telegram.py.)
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from pathlib import Path

import pytest
from test_stats_fixtures import all_cells, cli_command, load_demo, make_flows_dir

from bot.engine import Engine
from bot.stats import Recorder

ROOT = Path(__file__).resolve().parents[1]

TYPED = [
    "My name is Jane Quixote-Marlow",
    "call me on 07700 900461",
    "jane.quixote@example.org",
    "@quixote_marlow_77",
    "she lives at 14 Wisteria Lane, Bristol BS1 4QZ",
    "my user id is 918273645",
]
FRAGMENTS = ["Quixote", "Marlow", "07700", "900461", "example.org", "quixote_marlow", "Wisteria",
             "BS1 4QZ", "918273645", "Bristol"]
EXACT_TIME = re.compile(r"\d{1,2}:\d{2}:\d{2}|T\d{2}:(?!00Z)\d{2}|\b1\d{9}(?:\.\d+)?\b")


def assert_clean(db: Path, logs: str) -> None:
    cells = all_cells(db)
    assert cells, "the conversations recorded nothing"
    blob = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    for fragment in FRAGMENTS:
        assert not any(fragment.casefold() in cell.casefold() for cell in cells), fragment
        assert fragment.encode() not in blob, fragment
        assert fragment.casefold() not in logs.casefold(), fragment
    for cell in cells:
        assert not EXACT_TIME.search(cell), f"an exact time or a long number is stored: {cell!r}"


def test_typed_text_never_reaches_the_database_or_logs(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    engine_flows = load_demo(tmp_path / "flows")
    db = tmp_path / "stats.db"
    recorder = Recorder(db)
    engine = Engine(engine_flows, listeners=[recorder])
    for role in ("public", "officer", None):
        session = engine.new_session(channel="telegram", role=role)
        engine.start(session, "stats_demo")
        for line in [TYPED[0], "no", TYPED[1], TYPED[2], "no", TYPED[3], "emergency", "back",
                     TYPED[4], TYPED[5], "1"]:
            engine.handle_text(session, line)
        engine.abandon(session)
    assert recorder.flush()  # read the WAL before it is checkpointed away
    assert_clean(db, caplog.text)
    recorder.close()
    assert_clean(db, caplog.text)


def test_terminal_chat_typed_text_is_not_recorded(tmp_path: Path) -> None:
    flows = make_flows_dir(tmp_path / "flows")
    db = tmp_path / "stats.db"
    env = {**os.environ, "REFERRAL_BOT_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    script = "\n".join([TYPED[0], "1", TYPED[1], "no", TYPED[2], TYPED[3], "no", TYPED[4],
                        TYPED[5], "yes", "menu", TYPED[0]]) + "\n"
    result = subprocess.run([*cli_command(), "chat", "--flows", str(flows)], input=script,
                            capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Use Crimestoppers." in result.stdout
    assert_clean(db, result.stderr)
