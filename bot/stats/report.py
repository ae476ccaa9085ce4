"""Reports: per-flow counts from the events table, with small-number suppression.

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

__all__ = ["SUPPRESSED", "SUPPRESS_BELOW", "Count", "FlowStats", "Report", "build_report"]

SUPPRESS_BELOW = 5
SUPPRESSED = "<5"

Count = int | str
"""A count: an int, or ``"<5"`` when it is from 1 to 4 and suppression is on."""


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


_FILTERED = """
CREATE TEMP TABLE ev AS
WITH runs AS (
    SELECT run_id, min(hour) AS first_hour FROM main.events WHERE run_id != '' GROUP BY run_id
)
SELECT e.id, e.kind, coalesce(e.flow, :menu) AS flow, e.state, e.outcome,
       CASE WHEN e.run_id = '' THEN 'event:' || e.id ELSE e.run_id END AS run_id
FROM main.events AS e LEFT JOIN runs AS r ON r.run_id = e.run_id AND e.run_id != ''
WHERE coalesce(r.first_hour, e.hour) >= :since AND coalesce(r.first_hour, e.hour) < :before
  AND (:flow IS NULL OR coalesce(e.flow, :menu) = :flow)
  AND (:role IS NULL OR e.role = :role)
  AND (:channel IS NULL OR e.channel = :channel)
  AND (:training OR e.training = 0)
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


def _count(n: int, suppress: bool) -> Count:
    return SUPPRESSED if suppress and 0 < n < SUPPRESS_BELOW else n


def _hidden(n: int, suppress: bool) -> bool:
    return suppress and 0 < n < SUPPRESS_BELOW


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


def _flow_stats(flow: str, raw: _Raw, suppress: bool) -> FlowStats:
    started, completed = raw.counts.get("started", 0), raw.counts.get("completed", 0)
    rate = None
    if started and not (_hidden(started, suppress) or _hidden(completed, suppress)):
        rate = round(completed / started, 3)
    return FlowStats(
        flow=flow,
        started=_count(started, suppress),
        completed=_count(completed, suppress),
        abandoned=_count(raw.counts.get("abandoned", 0), suppress),
        completion_rate=rate,
        median_steps=None if _hidden(completed, suppress) else _median(raw.steps),
        outcomes={k: _count(v, suppress) for k, v in sorted(raw.outcomes.items())},
        dropoff={k: _count(v, suppress) for k, v in sorted(raw.dropoff.items())},
        emergency=_count(raw.counts.get("emergency", 0), suppress),
    )


def build_report(path: Path | str, *, since: date | None = None, until: date | None = None,
                 flow: str | None = None, role: str | None = None, channel: str | None = None,
                 include_training: bool = False, suppress: bool = True) -> Report:
    """Per-flow statistics from the database at ``path``.

    Args:
        path: the statistics database.
        since: first day to include (UTC, inclusive), by the hour each run started.
        until: last day to include (UTC, inclusive).
        flow: only this flow id (``"(menu)"`` for Emergency pressed at the menu).
        role: only events from sessions with this self-declared role.
        channel: only events from this channel (``telegram``, ``terminal``).
        include_training: count training-mode runs too (excluded by default).
        suppress: show counts from 1 to 4 as ``"<5"``, and hide the completion rate and
            median steps when the counts they come from are hidden.

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
        }
        conn.execute(_FILTERED, params)
        raw = _collect(conn)
    except sqlite3.Error as exc:
        raise StatsError(f"cannot read the statistics database at {path}: {exc}") from None
    finally:
        conn.close()
    flows = [_flow_stats(name, raw[name], suppress) for name in sorted(raw)]
    return Report(flows=flows, suppressed_below=SUPPRESS_BELOW if suppress else None)
