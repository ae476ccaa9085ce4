"""``referral-bot health``: is the bot running? For Docker's HEALTHCHECK."""

from __future__ import annotations

import sys
import time

import click

__all__ = ["health"]


def _web_healthy(port: int) -> str | None:
    """None when http://127.0.0.1:PORT/healthz answers ok, else why not."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            body = answer.read(16)
    except OSError as exc:
        return f"the web channel on port {port} does not answer ({exc.__class__.__name__})"
    return None if body == b"ok" else f"the web channel on port {port} answered {body!r}"


@click.command()
@click.option("--max-age", type=click.FloatRange(1), default=120.0, show_default=True,
              help="Seconds since the last heartbeat after which the bot counts as stuck.")
@click.option("--web-only", is_flag=True, help="Check only the web channel ('referral-bot web'), not the bot.")
def health(max_age: float, web_only: bool) -> None:
    """Check that a running bot is alive: its heartbeat file is fresh, and the web channel answers.

    'referral-bot run' touches a heartbeat file beside the session database (see
    REFERRAL_BOT_SESSIONS_DB) every 30 seconds. When REFERRAL_BOT_WEB_PORT is set, the web
    channel's /healthz on 127.0.0.1 must answer too. Exits 0 when all is well, otherwise 1
    with one line saying why. Then it lists where the bot's files are (flows, figures,
    databases, heartbeat). Needs no token and contacts nothing but this machine.

    Example:

    \b
        referral-bot health --max-age 90
        REFERRAL_BOT_WEB_PORT=8080 referral-bot health --web-only
    """
    from bot.channels.web.server import web_port

    try:
        port = web_port()
    except ValueError as exc:
        click.echo(f"unhealthy: {exc}", err=True)
        sys.exit(1)
    if port is not None:
        problem = _web_healthy(port)
        if problem is not None:
            click.echo(f"unhealthy: {problem}.", err=True)
            sys.exit(1)
    if web_only:
        if port is None:
            click.echo("unhealthy: --web-only needs REFERRAL_BOT_WEB_PORT (the port 'referral-bot web' uses).",
                       err=True)
            sys.exit(1)
        click.echo(f"healthy: the web channel answers on port {port}.")
        return
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
        web = f"; the web channel answers on port {port}" if port is not None else ""
        status = f"healthy: heartbeat {age:.0f} s old{web}."
    click.echo(status, err=not healthy)
    click.echo("\n".join(where.lines()), err=not healthy)
    if not healthy:
        sys.exit(1)
