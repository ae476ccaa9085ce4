"""The Telegram channel: python-telegram-bot handlers that render engine turns.

It holds no guidance: every step comes from the engine, every sentence from the flows or
``flows/ui.yaml``. Sessions live in :class:`bot.engine.store.SessionStore` (docs/sessions.md).
"""

from bot.channels.telegram.app import COMMANDS, Webhook, build_application, make_services, run
from bot.channels.telegram.config import Config, ConfigError, load_config

__all__ = [
    "COMMANDS",
    "Config",
    "ConfigError",
    "Webhook",
    "build_application",
    "load_config",
    "make_services",
    "run",
]
