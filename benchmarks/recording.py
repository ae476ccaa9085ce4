"""Measure 4: the statistics writer's throughput, and what recording adds to a turn.

The writer: real engine events are queued on a real :class:`bot.stats.Recorder` and timed
until ``flush()`` returns, then the rows are counted in the SQLite file. The cost per turn:
two engines, one with the recorder as a listener and one without, walk the same longest
paths in alternating chunks; the queue is flushed (untimed) between chunks, as real traffic
(at most ~30 messages a second) never lets it fill.
"""

from __future__ import annotations

import itertools
import sqlite3
import time

from benchmarks.core import BenchmarkError, Context, Results, mean, median
from benchmarks.engine_turn import engine_walk
from benchmarks.paths import longest_walks
from bot.engine import Engine, FlowEvent, Session
from bot.flows import FlowSet
from bot.stats import EVENTS_TABLE, Recorder

__all__ = ["BATCH", "measure_recording", "measure_writer", "sample_events"]

BATCH = 40
"""Walks of each longest path per batch; the queue is flushed (untimed) between batches."""


def sample_events(flowset: FlowSet) -> list[FlowEvent]:
    """The events real walks of every flow's longest path produce."""
    events: list[FlowEvent] = []
    engine = Engine(flowset, listeners=[events.append])
    session = engine.new_session(channel="telegram", role="public")
    for walk in longest_walks(flowset):
        engine_walk(engine, session, walk, [])
    engine.menu(session)
    return events


def _count_rows(path: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {EVENTS_TABLE}").fetchone()[0])


def measure_writer(ctx: Context, flowset: FlowSet) -> Results:
    """Events per second from the first enqueue until ``flush()`` returns, rows verified."""
    total = ctx.sizes.stats_events
    events = list(itertools.islice(itertools.cycle(sample_events(flowset)), total))
    path = ctx.scratch / "stats-writer.db"
    # The default queue (10,000) is sized for live traffic; a burst of `total` events needs room.
    recorder = Recorder(path, max_queue=total + 1)
    try:
        if not recorder.flush(timeout=30):  # the database is created and migrated before timing
            raise BenchmarkError(f"the statistics recorder could not open {path}; check the folder is writable.")
        started = time.perf_counter()
        for event in events:
            recorder(event)
        flushed = recorder.flush(timeout=300)
        elapsed = time.perf_counter() - started
    finally:
        recorder.close()
    written = _count_rows(str(path))
    if not flushed or written != total or recorder.dropped:
        raise BenchmarkError(f"the statistics writer wrote {written} of {total} events "
                             f"({recorder.dropped} dropped); see the log above for the cause.")
    size = sum(p.stat().st_size for p in ctx.scratch.glob("stats-writer.db*"))
    return {"stats_events_per_s": round(total / elapsed), "stats_events": total,
            "stats_db_bytes_per_event": round(size / total)}


def measure_recording(ctx: Context, flowset: FlowSet) -> Results:
    """Median and mean turn time with and without a Recorder listener, and the difference (%)."""
    walks = longest_walks(flowset)
    path = ctx.scratch / "stats-overhead.db"
    recorder = Recorder(path)
    plain = Engine(flowset)
    recorded = Engine(flowset, listeners=[recorder])
    plain_session = plain.new_session(channel="telegram", role="public")
    recorded_session = recorded.new_session(channel="telegram", role="public")
    without: list[int] = []
    with_recorder: list[int] = []
    # Batches small enough that the default queue (10,000 events) never fills between flushes.
    batches = max(2, -(-ctx.sizes.recording_walks // BATCH))

    def run(engine: Engine, session: Session, out: list[int]) -> None:
        for _ in range(min(BATCH, ctx.sizes.recording_walks)):
            for walk in walks:
                engine_walk(engine, session, walk, out)

    try:
        recorder.flush(timeout=30)
        for batch in range(-2, batches):  # two warm-up batches first
            if batch == 0:
                without.clear()
                with_recorder.clear()
            pairs = [(plain, plain_session, without), (recorded, recorded_session, with_recorder)]
            for engine, session, out in pairs if batch % 2 == 0 else pairs[::-1]:
                run(engine, session, out)
            recorder.flush(timeout=60)
    finally:
        recorder.close()
    if recorder.dropped:
        raise BenchmarkError(f"the recorder dropped {recorder.dropped} events while measuring its cost.")
    base, rec = median(without), median(with_recorder)
    return {
        "recording_overhead_pct": round((rec - base) / base * 100, 1),
        "recording_overhead_mean_pct": round((mean(with_recorder) - mean(without)) / mean(without) * 100, 1),
        "recording_cost_us_per_turn": round((rec - base) / 1000, 2),
        "engine_turn_recorded_median_us": round(rec / 1000, 2),
        "engine_turn_unrecorded_median_us": round(base / 1000, 2),
    }
