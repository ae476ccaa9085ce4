"""Fixtures for the reliability tests: the fake Bot API, a snapshot of the flows, a fork server,
and no bot left running after a failed test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from botapi import FakeBotApi
from botapi.fixtures import require_spec

from bot.flows import FlowSet, load_flows
from tests.conftest import FLOWS
from tests.reliability.botproc import TOKEN, BotProcess, ForkServer

FULL = os.environ.get("RELIABILITY_FULL", "") not in ("", "0")
"""``RELIABILITY_FULL=1`` runs the long versions (the 60 s load test, genuine 20 s timeouts)."""


@pytest.fixture
def server() -> Iterator[FakeBotApi]:
    """A started fake Bot API that accepts :data:`TOKEN`; stopped after the test."""
    api = FakeBotApi(token=TOKEN, spec_path=require_spec()).start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture(autouse=True)
def no_bot_left_running() -> Iterator[None]:
    """After each test, SIGKILL any bot it left running (it failed before stopping it)."""
    yield
    BotProcess.kill_leftovers()


@pytest.fixture
def flows(tmp_path: Path) -> tuple[Path, FlowSet]:
    """A copy of the shipped flows (so every restart of a bot sees the same files) and its model."""
    folder = tmp_path / "flows"
    shutil.copytree(FLOWS, folder, ignore=shutil.ignore_patterns("stories", "diagrams", "*.md"))
    return folder, load_flows(folder)


@pytest.fixture(scope="session")
def forks() -> Iterator[ForkServer]:
    """A fork server for fast starts of the real bot (it only imports; each bot is a fresh fork)."""
    fork_server = ForkServer()
    try:
        yield fork_server
    finally:
        fork_server.close()
