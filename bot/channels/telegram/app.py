"""Build the python-telegram-bot Application and run it with PTB's own lifecycle.

:func:`build_application` wires every handler from one list (:func:`handler_list`), the
``post_init``/``post_stop``/``post_shutdown`` hooks and the JobQueue jobs (heartbeat and
session expiry). :func:`run` retries a Telegram that is unreachable at start (PTB's
``initialize`` does not), then hands over to ``run_polling``/``run_webhook``, which stop
cleanly on SIGINT/SIGTERM. A caller that runs its own event loop (a web server beside the
bot) uses :func:`start_manually` and :func:`stop_manually`, which call the same hooks.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.channels.telegram.chats import CHANNEL, Services
from bot.channels.telegram.config import Config, heartbeat_path
from bot.channels.telegram.handlers import Handlers
from bot.channels.telegram.language import EMERGENCY_TEXT, register_commands
from bot.channels.telegram.render import NAV_EMERGENCY
from bot.channels.telegram.stored import ChatRecord
from bot.engine import Engine
from bot.engine.store import SessionStore
from bot.flows import Catalogue, FlowSet
from bot.stats import Recorder

__all__ = ["COMMANDS", "Webhook", "build_application", "handler_list", "make_services", "run", "start_manually",
           "stop_manually", "wait_for_telegram"]

log = logging.getLogger(__name__)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "command_start"),
    ("menu", "command_menu"),
    ("back", "command_back"),
    ("restart", "command_restart"),
    ("emergency", "command_emergency"),
    ("iaith", "command_language"),
    ("language", "command_language"),
    ("help", "command_help"),
    ("about", "command_about"),
    ("glossary", "command_glossary"),
    ("privacy", "command_privacy"),
    ("exit", "command_exit"),
    ("train", "command_train"),
    ("diagram", "command_diagram"),
    ("figures", "command_figures"),
    ("stats", "command_stats"),
)
"""The command menu (setMyCommands, in every language): each command and the ``flows/ui.yaml``
text that describes it."""
POLL_TIMEOUT = 10.0
STARTUP_ATTEMPTS = 6
HEARTBEAT_EVERY = 30.0
SWEEP_EVERY = 600.0
Context = ContextTypes.DEFAULT_TYPE
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


def make_services(config: Config, flows: FlowSet | Catalogue) -> Services:
    """The engine with the statistics recorder attached, and the session store.

    The recorder writes once a second (sooner if ``STATS_BATCH`` events wait): each write
    takes the interpreter lock from the event loop a few times, so few large batches keep
    the slowest replies fast. A crash loses at most that second of statistics, never a place.
    """
    recorder = Recorder(config.stats_db, interval=STATS_INTERVAL, batch_size=STATS_BATCH)
    engine = Engine.from_catalogue(flows, listeners=[recorder]) if isinstance(flows, Catalogue) \
        else Engine(flows, listeners=[recorder])
    store = SessionStore(config.sessions_db, ttl=config.session_ttl, records=(ChatRecord,))
    return Services(engine=engine, store=store, config=config, recorder=recorder)


def _services(app: Application) -> Services:  # type: ignore[type-arg]
    services: Services = app.bot_data["services"]
    return services


async def _heartbeat(context: Context) -> None:
    """The heartbeat job (see :func:`_beat`)."""
    _beat(_services(context.application))


def _beat(services: Services) -> None:
    """Touch the heartbeat file while the event loop is alive (the container's health check)
    and write the session bookkeeping staged since the last commit (a quiet bot commits rarely)."""
    path = heartbeat_path(services.config.sessions_db)
    try:
        path.touch(mode=0o600)
        os.utime(path)
    except OSError as exc:
        log.warning("cannot write the heartbeat file (%s)", exc.__class__.__name__)
    services.store.flush()


async def _sweep(context: Context) -> None:
    """Expire inactive sessions (recorded as abandoned)."""
    _services(context.application).sweep()


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    """Register the command menu in every language, expire sessions left from before the start,
    start the jobs."""
    services = _services(app)
    await register_commands(app.bot, services.engine, COMMANDS)
    services.sweep()
    _beat(services)  # the first beat now: a job due at once may be skipped while the queue starts
    if app.job_queue is not None:
        app.job_queue.run_repeating(_heartbeat, interval=HEARTBEAT_EVERY, first=HEARTBEAT_EVERY, name="heartbeat")
        app.job_queue.run_repeating(_sweep, interval=SWEEP_EVERY, first=SWEEP_EVERY, name="sweep")


async def _post_stop(app: Application) -> None:  # type: ignore[type-arg]
    """Updates have stopped: write the session bookkeeping held in memory."""
    log.info("stopping")
    _services(app).store.flush()


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    """Write the statistics queue and the sessions held in memory, and close both databases."""
    services = _services(app)
    services.recorder.close()
    services.store.close()


def handler_list(h: Handlers) -> list[tuple[BaseHandler[Update, Context, None], int]]:
    """Every handler, in the order PTB tries them, with its group.

    Emergency first, in every chat and every state, English or Welsh (group -1 stops
    everything after it).
    Then button presses: no other handler takes a callback query, and PTB tries handlers in
    order, so the commonest update is matched at the first try.
    """
    private = filters.ChatType.PRIVATE
    commands = [("start", h.start), ("back", h.back), ("restart", h.restart), ("menu", h.menu),
                ("help", h.help), ("about", h.about), ("glossary", h.glossary),
                ("privacy", h.privacy), ("exit", h.exit), ("iaith", h.language), ("language", h.language),
                ("train", h.train), ("diagram", h.diagram), ("figures", h.figures), ("stats", h.stats)]
    return [
        (CommandHandler(["emergency", "argyfwng"], h.emergency), -1),
        (CallbackQueryHandler(h.emergency, pattern=f"^{NAV_EMERGENCY}$"), -1),
        (MessageHandler(filters.TEXT & filters.Regex(EMERGENCY_TEXT), h.emergency), -1),
        (CallbackQueryHandler(h.callback), 0),
        (MessageHandler(~private, h.refuse_group), 0),
        (MessageHandler(filters.UpdateType.EDITED, h.non_text), 0),
        *((CommandHandler(name, callback, filters=private), 0) for name, callback in commands),
        (MessageHandler(filters.TEXT & ~filters.COMMAND, h.text), 0),
        (MessageHandler(filters.COMMAND, h.unknown_command), 0),
        (MessageHandler(filters.ALL, h.non_text), 0),
    ]


def build_application(config: Config, services: Services, *, updater: bool = True,
                      request: BaseRequest | None = None) -> Application:  # type: ignore[type-arg]
    """The Application: HTTP timeouts, the rate limiter, the lifecycle hooks, every handler.

    ``request`` replaces the HTTP layer (and its timeouts) for both bot calls and polling;
    the benchmarks pass an in-process fake Bot API here. ``updater=False`` builds it without
    an Updater, for a caller that feeds updates itself (a webhook served by its own server).
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
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if config.base_url:
        builder = builder.base_url(config.base_url)
    if not updater:
        builder = builder.updater(None)
    app = builder.build()
    app.bot_data["services"] = services
    h = Handlers(services)
    for handler, group in handler_list(h):
        app.add_handler(handler, group=group)
    app.add_error_handler(h.error)
    return app


async def wait_for_telegram(app: Application) -> None:  # type: ignore[type-arg]
    """Initialise the bot (getMe), retrying while Telegram is unreachable or busy.

    PTB's ``initialize`` tries once; ``run_polling`` then finds the bot initialised.

    Raises:
        InvalidToken: Telegram refused the token.
        NetworkError: Telegram stayed unreachable.
    """
    delay = 1.0
    for attempt in range(1, STARTUP_ATTEMPTS + 1):
        try:
            await app.bot.initialize()
            return
        except InvalidToken:
            raise
        except (NetworkError, RetryAfter) as exc:
            if attempt == STARTUP_ATTEMPTS:
                raise
            log.warning("cannot reach Telegram yet (%s); retrying in %.0f s", exc.__class__.__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


def _polling_error(exc: TelegramError) -> None:
    log.warning("polling for updates failed (%s); retrying", exc.__class__.__name__)


async def start_manually(app: Application, *, poll: bool = True,  # type: ignore[type-arg]
                         poll_timeout: float = POLL_TIMEOUT) -> None:
    """Start the bot inside an event loop someone else runs (a web server beside it): the
    same start-up as :func:`run` (retrying getMe, ``post_init``, the jobs), then polling if
    ``poll``. Stop it with :func:`stop_manually`."""
    await wait_for_telegram(app)
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    if poll and app.updater is not None:
        await app.updater.start_polling(timeout=timedelta(seconds=poll_timeout), bootstrap_retries=5,
                                        allowed_updates=Update.ALL_TYPES, error_callback=_polling_error)


async def stop_manually(app: Application) -> None:  # type: ignore[type-arg]
    """Stop what :func:`start_manually` started, with the same hooks as :func:`run`."""
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
    """Run until SIGINT or SIGTERM with PTB's ``run_polling`` or ``run_webhook``.

    Raises:
        InvalidToken: Telegram refused the token.
        NetworkError: Telegram stayed unreachable at start.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(wait_for_telegram(app))
    signals = (signal.SIGINT, signal.SIGTERM)
    if webhook is None:
        log.info("bot running (long polling); channel=%s", CHANNEL)
        app.run_polling(timeout=timedelta(seconds=poll_timeout), bootstrap_retries=5, allowed_updates=Update.ALL_TYPES,
                        stop_signals=signals)
        return
    log.info("bot running (webhook on %s:%d)", webhook.listen, webhook.port)
    app.run_webhook(listen=webhook.listen, port=webhook.port, url_path=webhook.path, webhook_url=webhook.url,
                    secret_token=webhook.secret_token or secrets.token_urlsafe(32), bootstrap_retries=5,
                    allowed_updates=Update.ALL_TYPES, stop_signals=signals)
