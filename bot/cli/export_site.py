"""``referral-bot export-site``: the offline web pack for classrooms."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import catalogue_or_exit, flows_option

__all__ = ["export_site"]


@click.command("export-site")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--no-training-notes", is_flag=True, help="Leave out each step's why-note and source.")
@click.option("--drafts", is_flag=True, help="Also export draft flows.")
@flows_option
def export_site(folder: Path, no_training_notes: bool, drafts: bool, flows_dir: Path | None) -> None:
    """Write static HTML for every step of every flow into FOLDER: the offline pack.

    One page per step with a link per answer, in the web channel's look, with each guide's
    content version and review date on every page. It needs no server and no JavaScript:
    open FOLDER/index.html from a USB stick (file://). Training notes (why each step is
    asked, with its source) are included, collapsed, unless --no-training-notes.

    Example:

    \b
        referral-bot export-site offline-pack && xdg-open offline-pack/index.html
    """
    if folder.exists() and not folder.is_dir():
        raise click.BadParameter(f"'{folder}' is a file; give a folder to write the pack into.", param_hint="FOLDER")
    from bot.channels.web.export import export_site as write_pack
    from bot.engine import Engine

    catalogue = catalogue_or_exit(flows_dir)
    result = write_pack(Engine.from_catalogue(catalogue), folder, training_notes=not no_training_notes,
                        include_drafts=drafts)
    pages = sum(1 for p in result.files if p.suffix == ".html")
    click.echo(f"Wrote {pages} pages to {folder}/ (open {folder}/index.html; works offline from file://).")
