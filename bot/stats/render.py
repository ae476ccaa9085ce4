"""Reports as text: a table for people, CSV for spreadsheets, a short summary for chat channels."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from bot.stats.report import Count, FlowStats, Report

__all__ = ["CSV_HEADER", "render_csv", "render_table", "summary_text"]

CSV_HEADER = ("flow", "measure", "item", "value")
_MEASURES = ("started", "completed", "abandoned", "completion_rate", "median_steps", "emergency")


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _grid(header: Sequence[str], rows: list[list[str]]) -> list[str]:
    """Left-align the first column(s) of text, right-align the numbers."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for row in [list(header), *rows]:
        cells = [cell.ljust(w) if i < len(header) - 1 and not _numeric(header, i) else cell.rjust(w)
                 for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return lines


def _numeric(header: Sequence[str], index: int) -> bool:
    return header[index] not in ("flow", "outcome", "state")


def _note(report: Report) -> str:
    step = report.get("rounded_to")
    if step is None:
        return "Counts are exact (not rounded): do not share this report outside the team."
    return (f"Counts are rounded to the nearest {step} and rates come from the rounded counts; "
            f"a median needs {report['suppressed_below']} completed runs.")


def render_table(report: Report) -> str:
    """The report as aligned plain-text tables."""
    flows = report["flows"]
    if not flows:
        return "No runs match these filters.\n"
    header = ("flow", "started", "completed", "abandoned", "completion", "median steps", "emergency")
    rows = [[f["flow"], str(f["started"]), str(f["completed"]), str(f["abandoned"]),
             _rate(f["completion_rate"]), _number(f["median_steps"]), str(f["emergency"])]
            for f in flows]
    lines = _grid(header, rows)
    for title, key, column in (
        ("Outcomes (the last outcome of each completed run)", "outcomes", "outcome"),
        ("Drop-off (the step where runs were left without an outcome)", "dropoff", "state"),
    ):
        detail = [[f["flow"], item, str(n)] for f in flows
                  for item, n in f[key].items()]  # type: ignore[literal-required]
        if detail:
            lines += ["", title, *_grid(("flow", column, "runs"), detail)]
    lines += ["", _note(report)]
    return "\n".join(lines) + "\n"


def render_csv(report: Report) -> str:
    """The report as long-format CSV: ``flow,measure,item,value`` (empty value = none)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for f in report["flows"]:
        for measure in _MEASURES:
            value = f[measure]  # type: ignore[literal-required]
            writer.writerow([f["flow"], measure, "", "" if value is None else value])
        for item, n in f["outcomes"].items():
            writer.writerow([f["flow"], "outcome", item, n])
        for item, n in f["dropoff"].items():
            writer.writerow([f["flow"], "dropoff", item, n])
    return out.getvalue()


def _pairs(mapping: dict[str, Count]) -> str:
    return ", ".join(f"{k} {v}" for k, v in mapping.items())


def _summary_lines(f: FlowStats) -> list[str]:
    rate = "" if f["completion_rate"] is None else f" ({_rate(f['completion_rate'])})"
    median = "" if f["median_steps"] is None else f", median {_number(f['median_steps'])} steps"
    lines = [f"{f['flow']}: {f['started']} started, {f['completed']} completed{rate}, "
             f"{f['abandoned']} abandoned{median}, {f['emergency']} emergency"]
    if f["outcomes"]:
        lines.append(f"  outcomes: {_pairs(f['outcomes'])}")
    if f["dropoff"]:
        lines.append(f"  left at: {_pairs(f['dropoff'])}")
    return lines


def summary_text(report: Report, *, limit: int) -> str:
    """A short plain-text summary of at most ``limit`` characters (a chat channel's message limit)."""
    flows = report["flows"]
    head = ["Flow statistics"]
    tail = ["", _note(report)]
    if not flows:
        return "Flow statistics: no runs recorded yet."
    body: list[str] = []
    for index, f in enumerate(flows):
        block = ["", *_summary_lines(f)]
        more = f"\n\n… and {len(flows) - index} more flows: run referral-bot stats for them."
        if len("\n".join([*head, *body, *block, *tail])) + len(more) > limit:
            if not body:
                return "\n".join([*head, *block])[: limit - 1] + "…"
            return "\n".join([*head, *body]) + more
        body += block
    return "\n".join([*head, *body, *tail])
