"""The readable table and the one-line JSON object."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from benchmarks.core import TARGETS, Results, Target

__all__ = ["ROWS", "Row", "render_json", "render_table"]


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: a result, its unit, and what it is compared with."""

    label: str
    result: str
    unit: str
    beside: str | None = None
    """The result it is set beside (the floor or the baseline)."""
    ratio: str | None = None
    """The result holding the ratio of the two."""
    target: str | None = None
    """The result the row's target is on, when it is not ``result`` (the ratio, say)."""


ROWS: tuple[Row, ...] = (
    Row("engine turn, median", "engine_turn_median_us", "µs", "engine_floor_median_us", "engine_ratio"),
    Row("engine turn, p99", "engine_turn_p99_us", "µs", "engine_floor_p99_us"),
    Row("end-to-end updates/s", "e2e_updates_per_s", "/s", "baseline_updates_per_s", "e2e_vs_baseline",
        "e2e_vs_baseline"),
    Row("end-to-end per update, p50", "e2e_p50_ms", "ms", "baseline_p50_ms"),
    Row("end-to-end per update, p99", "e2e_p99_ms", "ms", "baseline_p99_ms"),
    Row("Bot API calls per update", "e2e_calls_per_update", "", "baseline_calls_per_update"),
    Row("headroom over Telegram's 30 messages/s", "e2e_headroom_vs_telegram_limit", "x"),
    Row("memory per session (tracemalloc)", "memory_per_session_bytes_tracemalloc", "B", "memory_model_per_user_bytes"),
    Row("memory per session (RSS)", "memory_per_session_bytes_rss", "B"),
    Row("notes: transitions model / machine per user", "memory_notes_model_per_user_bytes", "B",
        "memory_notes_machine_per_user_bytes"),
    Row("bot memory per chat (tracemalloc)", "memory_per_chat_bytes_bot", "B", "memory_per_chat_bytes_baseline"),
    Row("session store on disk per chat", "sessions_db_bytes_per_chat", "B"),
    Row("statistics writer", "stats_events_per_s", "events/s"),
    Row("statistics on disk per event", "stats_db_bytes_per_event", "B"),
    Row("recording cost per turn (median)", "recording_overhead_pct", "%"),
    Row("recording cost per turn (mean)", "recording_overhead_mean_pct", "%"),
    Row("recording cost per turn (absolute)", "recording_cost_us_per_turn", "µs", "engine_turn_unrecorded_median_us"),
    Row("recording cost per end-to-end update", "recording_e2e_overhead_pct", "%"),
    Row("first prompt of the terminal chat", "chat_first_prompt_s", "s"),
    Row("load and validate all flows", "load_validate_ms", "ms"),
    Row("import of the terminal path", "terminal_import_ms", "ms"),
    Row("terminal path imports telegram", "terminal_imports_telegram", ""),
)


def _value(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value >= 100:
        value = round(value)
    text = f"{value:,}" if isinstance(value, int) else f"{value:g}"
    return f"{text} {unit}".strip()


def _target(row: Row) -> Target | None:
    name = row.target or row.result
    return next((t for t in TARGETS if t.result == name), None)


def _limit(target: Target | None, unit: str) -> str:
    if target is None:
        return ""
    if target.result == "e2e_vs_baseline":
        return f">= {target.limit}x baseline"
    return f"{target.op} {_value(target.limit, '' if isinstance(target.limit, bool) else unit)}"


def _met(target: Target | None, results: Results) -> str:
    if target is None:
        return ""
    met = target.met(results.get(target.result))
    return "not measured" if met is None else ("yes" if met else "MISSED")


def render_table(results: Results) -> str:
    """The results as an aligned text table, with a line per missed or unmeasured target."""
    header = ("measure", "value", "target", "floor/baseline", "ratio", "met?")
    lines: list[tuple[str, ...]] = [header]
    for row in ROWS:
        if row.result not in results:
            continue
        target = _target(row)
        beside = _value(results.get(row.beside), row.unit) if row.beside else ""
        ratio = f"{_value(results.get(row.ratio))}x" if row.ratio and results.get(row.ratio) is not None else ""
        lines.append((row.label, _value(results.get(row.result), row.unit), _limit(target, row.unit), beside, ratio,
                      _met(target, results)))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in lines]
    out.insert(1, "  ".join("-" * width for width in widths))
    missed = [t for t in TARGETS if t.met(results.get(t.result)) is not True]
    out.append("")
    if not missed:
        out.append("All targets met.")
    for target in missed:
        state = "not measured" if target.met(results.get(target.result)) is None else "MISSED"
        out.append(f"Target {state}: {target.text} ({target.result} = {_value(results.get(target.result))}, "
                   f"needs {target.op} {_value(target.limit)}).")
    return "\n".join(out)


def render_json(targets_met: bool, results: Results, targets: dict[str, dict[str, Any]]) -> str:
    """The single-line JSON object: ``{"targets_met", "results", "targets"}``."""
    return json.dumps({"targets_met": targets_met, "results": results, "targets": targets},
                      ensure_ascii=False, separators=(",", ":"))
