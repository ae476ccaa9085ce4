"""The Telegram bot's settings, read from the environment with clear, token-free errors."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.engine.store import DEFAULT_TTL, ttl_from_env
from bot.paths import SESSIONS_DB_ENV, STATS_DB_ENV, heartbeat_path, sessions_db_path, stats_db_path

__all__ = [
    "ADMINS_ENV",
    "BASE_URL_ENV",
    "RATE_ENV",
    "SESSIONS_DB_ENV",
    "STATS_DB_ENV",
    "TOKEN_ENV",
    "Config",
    "ConfigError",
    "heartbeat_path",
    "load_config",
    "sessions_db_path",
]

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"  # noqa: S105 - the variable's name, not a secret
BASE_URL_ENV = "TELEGRAM_API_BASE_URL"
ADMINS_ENV = "REFERRAL_BOT_ADMINS"
RATE_ENV = "REFERRAL_BOT_MAX_RATE"

# What @BotFather hands out: the bot's numeric id, a colon, then the secret part.
_TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{20,100}")


class ConfigError(ValueError):
    """A setting is missing or wrong. The message never contains the token."""


@dataclass(frozen=True, slots=True)
class Config:
    """Everything ``referral-bot run`` needs, already checked."""

    token: str = field(repr=False)
    base_url: str | None = None
    stats_db: Path = field(default_factory=stats_db_path)
    sessions_db: Path = field(default_factory=sessions_db_path)
    admins: frozenset[int] = frozenset()
    session_ttl: timedelta = DEFAULT_TTL
    max_rate: float = 30.0

    def is_admin(self, user_id: int | None) -> bool:
        """True only for user ids listed in ``REFERRAL_BOT_ADMINS``."""
        return user_id is not None and user_id in self.admins


def _token(environ: Mapping[str, str]) -> str:
    raw = environ.get(TOKEN_ENV)
    if raw is None or not raw.strip():
        raise ConfigError(f"{TOKEN_ENV} is not set. Get a token from @BotFather and run "
                          f"'export {TOKEN_ENV}=<token>' (see .env.example).")
    token = raw.strip()
    if not _TOKEN.fullmatch(token):
        raise ConfigError(f"{TOKEN_ENV} is malformed: a token is the bot's number, a colon and "
                          "a secret of letters, digits, '-' and '_' (as @BotFather gives it). "
                          "Check for quotes, spaces or a truncated copy.")
    return token


def _admins(environ: Mapping[str, str]) -> frozenset[int]:
    raw = environ.get(ADMINS_ENV, "")
    admins: set[int] = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit() or not part.isascii():
            raise ConfigError(f"{ADMINS_ENV} must be Telegram user ids separated by commas, such "
                              f"as 12345,67890; '{part[:20]}' is not a number.")
        admins.add(int(part))
    return frozenset(admins)


def _base_url(environ: Mapping[str, str]) -> str | None:
    raw = environ.get(BASE_URL_ENV, "").strip()
    if not raw:
        return None
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"{BASE_URL_ENV} must start with http:// or https://, such as "
                          "http://localhost:8081/bot for a self-hosted Bot API server.")
    return raw


def _max_rate(environ: Mapping[str, str]) -> float:
    raw = environ.get(RATE_ENV, "").strip()
    if not raw:
        return 30.0
    try:
        rate = float(raw)
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 10_000:
        raise ConfigError(f"{RATE_ENV} must be the most messages per second to send, such as 30 "
                          "(0 turns the limiter off).")
    return rate


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Read and check the settings.

    Raises:
        ConfigError: one sentence saying what is wrong and how to fix it.
    """
    env = os.environ if environ is None else environ
    token = _token(env)
    stats_db = stats_db_path(env)
    sessions_db = sessions_db_path(env)
    try:
        ttl = ttl_from_env(env)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return Config(token=token, base_url=_base_url(env), stats_db=stats_db, sessions_db=sessions_db,
                  admins=_admins(env), session_ttl=ttl, max_rate=_max_rate(env))
