"""Helpers shared by CLI commands: loading flows with clean, traceback-free errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from bot.flows import Catalogue, ChannelLimits, FlowError, FlowSet, load_catalogue

__all__ = ["catalogue_or_exit", "flows_option", "load_or_exit"]

flows_option = click.option(
    "--flows",
    "flows_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    envvar="REFERRAL_BOT_FLOWS",
    help="Folder of flow files (default: REFERRAL_BOT_FLOWS, else the flows that come with the package).",
)


def load_or_exit(flows_dir: Path | None, *, limits: Sequence[ChannelLimits] = ()) -> FlowSet:
    """The English flows (see :func:`catalogue_or_exit`)."""
    return catalogue_or_exit(flows_dir, limits=limits).base


def catalogue_or_exit(flows_dir: Path | None, *, limits: Sequence[ChannelLimits] = ()) -> Catalogue:
    """Load and validate flows in every language (against the ``limits`` of the channel about
    to start), or print every problem and exit 1 (never a traceback)."""
    try:
        catalogue = load_catalogue(flows_dir, limits=limits, local=os.environ.get("REFERRAL_BOT_LOCAL") or None)
    except FlowError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        errors = sum(1 for p in exc.problems if p.is_error)
        click.echo(f"Refusing to start: {errors} error(s) in the flow files.", err=True)
        sys.exit(1)
    for warning in dict.fromkeys(w for flowset in catalogue.sets.values() for w in flowset.warnings):
        click.echo(warning, err=True)  # each once, from whichever language it concerns
    return catalogue
