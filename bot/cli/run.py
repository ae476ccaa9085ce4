"""``referral-bot run``: the Telegram bot, by long polling or on a webhook."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

import click

from bot.cli.common import flows_option, load_or_exit

__all__ = ["run"]

log = logging.getLogger("bot.cli.run")


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


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
    checked first, exactly as 'referral-bot validate' does. Stop with Ctrl-C or SIGTERM.

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

    flowset = load_or_exit(flows_dir, limits=(LIMITS,))

    from telegram.error import InvalidToken, NetworkError

    from bot.channels.telegram.app import Webhook, build_application, make_services
    from bot.channels.telegram.app import run as run_bot
    from bot.channels.telegram.logs import setup_logging
    from bot.engine.store import StoreError

    setup_logging(config.token)
    try:
        services = make_services(config, flowset)
    except StoreError as exc:
        _fail(str(exc))
        return
    app = build_application(config, services)
    webhook = Webhook(webhook_url, listen, port, secret_token) if webhook_url else None
    try:
        run_bot(app, webhook=webhook, poll_timeout=poll_timeout)
    except InvalidToken:
        _fail("Telegram refused TELEGRAM_BOT_TOKEN (unauthorised). Check the token with @BotFather; "
              "if it was revoked, set the new one.")
    except NetworkError as exc:
        _fail(f"cannot reach the Telegram Bot API ({exc.__class__.__name__}). Check the network, or "
              "TELEGRAM_API_BASE_URL if you use your own Bot API server.", code=1)
