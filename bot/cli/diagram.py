"""``referral-bot diagram``: draw flows as Mermaid, DOT, SVG or PNG diagrams."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

import click

from bot.cli.common import flows_option, load_or_exit
from bot.diagrams import (
    EXTENSIONS,
    FORMATS,
    REFRESH_COMMAND,
    Format,
    GraphvizUnavailable,
    diagrams_dir,
    stale_diagrams,
    write_diagrams,
)
from bot.diagrams import diagram as draw
from bot.flows import Flow, FlowSet

__all__ = ["diagram"]

_BY_SUFFIX: dict[str, Format] = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot",
                                 ".gv": "dot", ".svg": "svg", ".png": "png"}


def _pick_flow(flowset: FlowSet, flow_id: str | None) -> Flow:
    known = ", ".join(sorted(flowset.flows))
    if flow_id is None:
        raise click.UsageError(f"give a FLOW_ID, or --all for every flow. Known flows: {known}.")
    if flow_id not in flowset.flows:
        raise click.BadParameter(f"unknown flow '{flow_id}'. Known flows: {known}.", param_hint="FLOW_ID")
    return flowset.flows[flow_id]


def _format_for(fmt: str | None, output: Path | None) -> Format:
    if fmt is not None:
        return cast(Format, fmt)
    if output is not None and output.suffix.lower() in _BY_SUFFIX:
        return _BY_SUFFIX[output.suffix.lower()]
    return "mermaid"


def _write_all(flowset: FlowSet, fmt: Format, output: Path | None) -> None:
    folder = output or diagrams_dir(flowset)
    if folder.exists() and not folder.is_dir():
        raise click.BadParameter(f"'{folder}' is a file; with --all, -o names a folder.", param_hint="-o")
    written, removed = write_diagrams(flowset, folder, fmt)
    for path in written:
        click.echo(f"wrote {path}")
    for path in removed:
        click.echo(f"removed {path} (its flow no longer exists)")
    unchanged = len(flowset.flows) - len(written)
    click.echo(f"{len(written)} diagram(s) written, {unchanged} already up to date, in {folder}.")


def _check(flowset: FlowSet, output: Path | None) -> None:
    problems = stale_diagrams(flowset, output)
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"{len(problems)} stale diagram(s). Fix: run '{REFRESH_COMMAND}' and commit the result.")
        sys.exit(1)
    click.echo(f"OK: {len(flowset.flows)} diagram(s) up to date.")


def _emit(content: str | bytes, fmt: Format, output: Path | None) -> None:
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            output.write_text(content, encoding="utf-8")
        else:
            output.write_bytes(content)
        click.echo(f"wrote {output}", err=True)
        return
    if fmt in ("svg", "png") and sys.stdout.isatty():
        raise click.UsageError(
            f"{fmt.upper()} is not for a terminal: add -o FILE.{EXTENSIONS[fmt]}, or redirect "
            f"stdout to a file."
        )
    data = content.encode("utf-8") if isinstance(content, str) else content
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@click.command("diagram")
@click.argument("flow_id", required=False)
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default=None,
              help="mermaid (default; needs nothing), dot, svg or png (svg/png need Graphviz). "
                   "Without it, -o's extension decides.")
@click.option("--highlight", "-H", metavar="STATE", default=None,
              help="Mark this state as the current one (as /diagram does in Telegram).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File to write (a folder with --all). Default: stdout; with --all, "
                   "the flows folder's diagrams/.")
@click.option("--all", "all_flows", is_flag=True,
              help="Draw every flow into a folder, one <flow_id>.<ext> file each.")
@click.option("--check", is_flag=True,
              help="Check that the committed Mermaid diagrams are up to date; exit 1 if not.")
@flows_option
def diagram(flow_id: str | None, fmt: str | None, highlight: str | None, output: Path | None,
                    all_flows: bool, check: bool, flows_dir: Path | None) -> None:
    """Draw a flow as a diagram, from the same state machine the bot runs.

    Mermaid text needs no other software (GitHub, GitLab and mermaid.live draw it).
    DOT is Graphviz source; SVG and PNG are drawn by Graphviz's 'dot' program
    (apt-get install graphviz). Outcomes are green; --highlight marks one state red.

    With --all, every flow is drawn into a folder (by default the committed Mermaid
    diagrams in flows/diagrams/, the refresh to run after changing a flow); --check
    only reports diagrams that are stale.

    Example:

    \b
        referral-bot diagram report_concern
        referral-bot diagram report_concern --highlight child -o child.png
        referral-bot diagram --all
        referral-bot diagram --check
    """
    flowset = load_or_exit(flows_dir)
    if check or all_flows:
        if flow_id is not None or highlight is not None:
            raise click.UsageError("--all and --check draw every flow: leave out FLOW_ID and --highlight.")
        if check:
            if fmt not in (None, "mermaid"):
                raise click.UsageError("--check compares the committed Mermaid diagrams: leave out --format.")
            _check(flowset, output)
            return
        fmt_all: Format = cast(Format, fmt) if fmt else "mermaid"
        try:
            _write_all(flowset, fmt_all, output)
        except GraphvizUnavailable as exc:
            raise click.ClickException(str(exc)) from None
        return
    flow = _pick_flow(flowset, flow_id)
    chosen = _format_for(fmt, output)
    if highlight is not None and highlight not in flow.states:
        states = ", ".join(flow.states)
        raise click.BadParameter(f"'{highlight}' is not a state of '{flow.id}'. States: {states}.",
                                 param_hint="--highlight")
    try:
        content = draw(flow, chosen, highlight)
    except GraphvizUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    _emit(content, chosen, output)
