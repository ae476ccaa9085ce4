"""Helpers shared by CLI commands: loading flows with clean, traceback-free errors."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from bot.flows import FlowError, FlowSet, load_flows

__all__ = ["flows_option", "load_or_exit"]

flows_option = click.option(
    "--flows",
    "flows_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    envvar="REFERRAL_BOT_FLOWS",
    help="Folder of flow files (default: REFERRAL_BOT_FLOWS or ./flows).",
)


def load_or_exit(flows_dir: Path | None) -> FlowSet:
    """Load and validate flows (with the force's profile from REFERRAL_BOT_LOCAL, if set), or
    print every problem and exit 1 (never a traceback)."""
    try:
        flowset = load_flows(flows_dir, local=os.environ.get("REFERRAL_BOT_LOCAL") or None)
    except FlowError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        errors = sum(1 for p in exc.problems if p.is_error)
        click.echo(f"Refusing to start: {errors} error(s) in the flow files.", err=True)
        sys.exit(1)
    for warning in flowset.warnings:
        click.echo(warning, err=True)
    return flowset
