"""Fixtures for the Telegram tests: the fake Bot API and the real bot as a subprocess.

``shared_bot`` is one ``referral-bot run`` for the whole session, used by tests that each
talk as their own users (distinct ids), so they never see each other's chats. Tests that
kill, restart or reconfigure the bot start their own with ``api`` and ``BotProcess``.
Every test checks that the fake Bot API saw no violation of the Bot API's rules.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from botapi import FakeBotApi, FakeUser
from botapi.fixtures import require_spec
from tgkit import ADMIN_ID, BotProcess, checked_api, started, stop_leftovers

_user_ids = itertools.count(7_100_001)


@pytest.fixture(scope="session")
def shared_api() -> Iterator[FakeBotApi]:
    """One fake Bot API for the shared bot."""
    server = FakeBotApi(spec_path=require_spec()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def shared_bot(shared_api: FakeBotApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    """``referral-bot run`` on the shipped flows, with one admin, for the whole session."""
    bot = BotProcess(shared_api, tmp_path_factory.mktemp("shared-bot"), admins=str(ADMIN_ID)).start()
    yield bot
    code = bot.stop()
    assert code == 0, f"the shared bot exited with {code}; its log:\n{bot.logs()[-3000:]}"


@pytest.fixture
def user(shared_api: FakeBotApi, shared_bot: BotProcess) -> FakeUser:
    """A new private-chat user of the shared bot."""
    return shared_api.user(next(_user_ids), first_name="Tester")


@pytest.fixture
def new_user(shared_api: FakeBotApi, shared_bot: BotProcess) -> Iterator[object]:
    """Make more users of the shared bot: ``new_user(first_name=..., username=...)``."""

    def make(**details: str) -> FakeUser:
        return shared_api.user(next(_user_ids), **details)  # type: ignore[arg-type]

    return make


@pytest.fixture(autouse=True)
def _no_bot_outlives_its_test() -> Iterator[None]:
    """Kill any bot a test started and left running (say, because it failed before stopping it)."""
    before = started()
    yield
    stop_leftovers(before)


@pytest.fixture(autouse=True)
def _shared_bot_stays_healthy(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test on the shared bot: no Bot API violation, no crash, no handler error."""
    if "shared_bot" not in request.fixturenames:
        yield
        return
    api: FakeBotApi = request.getfixturevalue("shared_api")
    bot: BotProcess = request.getfixturevalue("shared_bot")
    violations, log_size = len(api.violations), len(bot.logs())
    yield
    assert api.violations[violations:] == []
    assert bot.alive(), f"the shared bot died; its log:\n{bot.logs()[-3000:]}"
    if not getattr(request.module, "EXPECTS_HANDLER_ERRORS", False):
        new_log = bot.logs()[log_size:]
        assert "error handling update" not in new_log, new_log[-3000:]
        assert "Traceback" not in new_log, new_log[-3000:]


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    """A fake Bot API of the test's own (for bots that are killed or reconfigured)."""
    yield from checked_api()

