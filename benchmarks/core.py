"""What every measure shares: run sizes, timing summaries, targets and the result record."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "MODES",
    "ROOT",
    "TARGETS",
    "BenchmarkError",
    "Context",
    "Results",
    "Sizes",
    "Target",
    "derive",
    "evaluate",
    "mean",
    "median",
    "percentile",
]

ROOT = Path(__file__).resolve().parents[1]

Results = dict[str, float | int | bool | str | None]
"""Flat results: a stable snake_case name to a number, a flag, or None when not measured."""


class BenchmarkError(RuntimeError):
    """The harness cannot measure something; the message says what is wrong and how to fix it."""


@dataclass(frozen=True, slots=True)
class Sizes:
    """How much work each measure does in one mode."""

    engine_walks: int
    """Walks of each flow's longest path, for the engine and for the floor."""
    recording_walks: int
    """Walks of each longest path, with and without the statistics recorder."""
    stats_events: int
    """Events pushed through the statistics writer."""
    sessions: int
    """Concurrent sessions held in memory."""
    model_per_user: bool
    """Also measure transitions with one model per user (slow: O(n^2) attach)."""
    startup_runs: int
    """Runs of each start-up measure (the median is reported)."""
    e2e_updates: int
    """Timed callback-query updates through each bot."""
    bot_chats: int
    """Distinct chats held by the real bot for its memory per chat."""


MODES: dict[str, Sizes] = {
    "full": Sizes(engine_walks=4000, recording_walks=4000, stats_events=100_000, sessions=10_000,
                  model_per_user=True, startup_runs=10, e2e_updates=20_000, bot_chats=10_000),
    "quick": Sizes(engine_walks=600, recording_walks=800, stats_events=20_000, sessions=10_000,
                   model_per_user=False, startup_runs=3, e2e_updates=3_000, bot_chats=400),
    "tiny": Sizes(engine_walks=40, recording_walks=40, stats_events=2_000, sessions=1_000,
                  model_per_user=False, startup_runs=1, e2e_updates=150, bot_chats=40),
}


@dataclass(frozen=True, slots=True)
class Context:
    """What a measure is given: the mode's sizes, the flows folder and a scratch folder."""

    mode: str
    sizes: Sizes
    flows_dir: Path
    scratch: Path
    log: Callable[[str], None] = field(default=print)


@dataclass(frozen=True, slots=True)
class Target:
    """A target from issue #7: ``result op limit`` must hold."""

    result: str
    op: str
    limit: float | bool
    text: str

    def met(self, value: Any) -> bool | None:
        """True or False, or None when the result was not measured."""
        if value is None:
            return None
        if self.op == "<":
            return bool(value < self.limit)
        if self.op == "<=":
            return bool(value <= self.limit)
        if self.op == ">=":
            return bool(value >= self.limit)
        return bool(value == self.limit)

    def as_json(self, value: Any) -> dict[str, Any]:
        """The target, the measured value and whether it was met, for ``--json``."""
        return {"op": self.op, "limit": self.limit, "text": self.text, "value": value, "met": self.met(value)}


TARGETS: tuple[Target, ...] = (
    Target("e2e_vs_baseline", ">=", 0.8, "updates/s at least 0.8x the ConversationHandler baseline"),
    Target("e2e_p99_ms", "<", 2.0, "p99 per update under 2 ms"),
    Target("engine_turn_median_us", "<", 50.0, "engine turn median under 50 µs"),
    Target("memory_per_session_bytes_tracemalloc", "<=", 2048, "memory per session 2 KB or less"),
    Target("memory_per_session_bytes_rss", "<=", 2048, "memory per session 2 KB or less"),
    Target("recording_e2e_overhead_pct", "<", 1.0, "recording adds under 1% to an end-to-end update"),
    Target("stats_events_per_s", ">=", 5000, "statistics writer at least 5,000 events/s"),
    Target("chat_first_prompt_s", "<", 0.5, "first prompt of the terminal chat under 0.5 s"),
    Target("load_validate_ms", "<", 200.0, "load and validate all flows under 200 ms"),
    Target("terminal_imports_telegram", "==", False, "the terminal path does not import telegram"),
)


def derive(results: Results) -> Results:
    """Results computed from other results: what recording costs an end-to-end update.

    The recorder's cost per engine turn (measured beside an unrecorded engine) against the
    mean time of one end-to-end update (one button press, one turn). None when either
    measure did not run.
    """
    cost, rate = results.get("recording_cost_us_per_turn"), results.get("e2e_updates_per_s")
    if not isinstance(cost, int | float) or not isinstance(rate, int | float) or not rate:
        return {"recording_e2e_overhead_pct": None}
    return {"recording_e2e_overhead_pct": round(cost / (1e6 / rate) * 100, 2)}


def evaluate(results: Results) -> tuple[bool, dict[str, dict[str, Any]]]:
    """Whether every target was measured and met, and each target as JSON."""
    targets = {t.result: t.as_json(results.get(t.result)) for t in TARGETS}
    return all(t["met"] is True for t in targets.values()), targets


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0.99 for p99) of unsorted samples."""
    if not samples:
        raise BenchmarkError("no samples were taken; run with a larger mode.")
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return float(ordered[rank - 1])


def median(samples: Sequence[float]) -> float:
    """The median of the samples."""
    if not samples:
        raise BenchmarkError("no samples were taken; run with a larger mode.")
    return float(statistics.median(samples))


def mean(samples: Sequence[float]) -> float:
    """The arithmetic mean of the samples."""
    if not samples:
        raise BenchmarkError("no samples were taken; run with a larger mode.")
    return float(statistics.fmean(samples))
