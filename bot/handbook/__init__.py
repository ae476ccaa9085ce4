"""The offline trainers' handbook: static HTML, one page per flow plus an index.

Pages need no network: the style is inlined, diagrams are inline SVG (or Mermaid source
when Graphviz is missing) and the only web addresses are links to sources and services.
Templating is plain f-strings with :func:`html.escape` on every piece of text.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.diagrams import graphviz_available
from bot.figures import FigureError, load_figures
from bot.flows.i18n import BASE, language_folder, other_language
from bot.flows.loader import Catalogue
from bot.flows.model import FlowSet
from bot.handbook.demos import DemoPath, DemoStep, demo_paths, load_demo_stories
from bot.handbook.flow_page import flow_file, render_flow, state_anchor
from bot.handbook.index_page import FIGURES_FILE, render_figures, render_index
from bot.handbook.markup import Switch
from bot.handbook.words import say
from bot.stories import Story

__all__ = [
    "FIGURES_FILE",
    "DemoPath",
    "DemoStep",
    "Handbook",
    "demo_paths",
    "flow_file",
    "state_anchor",
    "write_handbook",
]


@dataclass(slots=True)
class Handbook:
    """What :func:`write_handbook` wrote and what a trainer should know about it."""

    folder: Path
    files: list[Path] = field(default_factory=list)
    svg_diagrams: bool = False
    figures: int = 0
    figures_problem: str | None = None
    stories_problem: str | None = None
    missing_demos: list[tuple[str, str]] = field(default_factory=list)
    broken_demos: list[DemoPath] = field(default_factory=list)


def _switch(flowset: FlowSet, other: str | None, name: str) -> Switch | None:
    """The link from page ``name`` in ``flowset``'s language to the same page in ``other``."""
    if other is None:
        return None
    up = "../" * language_folder(flowset.language).count("/")
    return up + language_folder(other) + name, other, flowset.ui.get("language_label", other)


def _write(result: Handbook, folder: Path, name: str, html: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    result.files.append(path)


def write_handbook(flows: FlowSet | Catalogue, folder: Path | str, *, stories: Iterable[Story] | None = None,
                   figures_dir: Path | str | None = None, today: date | None = None) -> Handbook:
    """Write ``index.html``, one ``<flow_id>.html`` per flow and ``figures.html`` into ``folder``;
    for flows in Welsh too (a :class:`~bot.flows.Catalogue`), the same pages in Welsh in ``cy/``,
    each page linking to the other language's (issue 15).

    Args:
        flows: the validated flows (one language, or every language).
        folder: the output folder (created if needed; existing pages are replaced).
        stories: the stories for the demo paths (default: the flows folder's ``stories/``).
        figures_dir: where ``figures.yaml`` lives (default: ``data/figures``).
        today: the date printed on the pages and used for overdue reviews.
    """
    sets = dict(flows.sets) if isinstance(flows, Catalogue) else {flows.language: flows}
    flowset = sets.get(BASE) or next(iter(sets.values()))
    day = today or date.today()
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    result = Handbook(folder=out, svg_diagrams=graphviz_available())
    if stories is None:
        stories, result.stories_problem = load_demo_stories(flowset)
    demos = demo_paths(flowset, stories)  # answers by id: the same paths in every language
    try:
        figures = load_figures(figures_dir)
    except FigureError as exc:
        figures, result.figures_problem = [], str(exc)
    result.figures = len(figures)
    for code, language_set in sets.items():
        other = other_language(sets, code)
        switch = functools.partial(_switch, language_set, other)
        write = functools.partial(_write, result, out / language_folder(code))
        generated = say(code, "made_with", command="<code>referral-bot handbook</code>", date=day.isoformat())
        # the figures are the English presentation's: one English page, linked from every language
        figures_href = "../" * language_folder(code).count("/") + FIGURES_FILE if figures else None
        write("index.html", render_index(language_set, today=day, generated=generated, figures=figures_href,
                                         switch=switch("index.html")))
        for flow in language_set.flows.values():
            by_outcome = demos.get(flow.id, {})
            write(flow_file(flow.id), render_flow(language_set, flow, by_outcome, today=day, generated=generated,
                                                  switch=switch(flow_file(flow.id))))
            if code != BASE:
                continue
            for outcome in flow.outcomes():
                if not by_outcome.get(outcome.id):
                    result.missing_demos.append((flow.id, outcome.id))
            result.broken_demos += [p for paths in by_outcome.values() for p in paths if not p.ok]
        if figures and code == BASE:
            write(FIGURES_FILE, render_figures(language_set, figures, generated=generated,
                                               switch=switch("index.html")))
    return result
