"""The offline trainers' handbook: static HTML, one page per flow plus an index.

Pages need no network: the style is inlined, diagrams are inline SVG (or Mermaid source
when Graphviz is missing) and the only web addresses are links to sources and services.
Templating is plain f-strings with :func:`html.escape` on every piece of text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.diagrams import graphviz_available
from bot.figures import FigureError, load_figures
from bot.flows.model import FlowSet
from bot.handbook.demos import DemoPath, DemoStep, demo_paths, load_demo_stories
from bot.handbook.flow_page import flow_file, render_flow, state_anchor
from bot.handbook.index_page import FIGURES_FILE, render_figures, render_index
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


def write_handbook(flowset: FlowSet, folder: Path | str, *, stories: Iterable[Story] | None = None,
                   figures_dir: Path | str | None = None, today: date | None = None) -> Handbook:
    """Write ``index.html``, one ``<flow_id>.html`` per flow and ``figures.html`` into ``folder``.

    Args:
        flowset: the validated flows.
        folder: the output folder (created if needed; existing pages are replaced).
        stories: the stories for the demo paths (default: the flows folder's ``stories/``).
        figures_dir: where ``figures.yaml`` lives (default: ``data/figures``).
        today: the date printed on the pages and used for overdue reviews.
    """
    day = today or date.today()
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    result = Handbook(folder=out, svg_diagrams=graphviz_available())
    generated = f"Made with <code>referral-bot handbook</code> on {day.isoformat()}."
    if stories is None:
        stories, result.stories_problem = load_demo_stories(flowset)
    demos = demo_paths(flowset, stories)
    try:
        figures = load_figures(figures_dir)
    except FigureError as exc:
        figures, result.figures_problem = [], str(exc)
    result.figures = len(figures)

    def write(name: str, html: str) -> None:
        path = out / name
        path.write_text(html, encoding="utf-8")
        result.files.append(path)

    write("index.html", render_index(flowset, today=day, generated=generated, has_figures=bool(figures)))
    for flow in flowset.flows.values():
        by_outcome = demos.get(flow.id, {})
        write(flow_file(flow.id), render_flow(flowset, flow, by_outcome, today=day, generated=generated))
        for outcome in flow.outcomes():
            if not by_outcome.get(outcome.id):
                result.missing_demos.append((flow.id, outcome.id))
        result.broken_demos += [p for paths in by_outcome.values() for p in paths if not p.ok]
    if figures:
        write(FIGURES_FILE, render_figures(flowset, figures, generated=generated))
    return result
