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
    otherwise 1 with one line saying why. Then it lists where the bot's files are (flows,
    figures, databases, heartbeat). Needs no token and contacts nobody.

    Example:

    \b
        referral-bot health --max-age 90
    """
    from bot.paths import locations

    where = locations()
    path = where.heartbeat
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        age = None
    healthy = age is not None and age <= max_age
    if age is None:
        status = f"unhealthy: no heartbeat at {path}; is 'referral-bot run' running here?"
    elif not healthy:
        status = f"unhealthy: the last heartbeat is {age:.0f} s old (limit {max_age:.0f} s)."
    else:
        status = f"healthy: heartbeat {age:.0f} s old."
    click.echo(status, err=not healthy)
    click.echo("\n".join(where.lines()), err=not healthy)
    if not healthy:
        sys.exit(1)
