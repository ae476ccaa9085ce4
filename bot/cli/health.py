"""``referral-bot health``: is the bot running? For Docker's HEALTHCHECK."""

from __future__ import annotations

import sys
import time

import click

__all__ = ["health"]


@click.command()
@click.option("--max-age", type=click.FloatRange(1), default=120.0, show_default=True,
              help="Seconds since the last heartbeat after which the bot counts as stuck.")
def health(max_age: float) -> None:
    """Check that a running bot is alive: its heartbeat file is fresh.

    'referral-bot run' touches a heartbeat file beside the session database (see
    REFERRAL_BOT_SESSIONS_DB) every 30 seconds. Exits 0 when it is fresher than --max-age,
    otherwise 1 with one line saying why. Needs no token and contacts nobody.

    Example:

    \b
        referral-bot health --max-age 90
    """
    from bot.channels.telegram.config import heartbeat_path, sessions_db_path

    path = heartbeat_path(sessions_db_path())
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        click.echo(f"unhealthy: no heartbeat at {path}; is 'referral-bot run' running here?", err=True)
        sys.exit(1)
    if age > max_age:
        click.echo(f"unhealthy: the last heartbeat is {age:.0f} s old (limit {max_age:.0f} s).", err=True)
        sys.exit(1)
    click.echo(f"healthy: heartbeat {age:.0f} s old.")
