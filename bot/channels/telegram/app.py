"""Build the python-telegram-bot Application and run it (long polling or webhook).

:func:`build_application` wires everything in one readable place; :func:`run` starts the
bot, retries a Telegram that is briefly unreachable, and stops cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.channels.telegram.chats import CHANNEL, Services
from bot.channels.telegram.config import Config, heartbeat_path
from bot.channels.telegram.handlers import EMERGENCY_TEXT, Handlers
from bot.channels.telegram.render import NAV_EMERGENCY
from bot.engine import Engine
from bot.engine.store import SessionStore
from bot.flows import FlowSet

__all__ = ["COMMANDS", "Webhook", "build_application", "make_services", "run"]

log = logging.getLogger(__name__)

# The command menu (setMyCommands). Descriptions are short operator texts, not guidance.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Choose who you are, then a guide"),
    ("menu", "The guides for you"),
    ("back", "Go back one step"),
    ("restart", "Start this guide again"),
    ("emergency", "Someone is in danger now"),
    ("help", "How to use this bot"),
    ("about", "Disclaimer, review dates and sources"),
    ("glossary", "What the words and abbreviations mean"),
    ("privacy", "What is stored, and for how long"),
    ("exit", "End the session and delete this chat's messages"),
    ("train", "Training mode on or off (trainers)"),
    ("diagram", "Diagram of the current guide"),
    ("stats", "Usage statistics (admins only)"),
)
POLL_TIMEOUT = 10.0
STARTUP_ATTEMPTS = 6
HEARTBEAT_EVERY = 30.0
STATS_INTERVAL = 1.0
STATS_BATCH = 5_000


@dataclass(frozen=True, slots=True)
class Webhook:
    """Webhook mode: Telegram POSTs updates to ``url``; the bot listens on ``listen:port``."""

    url: str
    listen: str = "0.0.0.0"  # noqa: S104 - a webhook must be reachable
    port: int = 8443
    secret_token: str | None = None

    @property
    def path(self) -> str:
        """The URL path the bot serves, taken from ``url``."""
        return urlsplit(self.url).path.lstrip("/")


def make_services(config: Config, flowset: FlowSet) -> Services:
    """The engine with a statistics recorder attached, and the session store.

    The recorder writes once a second (sooner if ``STATS_BATCH`` events wait): each write
    takes the interpreter lock from the event loop a few times, so few large batches keep
    the slowest replies fast. A crash loses at most that second of statistics, never a place.
    """
    recorder = None
    try:
        from bot.stats import Recorder
    except ImportError:
        log.warning("statistics are not installed; running without them")
    else:
        recorder = Recorder(config.stats_db, interval=STATS_INTERVAL, batch_size=STATS_BATCH)
    engine = Engine(flowset, listeners=[recorder] if recorder is not None else [])
    store = SessionStore(config.sessions_db, ttl=config.session_ttl)
    return Services(engine=engine, store=store, config=config, recorder=recorder)


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    """Register the command menu and expire sessions left from before the start."""
    try:
        await app.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    except TelegramError as exc:
        log.warning("could not register the command menu (%s); carrying on", exc.__class__.__name__)
    services: Services = app.bot_data["services"]
    services.sweep(force=True)


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    """Write the statistics queue and the sessions held in memory."""
    services: Services = app.bot_data["services"]
    close = getattr(services.recorder, "close", None)
    if callable(close):
        close()
    services.store.close()


def build_application(config: Config, services: Services, *, updater: bool = True,
                      request: BaseRequest | None = None) -> Application:  # type: ignore[type-arg]
    """The Application: HTTP timeouts, the rate limiter, every handler and the error handler.

    ``request`` replaces the HTTP layer (and its timeouts) for both bot calls and polling;
    the benchmarks pass an in-process fake Bot API here.
    """
    base = ApplicationBuilder().token(config.token)
    if request is not None:
        base = base.request(request).get_updates_request(request)
    else:
        base = (base.connect_timeout(10).read_timeout(20).write_timeout(20).pool_timeout(10)
                .get_updates_connect_timeout(10).get_updates_read_timeout(POLL_TIMEOUT + 10))
    builder = (
        base.rate_limiter(AIORateLimiter(overall_max_rate=config.max_rate, max_retries=3))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if config.base_url:
        builder = builder.base_url(config.base_url)
    if not updater:
        builder = builder.updater(None)
    app = builder.build()
    app.bot_data["services"] = services
    h = Handlers(services)
    private = filters.ChatType.PRIVATE

    # Emergency first, in every chat and every state (group -1 stops everything after it).
    app.add_handler(CommandHandler("emergency", h.emergency), group=-1)
    app.add_handler(CallbackQueryHandler(h.emergency, pattern=f"^{NAV_EMERGENCY}$"), group=-1)
    app.add_handler(MessageHandler(filters.TEXT & filters.Regex(EMERGENCY_TEXT), h.emergency), group=-1)

    # Button presses first: no other handler below takes a callback query, and PTB tries
    # handlers in order, so the commonest update is matched at the first try.
    app.add_handler(CallbackQueryHandler(h.callback))
    app.add_handler(MessageHandler(~private, h.refuse_group))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, h.non_text))
    for name, callback in (
        ("start", h.start), ("back", h.back), ("restart", h.restart), ("menu", h.menu),
        ("help", h.help), ("about", h.about), ("glossary", h.glossary), ("privacy", h.privacy), ("exit", h.exit),
        ("train", h.train), ("diagram", h.diagram), ("stats", h.stats),
    ):
        app.add_handler(CommandHandler(name, callback, filters=private))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, h.text))
    app.add_handler(MessageHandler(filters.COMMAND, h.unknown_command))
    app.add_handler(MessageHandler(filters.ALL, h.non_text))
    app.add_error_handler(h.error)
    return app


async def _initialize(app: Application) -> None:  # type: ignore[type-arg]
    """Initialise (getMe), retrying while Telegram is unreachable or busy."""
    delay = 1.0
    for attempt in range(1, STARTUP_ATTEMPTS + 1):
        try:
            await app.initialize()
            return
        except InvalidToken:
            raise
        except (NetworkError, RetryAfter) as exc:
            if attempt == STARTUP_ATTEMPTS:
                raise
            log.warning("cannot reach Telegram yet (%s); retrying in %.0f s", exc.__class__.__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


async def _heartbeat(path: Path, store: SessionStore) -> None:
    """Touch ``path`` while the event loop is alive, for the container's health check, and
    write the session bookkeeping staged since the last commit (a quiet bot commits rarely)."""
    while True:
        try:
            path.touch(mode=0o600)
            os.utime(path)
        except OSError as exc:
            log.warning("cannot write the heartbeat file (%s)", exc.__class__.__name__)
        store.flush()
        await asyncio.sleep(HEARTBEAT_EVERY)


def _polling_error(exc: TelegramError) -> None:
    log.warning("polling for updates failed (%s); retrying", exc.__class__.__name__)


async def _serve(app: Application, webhook: Webhook | None, poll_timeout: float) -> None:  # type: ignore[type-arg]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    services: Services = app.bot_data["services"]
    await _initialize(app)
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        if webhook is None:
            await app.updater.start_polling(timeout=timedelta(seconds=poll_timeout), bootstrap_retries=5,
                                            allowed_updates=Update.ALL_TYPES, error_callback=_polling_error)
            log.info("bot running (long polling); channel=%s", CHANNEL)
        else:
            secret = webhook.secret_token or secrets.token_urlsafe(32)
            await app.updater.start_webhook(listen=webhook.listen, port=webhook.port, url_path=webhook.path,
                                            webhook_url=webhook.url, secret_token=secret, bootstrap_retries=5,
                                            allowed_updates=Update.ALL_TYPES)
            log.info("bot running (webhook on %s:%d)", webhook.listen, webhook.port)
        beat = asyncio.create_task(_heartbeat(heartbeat_path(services.config.sessions_db), services.store))
        await stop.wait()
        beat.cancel()
        log.info("stopping")
    finally:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def run(app: Application, *, webhook: Webhook | None = None, poll_timeout: float = POLL_TIMEOUT) -> None:  # type: ignore[type-arg]
    """Run until SIGINT or SIGTERM.

    Raises:
        InvalidToken: Telegram refused the token.
        NetworkError: Telegram stayed unreachable at start.
    """
    asyncio.run(_serve(app, webhook, poll_timeout))
