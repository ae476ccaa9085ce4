"""The chart: a run funnel and outcome bars per flow, drawn with matplotlib (optional)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.stats.report import Count, Report

__all__ = ["CHARTS_EXTRA", "ChartUnavailable", "render_chart"]

CHARTS_EXTRA = "pip install 'referral-guide[charts]'"


class ChartUnavailable(Exception):
    """matplotlib is not installed; the message names the extra that brings it."""


def _load_matplotlib() -> tuple[Any, Any]:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ChartUnavailable(
            f"charts need matplotlib, which is not installed; install it with {CHARTS_EXTRA}"
        ) from None
    return Figure, FigureCanvasAgg


def _bars(ax: Any, title: str, labels: list[str], values: list[Count],
          colours: str | list[str]) -> None:
    """Horizontal bars, each labelled with its (published) count."""
    heights = list(values)
    positions = list(range(len(labels)))
    ax.barh(positions, heights, color=colours, height=0.6)
    ax.set_yticks(positions, labels=labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, max(4, *heights) * 1.15)
    ax.set_title(title, fontsize=10, loc="left")
    for y, value in zip(positions, values, strict=True):
        ax.annotate(str(value), (heights[y], y), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=9)
    ax.xaxis.set_major_locator(_integer_locator())


def _integer_locator() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def render_chart(report: Report, png_path: Path | str) -> None:
    """Write a PNG with, per flow, the run funnel and the outcome counts.

    Raises:
        ChartUnavailable: matplotlib is not installed.
        OSError: the file cannot be written.
    """
    figure_class, canvas_class = _load_matplotlib()
    flows = report["flows"]
    rows = max(1, len(flows))
    fig = figure_class(figsize=(10, 2.6 * rows), layout="constrained")
    canvas_class(fig)
    if not flows:
        ax = fig.add_subplot(1, 1, 1)
        ax.axis("off")
        ax.text(0.5, 0.5, "No runs match these filters.", ha="center", va="center")
    for index, f in enumerate(flows):
        funnel = fig.add_subplot(rows, 2, 2 * index + 1)
        _bars(funnel, f"{f['flow']}: runs", ["started", "completed", "abandoned", "emergency"],
              [f["started"], f["completed"], f["abandoned"], f["emergency"]],
              ["#1d70b8", "#00703c", "#f47738", "#d4351c"])
        outcomes = fig.add_subplot(rows, 2, 2 * index + 2)
        if f["outcomes"]:
            _bars(outcomes, f"{f['flow']}: outcomes reached", list(f["outcomes"]),
                  list(f["outcomes"].values()), "#00703c")
        else:
            outcomes.axis("off")
            outcomes.set_title(f"{f['flow']}: no outcomes reached", fontsize=10, loc="left")
    if report.get("rounded_to") is not None:
        fig.supxlabel(f"Counts are rounded to the nearest {report['rounded_to']}.", fontsize=8)
    fig.savefig(str(png_path), format="png", dpi=100)
