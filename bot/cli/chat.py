"""``referral-bot chat``: the terminal chat, offline and with no token."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from bot.channels.terminal import run_human, run_json
from bot.cli.common import catalogue_or_exit, flows_option
from bot.engine import Engine
from bot.flows import LANGUAGES
from bot.paths import locations
from bot.stats import Recorder

__all__ = ["chat"]


@click.command()
@click.argument("flow_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per turn on stdout (for programs).")
@click.option("--training", is_flag=True, help="Training mode: show each step's why note and source.")
@click.option("--lang", "language", type=click.Choice(list(LANGUAGES)), default="en", show_default=True,
              help="The language: en (English) or cy (Cymraeg). A guide not yet in Welsh is shown in English.")
@flows_option
def chat(flow_id: str | None, as_json: bool, training: bool, language: str, flows_dir: Path | None) -> None:
    """Chat through the flows in the terminal. Starts at the menu, or at FLOW_ID.

    Type a number or an answer, or back, restart, menu, emergency, help, about (which also shows
    where the flows, figures and databases are), quit; in Welsh (--lang cy) the Welsh words
    work too (yn ôl, ailddechrau, dewislen, argyfwng, cymorth, geirfa, gadael). With --json,
    every turn is one JSON object per line and each input line is an option id, a number,
    a label, or back, restart, menu or emergency; end of input exits 0.

    Example:

    \b
        echo 2 | referral-bot chat --json report_concern
        referral-bot chat --lang cy
    """
    catalogue = catalogue_or_exit(flows_dir)
    flowset = catalogue.base
    if flow_id is not None and flow_id not in flowset.flows:
        known = ", ".join(sorted(flowset.flows))
        raise click.BadParameter(f"unknown flow '{flow_id}'. Known flows: {known}.", param_hint="FLOW_ID")
    for stream in (sys.stdin, sys.stdout):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")
    if language not in catalogue.languages:
        raise click.BadParameter(f"the flows in {flowset.folder} have no '{language}' interface texts "
                                 f"(ui.yaml declares: {', '.join(catalogue.languages)}).", param_hint="--lang")
    where = dataclasses.replace(locations(), flows=Path(flowset.folder).resolve())
    recorder = Recorder(where.stats_db)  # anonymised statistics, written off the chat's path
    engine = Engine.from_catalogue(catalogue, listeners=[recorder]).for_language(language)
    session = engine.new_session(channel="terminal", training=training)
    session.language = language
    try:
        if as_json:
            run_json(engine, session, flow_id, sys.stdin, sys.stdout)
        else:
            run_human(engine, session, flow_id, sys.stdin, sys.stdout, prompt=sys.stdin.isatty(),
                      files=where.lines())
    finally:
        recorder.close()
