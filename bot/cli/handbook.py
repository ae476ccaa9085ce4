"""``referral-bot handbook``: write the offline HTML handbook for trainers."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import catalogue_or_exit, flows_option
from bot.handbook import write_handbook

__all__ = ["handbook"]


@click.command()
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), default=Path("handbook"),
              show_default=True, help="Folder to write the pages into (created if needed).")
@click.option("--figures", "figures_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              envvar="REFERRAL_BOT_FIGURES", help="Folder with figures.yaml (default: the shipped figures).")
@flows_option
def handbook(output: Path, figures_dir: Path | None, flows_dir: Path | None) -> None:
    """Write an offline HTML handbook of every flow, for trainers and handouts.

    OUTPUT gets index.html, one page per flow and figures.html. Each flow page has the
    metadata, review dates, sources, the diagram (inline SVG when Graphviz is installed,
    else Mermaid source), every step with its why note and options, every outcome with
    its services, and demo paths from the stories. Pages need no network and print cleanly.

    Example:

    \b
        referral-bot handbook -o handbook
        xdg-open handbook/index.html
    """
    catalogue = catalogue_or_exit(flows_dir)
    if output.exists() and not output.is_dir():
        raise click.BadParameter(f"'{output}' is a file. Fix: name a folder.", param_hint="-o")
    try:
        result = write_handbook(catalogue, output, figures_dir=figures_dir)
    except OSError as exc:
        raise click.ClickException(f"cannot write the handbook to {output}: {exc.strerror or exc}.") from None
    click.echo(f"Wrote {len(result.files)} page(s) to {output}. Open {output / 'index.html'} in a browser.")
    if not result.svg_diagrams:
        click.echo("Note: Graphviz is not installed, so diagrams are Mermaid source. "
                   "For drawn diagrams: apt-get install graphviz, then run this again.")
    if result.figures_problem:
        click.echo(f"Note: no figures page. {result.figures_problem}")
    if result.stories_problem:
        click.echo(f"Note: {result.stories_problem}")
    for flow_id, outcome in result.missing_demos:
        click.echo(f"Note: {flow_id}: outcome '{outcome}' has no demo path (no story ends there).")
    for path in result.broken_demos:
        click.echo(f"Note: {path.flow}: story '{path.story}' fails: {'; '.join(path.failures)}.")
