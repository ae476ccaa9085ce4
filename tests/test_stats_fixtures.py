"""Shared helpers for the statistics tests (imported by the test_stats_* modules).

The statistics tests run on their own small flow, ``stats_demo``, beside the shipped
signpost directory and interface texts, so that changes to the shipped guidance do not
change the expected counts.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bot.engine import Engine, Session
from bot.flows import FlowSet, load_flows

ROOT = Path(__file__).resolve().parents[1]

CliRunner = Callable[..., subprocess.CompletedProcess[str]]
"""The type of the ``run_cli`` fixture from ``tests/conftest.py``."""

DEMO_FLOW = """\
# yaml-language-server: $schema=schema.json
id: stats_demo
title: Statistics demo
version: "1.0.0"
status: published
audience: [public, partner, officer, trainer]
owner: Statistics tests
reviewed_on: 2026-11-01
review_due: 2099-01-01
sources:
  - id: S1
    title: Test source
    url: https://example.org/source
start: danger
states:
  - id: danger
    kind: question
    text: Is anyone in danger right now?
    options:
      - {id: "yes", label: "Yes", next: call_now}
      - {id: "no", label: "No", next: child}
  - id: call_now
    kind: outcome
    text: Call the police now.
    signposts: [police_emergency]
  - id: child
    kind: question
    text: Is the person under 18?
    options:
      - {id: "yes", label: "Yes", next: child_outcome}
      - {id: "no", label: "No", next: anonymous}
  - id: child_outcome
    kind: outcome
    text: Tell the police and children's services.
    signposts: [police_non_emergency]
  - id: anonymous
    kind: question
    text: Do you want to stay anonymous?
    options:
      - {id: "yes", label: "Yes", next: anonymous_outcome}
      - {id: "no", label: "No", next: advice_outcome}
  - id: anonymous_outcome
    kind: outcome
    text: Use Crimestoppers.
    signposts: [crimestoppers]
  - id: advice_outcome
    kind: outcome
    text: Call the police non-emergency line.
    signposts: [police_non_emergency]
"""

# Conversations, as sequences of option ids from the start of stats_demo.
TO_CALL_NOW = ("yes",)  # 2 steps
TO_CHILD = ("no", "yes")  # 3 steps
TO_ANONYMOUS = ("no", "no", "yes")  # 4 steps
TO_ADVICE = ("no", "no", "no")  # 4 steps


def cli_command() -> list[str]:
    """The installed ``referral-bot`` console script, or ``python -m bot``.

    (The same as ``tests/conftest.py``; importing ``conftest`` by name is ambiguous once
    sub-folders have their own.)
    """
    script = Path(sys.executable).with_name("referral-bot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def make_flows_dir(folder: Path) -> Path:
    """A flows folder with the demo flow and the shipped signposts and interface texts."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("signposts.yaml", "ui.yaml"):
        shutil.copy(ROOT / "flows" / name, folder / name)
    (folder / "stats_demo.yaml").write_text(DEMO_FLOW, encoding="utf-8")
    return folder


def load_demo(folder: Path) -> FlowSet:
    """Load the demo flows folder with the real loader."""
    return load_flows(make_flows_dir(folder))


def run(engine: Engine, answers: tuple[str, ...], *, channel: str = "terminal",
        role: str | None = "public", training: bool = False, finish: bool = True) -> Session:
    """One conversation through the real engine; ``finish`` abandons it at the end (as the
    channels do when a user leaves)."""
    session = engine.new_session(channel=channel, role=role, training=training)
    engine.start(session, "stats_demo")
    for answer in answers:
        engine.choose(session, answer)
    if finish:
        engine.abandon(session)
    return session


def all_cells(db_path: Path) -> list[str]:
    """Every value in every column of every table of the database, as text."""
    conn = sqlite3.connect(db_path)
    try:
        cells: list[str] = []
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                cells += [str(value) for value in row]
        return cells
    finally:
        conn.close()
