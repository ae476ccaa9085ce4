"""Pytest fixtures for the fake Bot API.

Use them from a test module or a ``conftest.py``::

    from botapi.fixtures import bot_api  # noqa: F401  (the fixture)

    def test_start(bot_api):
        ...

``bot_api`` skips the test, with the reason, when the Bot API specification is missing, and
stops the server after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .server import FakeBotApi
from .spec import DEFAULT_SPEC_PATH

__all__ = ["bot_api", "require_spec"]


def require_spec(path: Path = DEFAULT_SPEC_PATH) -> Path:
    """``path`` if the Bot API specification exists there; otherwise skip the test."""
    if not path.is_file():
        pytest.skip(f"the Bot API specification is missing: {path} (it is kept in the shared "
                    "folder beside the project, from PaulSonOfLars/telegram-bot-api-spec)")
    return path


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    """A started :class:`FakeBotApi`, stopped after the test."""
    server = FakeBotApi(spec_path=require_spec()).start()
    try:
        yield server
    finally:
        server.stop()
