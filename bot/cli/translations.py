"""``referral-bot translations``: PO catalogues for translators (export, import, status)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import click

from bot.cli.common import flows_option
from bot.flows.i18n import BASE, LANGUAGES
from bot.paths import default_flows_dir

__all__ = ["translations"]

EXTRA = "pip install 'referral-guide[translations]'"
_TRANSLATED = [code for code in LANGUAGES if code != BASE]


def _core() -> ModuleType:
    """bot.translations, or a one-line message and exit 2 when the extra is not installed."""
    try:
        import bot.translations as core
    except ModuleNotFoundError as exc:
        if exc.name not in ("polib", "ruamel", "ruamel.yaml"):
            raise
        click.echo(f"referral-bot translations needs polib and ruamel.yaml, which are not installed: {EXTRA}",
                   err=True)
        sys.exit(2)
    return core


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


lang_option = click.option("--lang", "language", type=click.Choice(_TRANSLATED), default=_TRANSLATED[0],
                           show_default=True, help="The language to translate into.")


@click.group()
def translations() -> None:
    """PO catalogues for translators: export every text of the flows folder, translate it in any
    PO editor (Poedit, Weblate), import the translations back into the YAML files.

    Each entry's msgctxt is the file and the text's place in it, so the same English ("Yes")
    at two places can get two different translations. Needs the translations extra
    (pip install 'referral-guide[translations]').

    Example:

    \b
        referral-bot translations export --lang cy -o cy.po
        referral-bot translations import cy.po
        referral-bot translations status
    """


@translations.command("export")
@lang_option
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              metavar="FILE.po", help="The PO file to write (replaced if it exists).")
@flows_option
def export(language: str, output: Path, flows_dir: Path | None) -> None:
    """Write a PO catalogue of every translatable text in the flows folder: the flows,
    ui.yaml, signposts.yaml and glossary.yaml (not stories/ or local/). msgid is the English,
    msgstr the translation the files already hold (empty when none).

    Example:

    \b
        referral-bot translations export --lang cy -o cy.po --flows flows
    """
    core = _core()
    folder = flows_dir or default_flows_dir()
    try:
        count = core.export_catalogue(folder, language, output)
    except core.TranslationError as exc:
        _fail(str(exc))
    click.echo(f"wrote {count} texts of {folder} to {output} ({LANGUAGES[language]}, {language}).")


@translations.command("import")
@click.argument("po_file", type=click.Path(path_type=Path, exists=True, dir_okay=False), metavar="FILE.po")
@flows_option
def import_(po_file: Path, flows_dir: Path | None) -> None:
    """Write the translations of a PO catalogue back into the YAML files, keeping their comments
    and layout: a plain English text becomes en: and cy: on two lines under its key. Entries
    with an empty msgstr (or marked fuzzy) are left out. An entry whose text has moved, whose
    English changed since the export or whose placeholders differ from the English is skipped
    with a message; the exit status is then 1.

    Example:

    \b
        referral-bot translations import cy.po --flows flows
    """
    core = _core()
    folder = flows_dir or default_flows_dir()
    try:
        result = core.import_catalogue(po_file, folder)
    except core.TranslationError as exc:
        _fail(str(exc))
    for line in result.skipped:
        click.echo(line, err=True)
    name = f"{LANGUAGES[result.language]} ({result.language})"
    if result.written:
        files = ", ".join(f"{file} ({count})" for file, count in sorted(result.written.items()))
        click.echo(f"wrote {sum(result.written.values())} {name} texts to {files}.")
    else:
        click.echo(f"no {name} text to write: the files already say what the catalogue says.")
    if result.fuzzy:
        click.echo(f"left out {result.fuzzy} fuzzy entries (marked for review in the PO editor).")
    for file in result.undeclared:
        click.echo(f"note: {file} does not declare {result.language}: add 'languages: [en, {result.language}]' and a "
                   "translation record at its top (see flows/README.md), or referral-bot validate will refuse it.",
                   err=True)
    if result.skipped:
        click.echo(f"{len(result.skipped)} entries skipped; the rest were imported.", err=True)
        sys.exit(1)


@translations.command("status")
@lang_option
@flows_option
def status(language: str, flows_dir: Path | None) -> None:
    """Show, per file of the flows folder, how many of its texts are translated.

    Example:

    \b
        referral-bot translations status --lang cy
    """
    core = _core()
    folder = flows_dir or default_flows_dir()
    try:
        rows = core.status(folder, language)
    except core.TranslationError as exc:
        _fail(str(exc))
    width = max(len(row.file) for row in rows)
    click.echo(f"{LANGUAGES[language]} ({language}) texts in {folder}:")
    for row in rows:
        declared = "declares" if row.declared else "does not declare"
        click.echo(f"  {row.file:<{width}}  {row.translated:>4}/{row.total:<4}  {declared} {language}")
    done, total = sum(r.translated for r in rows), sum(r.total for r in rows)
    click.echo(f"  {'all files':<{width}}  {done:>4}/{total}")
