"""``referral-bot validate``: check flow files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.channels import shipped_limits
from bot.flows import validate_paths

__all__ = ["validate"]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--local", "local", type=click.Path(path_type=Path, dir_okay=False), default=None,
              envvar="REFERRAL_BOT_LOCAL",
              help="Also check this force's local profile (default: REFERRAL_BOT_LOCAL, if set).")
def validate(paths: tuple[Path, ...], local: Path | None) -> None:
    """Check flow files: schema, graph, signposts, text rules and every channel's limits.

    PATHS are flow files or folders (default: the flows folder). With --local (or
    REFERRAL_BOT_LOCAL set) the force's local profile is checked too. Each problem is printed
    as file:line:column, what is wrong and how to fix it. Exits 1 on any error, 0 when
    clean; warnings (such as a past review date) do not fail.

    Example:

    \b
        referral-bot validate flows/report_concern.yaml
        referral-bot validate --local flows/local/example.yaml
    """
    problems = validate_paths(list(paths), limits=shipped_limits(), local=local)
    for problem in problems:
        click.echo(str(problem))
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    if errors:
        click.echo(f"{errors} error(s), {warnings} warning(s).")
        sys.exit(1)
    click.echo(f"OK: no errors, {warnings} warning(s).")
