"""``referral-bot run``: the Telegram bot, by long polling or on a webhook."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any

import click

from bot.cli.common import catalogue_or_exit, flows_option

__all__ = ["run"]

log = logging.getLogger("bot.cli.run")


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _web_server(services: Any, routes: Any = ()) -> Any:
    """The web channel on the bot's engine and session store, when REFERRAL_BOT_WEB_PORT is set."""
    import os

    from bot.channels.web.server import HOST_ENV, WebServer, build_web, web_port

    try:
        port = web_port()
        if port is None:
            return None
        channel, web_app = build_web(services.engine, services.store, extra=routes)
    except ValueError as exc:
        _fail(str(exc))
        return None
    host = os.environ.get(HOST_ENV, "").strip() or "0.0.0.0"  # noqa: S104 - served beside a public bot
    return WebServer(web_app, channel, host, port)


def _run_beside_web(config: Any, services: Any, webhook: Any, poll_timeout: float) -> bool:
    """Serve the bot and the web channel in one event loop (python-telegram-bot's custom-webhook
    pattern). In webhook mode the web server also takes Telegram's webhook, at the URL's path.
    Returns False when REFERRAL_BOT_WEB_PORT is not set (nothing was run)."""
    import asyncio
    import secrets

    from telegram import Update

    from bot.channels.telegram.app import build_application, start_manually, stop_manually
    from bot.channels.web.server import web_port, webhook_route

    try:
        if web_port() is None:
            return False
    except ValueError as exc:
        _fail(str(exc))
    app = build_application(config, services, updater=webhook is None)
    routes = []
    secret = ""
    if webhook is not None:
        secret = webhook.secret_token or secrets.token_urlsafe(32)

        async def deliver(data: dict[str, Any]) -> None:
            await app.update_queue.put(Update.de_json(data, app.bot))

        routes.append(webhook_route(webhook.path, secret, deliver))
    server = _web_server(services, routes)

    async def start() -> None:
        await start_manually(app, poll=webhook is None, poll_timeout=poll_timeout)
        if webhook is not None:
            await app.bot.set_webhook(webhook.url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
        log.info("bot running (%s) beside the web channel on port %d",
                 "webhook on the web server" if webhook is not None else "long polling", server.port)

    from bot.channels.web.server import serve_beside

    asyncio.run(serve_beside(server, start, lambda: stop_manually(app)))
    return True


@click.command()
@click.option("--webhook-url", metavar="URL", default=None,
              help="Run a webhook at this public https URL instead of long polling.")
@click.option("--listen", default="0.0.0.0", show_default=True,  # noqa: S104
              help="Address the webhook server listens on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8443, show_default=True,
              help="Port the webhook server listens on.")
@click.option("--secret-token", envvar="TELEGRAM_WEBHOOK_SECRET", default=None,
              help="Secret Telegram sends with each webhook call (default: TELEGRAM_WEBHOOK_SECRET, "
                   "else a random one per start).")
@click.option("--poll-timeout", type=click.FloatRange(0, 50), default=10.0, show_default=True,
              help="Seconds each long poll waits for updates.")
@flows_option
def run(webhook_url: str | None, listen: str, port: int, secret_token: str | None,
        poll_timeout: float, flows_dir: Path | None) -> None:
    """Run the Telegram bot: long polling by default, or a webhook with --webhook-url.

    Settings come from the environment: TELEGRAM_BOT_TOKEN (required), TELEGRAM_API_BASE_URL
    (a self-hosted Bot API server), REFERRAL_BOT_DB (statistics), REFERRAL_BOT_SESSIONS_DB
    (sessions; default beside the statistics), REFERRAL_BOT_SESSION_TTL_HOURS (default 24),
    REFERRAL_BOT_ADMINS (user ids allowed /stats) and REFERRAL_BOT_FLOWS. The flows are
    checked first, exactly as 'referral-bot validate' does. With REFERRAL_BOT_WEB_PORT set, the
    web channel is served too, from the same process and event loop (REFERRAL_BOT_WEB_HOST,
    default 0.0.0.0); with --webhook-url as well, the web server also takes Telegram's webhook
    at the URL's path (--listen and --port are then not used).
    Stop with Ctrl-C or SIGTERM.

    Example:

    \b
        export TELEGRAM_BOT_TOKEN=123456789:AA...   # from @BotFather
        referral-bot run
        referral-bot run --webhook-url https://bot.example.org/tg --port 8443
    """
    from bot.channels.telegram.config import ConfigError, load_config

    try:
        config = load_config()
    except ConfigError as exc:
        _fail(str(exc))
        return
    if webhook_url is not None and not webhook_url.startswith(("https://", "http://")):
        _fail("--webhook-url must be a full URL such as https://bot.example.org/tg.")
    if secret_token is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret_token):
        _fail("--secret-token (TELEGRAM_WEBHOOK_SECRET) must be 1-256 letters, digits, '_' or '-'.")
    from bot.channels.telegram.limits import LIMITS

    catalogue = catalogue_or_exit(flows_dir, limits=(LIMITS,))

    from telegram.error import InvalidToken, NetworkError

    from bot.channels.telegram.app import Webhook, build_application, make_services
    from bot.channels.telegram.app import run as run_bot
    from bot.channels.telegram.logs import setup_logging
    from bot.engine.store import StoreError

    setup_logging(config.token)
    try:
        services = make_services(config, catalogue)
    except StoreError as exc:
        _fail(str(exc))
        return
    webhook = Webhook(webhook_url, listen, port, secret_token) if webhook_url else None
    try:
        if not _run_beside_web(config, services, webhook, poll_timeout):
            run_bot(build_application(config, services), webhook=webhook, poll_timeout=poll_timeout)
    except InvalidToken:
        _fail("Telegram refused TELEGRAM_BOT_TOKEN (unauthorised). Check the token with @BotFather; "
              "if it was revoked, set the new one.")
    except OSError as exc:
        _fail(f"{exc}. Choose another REFERRAL_BOT_WEB_PORT, or stop what uses it.", code=1)
    except NetworkError as exc:
        _fail(f"cannot reach the Telegram Bot API ({exc.__class__.__name__}). Check the network, or "
              "TELEGRAM_API_BASE_URL if you use your own Bot API server.", code=1)
