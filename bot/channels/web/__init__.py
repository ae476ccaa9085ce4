"""The web channel: the same guidance in any browser, accessible and private.

Build one with :func:`bot.channels.web.server.build_web`, serve it with
``referral-bot web`` (or beside the Telegram bot with ``REFERRAL_BOT_WEB_PORT``).
"""

from bot.channels.web.app import COOKIE, WebChannel, create_app
from bot.channels.web.sessions import CHANNEL, WebSessions

__all__ = ["CHANNEL", "COOKIE", "WebChannel", "WebSessions", "create_app"]
