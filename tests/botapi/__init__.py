"""A local stand-in for the Telegram Bot API, for end-to-end tests of the real bot.

Start a :class:`FakeBotApi`, point python-telegram-bot at :attr:`FakeBotApi.base_url` with
:attr:`FakeBotApi.token`, and act as users with :meth:`FakeBotApi.user`. The server checks every
call against the Bot API specification (``api-spec/api.json`` here, vendored) and
Telegram's limits, keeps chats and messages like Telegram does, delivers updates by long polling
or webhook, and injects faults (429, 5xx, timeouts, connection resets). See ``README.md`` here.

Test modules import it as ``from botapi import FakeBotApi`` (``tests/`` is on ``sys.path``
under pytest), and get a running server from the fixture in :mod:`botapi.fixtures`.
"""

from .client import FakeUser
from .models import BotMessage, Button, Call
from .server import DEFAULT_TOKEN, FakeBotApi
from .spec import DEFAULT_SPEC_PATH, Upload, load_spec

__all__ = [
    "DEFAULT_SPEC_PATH",
    "DEFAULT_TOKEN",
    "BotMessage",
    "Button",
    "Call",
    "FakeBotApi",
    "FakeUser",
    "Upload",
    "load_spec",
]
