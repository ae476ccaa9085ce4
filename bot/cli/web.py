"""``referral-bot web``: the web channel on its own (no Telegram token needed)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from bot.cli.common import catalogue_or_exit, flows_option

__all__ = ["web"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface, such as in a container).")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port to listen on.")
@flows_option
def web(host: str, port: int, flows_dir: Path | None) -> None:
    """Serve the web channel: every guide in a browser, at http://HOST:PORT/.

    Sessions and statistics are shared with the Telegram bot (REFERRAL_BOT_SESSIONS_DB,
    REFERRAL_BOT_DB, REFERRAL_BOT_SESSION_TTL_HOURS). REFERRAL_BOT_WEB_EXIT_URL sets where
    "Exit this page" leaves for; REFERRAL_BOT_WEB_SECURE_COOKIE=1 marks the cookie Secure
    behind an HTTPS proxy that does not send X-Forwarded-Proto. Stop with Ctrl-C or SIGTERM.

    Example:

    \b
        referral-bot web --port 8080      # then open http://127.0.0.1:8080/
    """
    from bot.channels.web.limits import LIMITS
    from bot.channels.web.server import serve_web
    from bot.engine import Engine
    from bot.engine.store import StoreError, ttl_from_env
    from bot.paths import sessions_db_path, stats_db_path
    from bot.stats import Recorder

    catalogue = catalogue_or_exit(flows_dir, limits=(LIMITS,))
    try:
        ttl = ttl_from_env()
    except ValueError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    recorder = Recorder(stats_db_path(), interval=1.0, batch_size=5_000)
    engine = Engine.from_catalogue(catalogue, listeners=[recorder])
    click.echo(f"Referral Guide web channel: open http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    try:
        serve_web(engine, sessions_db_path(), ttl, host, port)
    except StoreError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except (OSError, ValueError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    finally:
        recorder.close()
