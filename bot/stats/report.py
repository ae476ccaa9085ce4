"""Reports: per-flow counts from the events table, with disclosure control.

Every published count is rounded to the nearest 5, and rates come from the rounded counts
(the ONS method for small areas; docs/statistics.md), so no count can be worked out by
adding or subtracting others. ``suppress=False`` gives exact counts for the team.

A run is one pass through a flow (it starts with a ``started`` event and has a random
run id). Date filters select runs by the hour their first event was recorded, so a run
that crosses midnight is counted once, on the day it started. Events outside any run
(Emergency pressed at the menu before choosing a guide) count on their own hour.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TypedDict

from bot.stats.schema import MENU_FLOW, StatsError, connect_readonly

__all__ = ["ROUND_TO", "SUPPRESS_BELOW", "Count", "FlowStats", "Report", "build_report", "rounded"]

ROUND_TO = 5
"""Published counts are multiples of this."""
SUPPRESS_BELOW = 5
"""No count below this is ever published exactly; a median needs this many runs."""

Count = int
"""A count: exact, or a multiple of ``ROUND_TO`` when disclosure control is on."""


class FlowStats(TypedDict):
    """One flow's row of a report (the ``--json`` shape)."""

    flow: str
    started: Count
    completed: Count
    abandoned: Count
    completion_rate: float | None
    median_steps: float | None
    outcomes: dict[str, Count]
    dropoff: dict[str, Count]
    emergency: Count


class Report(TypedDict):
    """A whole report (the ``--json`` shape)."""

    flows: list[FlowStats]
    suppressed_below: int | None
    rounded_to: int | None


_FILTERED = """
CREATE TEMP TABLE ev AS
WITH runs AS (
    SELECT run_id, min(hour) AS first_hour,
           coalesce(max(CASE WHEN kind = 'started' THEN {language} END), min({language})) AS run_language
    FROM main.events WHERE run_id != '' GROUP BY run_id
)
SELECT e.id, e.kind, coalesce(e.flow, :menu) AS flow, e.state, e.outcome,
       CASE WHEN e.run_id = '' THEN 'event:' || e.id ELSE e.run_id END AS run_id
FROM main.events AS e LEFT JOIN runs AS r ON r.run_id = e.run_id AND e.run_id != ''
WHERE coalesce(r.first_hour, e.hour) >= :since AND coalesce(r.first_hour, e.hour) < :before
  AND (:flow IS NULL OR coalesce(e.flow, :menu) = :flow)
  AND (:role IS NULL OR e.role = :role)
  AND (:channel IS NULL OR e.channel = :channel)
  AND (:training OR e.training = 0)
  AND (:language IS NULL OR coalesce(r.run_language, {event_language}) = :language)
"""

_QUERIES = {
    "started": "SELECT flow, count(DISTINCT run_id) FROM ev WHERE kind = 'started' GROUP BY flow",
    "completed": "SELECT flow, count(DISTINCT run_id) FROM ev WHERE kind = 'outcome' GROUP BY flow",
    "abandoned": """
        SELECT flow, count(DISTINCT run_id) FROM ev WHERE kind = 'abandoned'
          AND run_id NOT IN (SELECT run_id FROM ev WHERE kind = 'outcome') GROUP BY flow""",
    "emergency": "SELECT flow, count(*) FROM ev WHERE kind = 'emergency' GROUP BY flow",
}

# The last outcome each completed run reached (a run that went back and chose again counts
# once, under its final outcome), so the outcome counts add up to ``completed``.
_OUTCOMES = """
SELECT flow, outcome, count(*) FROM (
    SELECT flow, outcome, row_number() OVER (PARTITION BY run_id ORDER BY id DESC) AS n
    FROM ev WHERE kind = 'outcome'
) WHERE n = 1 GROUP BY flow, outcome
"""

# Where runs that never reached an outcome were left (the state of their last abandon event).
_DROPOFF = """
SELECT flow, state, count(*) FROM (
    SELECT flow, state, row_number() OVER (PARTITION BY run_id ORDER BY id DESC) AS n
    FROM ev WHERE kind = 'abandoned'
      AND run_id NOT IN (SELECT run_id FROM ev WHERE kind = 'outcome')
) WHERE n = 1 GROUP BY flow, state
"""

_STEPS = """
SELECT flow, count(*) FROM ev WHERE kind = 'step'
  AND run_id IN (SELECT run_id FROM ev WHERE kind = 'outcome') GROUP BY flow, run_id
"""


def rounded(n: int) -> int:
    """``n`` rounded to the nearest ``ROUND_TO`` (halves cannot happen: counts are whole)."""
    return ROUND_TO * ((n + ROUND_TO // 2) // ROUND_TO)


def _count(n: int, suppress: bool) -> Count:
    return rounded(n) if suppress else n


def _day_after(day: date | None) -> str:
    """The hour-bucket prefix just past ``day`` ("~" sorts after every bucket)."""
    if day is None or day == date.max:
        return "~"
    return f"{(day + timedelta(days=1)).isoformat()}T00:00Z"


def _median(values: list[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


@dataclass
class _Raw:
    """One flow's unsuppressed numbers."""

    counts: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    dropoff: dict[str, int] = field(default_factory=dict)
    steps: list[int] = field(default_factory=list)


def _collect(conn: sqlite3.Connection) -> dict[str, _Raw]:
    raw: dict[str, _Raw] = {}
    for measure, sql in _QUERIES.items():
        for flow, n in conn.execute(sql):
            raw.setdefault(flow, _Raw()).counts[measure] = n
    for flow, outcome, n in conn.execute(_OUTCOMES):
        raw.setdefault(flow, _Raw()).outcomes[outcome] = n
    for flow, state, n in conn.execute(_DROPOFF):
        raw.setdefault(flow, _Raw()).dropoff[state] = n
    for flow, n in conn.execute(_STEPS):
        raw.setdefault(flow, _Raw()).steps.append(n)
    return raw


def _cells(counts: dict[str, int], suppress: bool) -> dict[str, Count]:
    """Counts by item, sorted; with disclosure control, items that round to 0 are left out
    (listing them would say that 1 or 2 runs were there)."""
    cells = {k: _count(v, suppress) for k, v in sorted(counts.items())}
    return {k: v for k, v in cells.items() if v or not suppress}


def _published(stats: FlowStats) -> bool:
    """True when the row shows anything: an all-zero row would only say "1 or 2 runs"."""
    return any(stats[m] for m in ("started", "completed", "abandoned", "emergency"))


def _flow_stats(flow: str, raw: _Raw, suppress: bool) -> FlowStats:
    started = _count(raw.counts.get("started", 0), suppress)
    completed = _count(raw.counts.get("completed", 0), suppress)
    rate = round(min(completed / started, 1.0), 3) if started else None
    enough = raw.counts.get("completed", 0) >= SUPPRESS_BELOW or not suppress
    return FlowStats(
        flow=flow,
        started=started,
        completed=completed,
        abandoned=_count(raw.counts.get("abandoned", 0), suppress),
        completion_rate=rate,
        median_steps=_median(raw.steps) if enough else None,
        outcomes=_cells(raw.outcomes, suppress),
        dropoff=_cells(raw.dropoff, suppress),
        emergency=_count(raw.counts.get("emergency", 0), suppress),
    )


def build_report(path: Path | str, *, since: date | None = None, until: date | None = None,
                 flow: str | None = None, role: str | None = None, channel: str | None = None,
                 include_training: bool = False, suppress: bool = True, language: str | None = None) -> Report:
    """Per-flow statistics from the database at ``path``.

    Args:
        path: the statistics database.
        since: first day to include (UTC, inclusive), by the hour each run started.
        until: last day to include (UTC, inclusive).
        flow: only this flow id (``"(menu)"`` for Emergency pressed at the menu).
        role: only events from sessions with this self-declared role.
        channel: only events from this channel (``telegram``, ``terminal``).
        include_training: count training-mode runs too (excluded by default).
        language: only runs started in this language (``en``, ``cy``): a run that switches
            language on the way counts, whole, under the language it started in; rows written
            before the language was recorded count as English.
        suppress: round every count to the nearest 5, compute the completion rate from
            the rounded counts, and show a median only when at least 5 runs completed.

    Raises:
        StatsError: no database at ``path``, it is not a statistics database, or
            ``since`` is after ``until``.
    """
    if since and until and since > until:
        raise StatsError(f"--since {since} is after --until {until}; swap them")
    conn = connect_readonly(Path(path))
    try:
        params = {
            "menu": MENU_FLOW,
            "since": f"{since.isoformat()}T00:00Z" if since else "",
            "before": _day_after(until),
            "flow": flow, "role": role, "channel": channel, "training": include_training,
            "language": language,
        }
        columns = {row[1] for row in conn.execute("PRAGMA table_info(events)")}
        old = "language" not in columns  # a database from before issue 15: every run was English
        conn.execute(_FILTERED.format(language="'en'" if old else "language",
                                      event_language="'en'" if old else "e.language"), params)
        raw = _collect(conn)
    except sqlite3.Error as exc:
        raise StatsError(f"cannot read the statistics database at {path}: {exc}") from None
    finally:
        conn.close()
    flows = [_flow_stats(name, raw[name], suppress) for name in sorted(raw)]
    if suppress:
        flows = [f for f in flows if _published(f)]
    return Report(flows=flows, suppressed_below=SUPPRESS_BELOW if suppress else None,
                  rounded_to=ROUND_TO if suppress else None)
