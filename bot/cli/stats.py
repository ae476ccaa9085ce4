"""``referral-bot stats``: anonymised flow statistics, and ``stats purge`` for retention."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from bot.flows.i18n import LANGUAGES
from bot.stats import (
    ChartUnavailable,
    StatsError,
    build_report,
    default_db_path,
    purge,
    render_chart,
    render_csv,
    render_table,
)

__all__ = ["stats"]

_DB_HELP = ("The statistics database (default: REFERRAL_BOT_DB, else referral-bot.db in the per-user data "
            "directory; referral-bot health prints it).")


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"'{value}' is not a date. Use YYYY-MM-DD, for example 2026-11-29.") from None


def _db(path: Path | None) -> Path:
    return path if path is not None else default_db_path()


db_option = click.option("--db", "db_path", type=click.Path(path_type=Path, dir_okay=False),
                         default=None, help=_DB_HELP)


@click.group(invoke_without_command=True)
@db_option
@click.option("--since", callback=_date, metavar="YYYY-MM-DD",
              help="First day to include (UTC; runs count on the day they started).")
@click.option("--until", callback=_date, metavar="YYYY-MM-DD", help="Last day to include (UTC).")
@click.option("--flow", "flow_id", metavar="FLOW_ID", help="Only this flow.")
@click.option("--role", metavar="ROLE", help="Only this self-declared role: officer, partner, public, trainer.")
@click.option("--channel", metavar="CHANNEL", help="Only this channel: telegram or terminal.")
@click.option("--lang", "language", type=click.Choice(list(LANGUAGES)),
              help="Only runs shown in this language: en (English) or cy (Cymraeg).")
@click.option("--include-training", is_flag=True, help="Count training-mode runs too (left out by default).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (flow,measure,item,value) instead of a table.")
@click.option("--suppress/--no-suppress", default=True, show_default=True,
              help="Round every count to the nearest 5, rates from the rounded counts (a disclosure "
                   "control); --no-suppress shows exact counts.")
@click.option("--chart", "chart_path", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE.png", help="Also draw the funnel and outcome bars to a PNG (needs the charts extra).")
@click.pass_context
def stats(ctx: click.Context, db_path: Path | None, since: date | None, until: date | None,
          flow_id: str | None, role: str | None, channel: str | None, language: str | None,
          include_training: bool, as_json: bool, as_csv: bool, suppress: bool, chart_path: Path | None) -> None:
    """Report anonymised flow statistics: runs started, completed and abandoned, completion
    rate, median steps, outcomes, drop-off by step, and emergency uses, per flow.

    Counts are rounded to the nearest 5 unless --no-suppress is given. Training-mode runs are
    left out unless --include-training is given. See docs/statistics.md.

    Example:

    \b
        referral-bot stats --since 2026-11-01 --until 2026-11-30
        referral-bot stats --flow report_concern --json
        referral-bot stats --lang cy
        referral-bot stats purge --older-than 365
    """
    if ctx.invoked_subcommand is not None:
        return
    if as_json and as_csv:
        raise click.UsageError("use --json or --csv, not both.")
    try:
        report = build_report(_db(db_path), since=since, until=until, flow=flow_id, role=role,
                              channel=channel, include_training=include_training, suppress=suppress,
                              language=language)
        if chart_path is not None:
            render_chart(report, chart_path)
    except (StatsError, ChartUnavailable) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write the chart to {chart_path}: {exc.strerror}") from None
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    elif as_csv:
        click.echo(render_csv(report), nl=False)
    else:
        click.echo(render_table(report), nl=False)
    if chart_path is not None:
        click.echo(f"Chart written to {chart_path}.", err=True)


@stats.command("purge")
@db_option
@click.option("--older-than", "days", type=click.IntRange(min=0), required=True, metavar="DAYS",
              help="Delete runs that started more than DAYS days ago.")
def purge_command(db_path: Path | None, days: int) -> None:
    """Delete old events, for a retention period.

    Deletes every event of the runs that started more than DAYS days ago (UTC hours).
    Whole runs go together, and the deleted data is overwritten in the file.

    Example:

    \b
        referral-bot stats purge --older-than 365
    """
    path = _db(db_path)
    try:
        deleted = purge(path, days)
    except StatsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Deleted {deleted} event(s) of runs that started more than {days} day(s) ago from {path}.")
