"""The training presentation's figures: small CSV tables listed in ``data/figures/figures.yaml``.

``figures.yaml`` is a list of ``{id, title, file, source, notes}`` (``notes`` optional);
``file`` is a CSV file in the same folder whose first row is the header. Trainers see the
figures in training mode (``figures`` in the terminal chat, ``/figures`` in Telegram) as
plain-text tables that always name their source and fit the channel's message limit.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.paths import default_figures_dir

__all__ = [
    "INDEX_FILE",
    "Figure",
    "FigureError",
    "default_figures_dir",
    "figures_reply",
    "load_figures",
]

INDEX_FILE = "figures.yaml"
MAX_CELL = 48
MAX_WIDTH = 72
_NUMBER = re.compile(r"^[-+]?[\d,]*\.?\d+%?$")
_FIELDS = ("id", "title", "file", "source", "notes")


class FigureError(ValueError):
    """The figures cannot be loaded; the message says what is wrong and how to fix it."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One table from the presentation, with where it came from."""

    id: str
    title: str
    file: str
    source: str
    notes: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def as_text(self, limit: int | None = None) -> str:
        """A plain-text table that names the source, of at most ``limit`` characters if given.

        A table much wider than it is tall (months across the top, say) is turned on its
        side so it reads on a phone. Long cells are shortened with "…"; rows that do not
        fit are left out with a note saying how many and which file holds them.
        """
        header, rows = self.header, list(self.rows)
        if len(header) > len(rows) + 1 and _width(header, rows) > MAX_WIDTH:
            header, rows = _transpose(header, rows)
        head = [self.title]
        if self.notes:
            head.append(self.notes)
        foot = f"Source: {self.source}"
        for shown in range(len(rows), -1, -1):
            lines = _table(header, rows[:shown])
            if shown < len(rows):
                lines.append(f"… and {len(rows) - shown} more row(s): see {self.file}")
            text = "\n".join([*head, "", *lines, "", foot])
            if limit is None or len(text) <= limit:
                return text
        shortest = "\n".join([*head, "", foot])
        return shortest if limit is None else shortest[: limit - 1] + "…"


def _cell(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1].rstrip() + "…"


def _width(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> int:
    widths = [max(len(_cell(r[i])) for r in [header, *rows]) for i in range(len(header))]
    return sum(widths) + 2 * (len(widths) - 1)


def _transpose(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    columns = list(zip(header, *rows, strict=True))
    return columns[0], columns[1:]


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    cells = [[_cell(c) for c in row] for row in [header, *rows]]
    count = len(header)
    widths = [max(len(row[i]) for row in cells) for i in range(count)]
    numeric = [bool(rows) and all(_NUMBER.match(r[i].strip()) or not r[i].strip() for r in rows)
               for i in range(count)]

    def line(row: list[str]) -> str:
        parts = [c.rjust(w) if numeric[i] else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return [line(cells[0]), rule, *(line(row) for row in cells[1:])]


def _read_csv(path: Path, where: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            raw = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FigureError(f"{where}: cannot read {path} ({exc}). Fix: save it as UTF-8 CSV.") from None
    if not raw:
        raise FigureError(f"{where}: {path} is empty. Fix: put a header row and data rows in it.")
    count = max(len(row) for row in raw)
    padded = [tuple(cell.strip() for cell in row) + ("",) * (count - len(row)) for row in raw]
    return padded[0], tuple(padded[1:])


def _figure(entry: Any, number: int, folder: Path, index: Path) -> Figure:
    where = f"{index}: figure {number}"
    if not isinstance(entry, dict):
        raise FigureError(f"{where} is not a mapping. Fix: write it as id:, title:, file:, source:, notes:.")
    unknown = sorted(str(k) for k in entry if k not in _FIELDS)
    if unknown:
        raise FigureError(f"{where} has unknown field(s) {', '.join(unknown)}. Fix: use only {', '.join(_FIELDS)}.")
    values: dict[str, str] = {}
    for key in _FIELDS:
        value = entry.get(key)
        if value is None and key == "notes":
            value = ""
        if not isinstance(value, str | int | float) or (key != "notes" and not str(value).strip()):
            raise FigureError(f"{where} has no '{key}'. Fix: add {key}: with some text.")
        values[key] = " ".join(str(value).split())
    where = f"{index}: figure '{values['id']}'"
    path = (folder / values["file"]).resolve()
    if not path.is_relative_to(folder.resolve()) or path.suffix.lower() != ".csv":
        raise FigureError(f"{where}: file '{values['file']}' must be a .csv file in {folder}. Fix: move it there.")
    if not path.is_file():
        raise FigureError(f"{where}: file '{values['file']}' does not exist in {folder}. "
                          "Fix: add it or correct the name.")
    header, rows = _read_csv(path, where)
    return Figure(values["id"], values["title"], values["file"], values["source"], values["notes"], header, rows)


def load_figures(folder: Path | str | None = None) -> list[Figure]:
    """Every figure listed in ``figures.yaml``, in its order.

    Raises:
        FigureError: the index or a CSV file is missing or malformed (the message says how
            to fix it).
    """
    base = Path(folder) if folder is not None else default_figures_dir()
    index = base / INDEX_FILE
    if not index.is_file():
        raise FigureError(f"{index} does not exist. Fix: add the figures index there "
                          f"(a list of id, title, file, source, notes), or set REFERRAL_BOT_FIGURES.")
    try:
        data = yaml.safe_load(index.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        detail = " ".join(str(exc).split())
        raise FigureError(f"{index}: not valid YAML ({detail}). Fix: correct the file.") from None
    if isinstance(data, dict) and "figures" in data:
        data = data["figures"]
    if not isinstance(data, list):
        raise FigureError(f"{index}: expected a list of figures. Fix: start each figure with '- id: ...'.")
    figures = [_figure(entry, number, base, index) for number, entry in enumerate(data, start=1)]
    seen: set[str] = set()
    for figure in figures:
        if figure.id in seen:
            raise FigureError(f"{index}: figure id '{figure.id}' is used twice. Fix: give each figure its own id.")
        seen.add(figure.id)
    return figures


def figures_reply(argument: str = "", folder: Path | str | None = None, *, command: str = "figures",
                  limit: int | None = None) -> str:
    """What a channel shows for ``figures [N|ID]``: the list, or one figure's table.

    Args:
        argument: empty for the list; a 1-based number or a figure id for one figure.
        folder: the figures folder (default: :func:`default_figures_dir`).
        command: how the channel spells the command, for the hint (``/figures`` in Telegram).
        limit: the channel's longest message, if it has one.

    Never raises: a loading problem comes back as its message.
    """
    try:
        figures = load_figures(folder)
    except FigureError as exc:
        return f"The figures cannot be shown: {exc}"
    if not figures:
        return "There are no figures in the figures index yet."
    wanted = argument.strip().casefold()
    if wanted:
        for number, figure in enumerate(figures, start=1):
            if wanted in (str(number), figure.id.casefold()):
                return figure.as_text(limit)
    lines = [f"There is no figure '{argument.strip()}'.", ""] if wanted else []
    lines.append("Figures from the training presentation:")
    lines += [f"  {number}. {figure.title} ({figure.id})" for number, figure in enumerate(figures, start=1)]
    lines += ["", f"Show one with: {command} 1 (or {command} {figures[0].id})."]
    return "\n".join(lines)
