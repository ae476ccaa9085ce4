"""Pytest fixtures for the fake Bot API.

Use them from a test module or a ``conftest.py``::

    from botapi.fixtures import bot_api  # noqa: F401  (the fixture)

    def test_start(bot_api):
        ...

``bot_api`` stops the server after the test. The Bot API specification is part of the
repository (``tests/botapi/api-spec/``): a missing one fails the test, it never skips it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .server import FakeBotApi
from .spec import DEFAULT_SPEC_PATH

__all__ = ["bot_api", "require_spec"]


def require_spec(path: Path = DEFAULT_SPEC_PATH) -> Path:
    """``path`` if the Bot API specification exists there; otherwise fail the test, saying how to fix it."""
    if not path.is_file():
        pytest.fail(f"the Bot API specification is missing: {path}. Fix: restore tests/botapi/api-spec/ "
                    "from git, or run scripts/refresh-botapi-spec.", pytrace=False)
    return path


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    """A started :class:`FakeBotApi`, stopped after the test."""
    server = FakeBotApi(spec_path=require_spec()).start()
    try:
        yield server
    finally:
        server.stop()
