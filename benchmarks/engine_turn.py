"""Measure 1: engine turn time along each flow's longest path, beside the dict-based floor.

Each sample is one ``Engine.choose`` call, from the choice to the rendered :class:`Turn`.
The engine and the floor walk the same paths in alternating chunks, so both see the same
machine state (caches, clock speed, other load).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from benchmarks.core import Context, Results, mean, median, percentile
from benchmarks.floor import FloorSession, Table, check_equivalent, compile_floor, floor_choose, floor_start
from benchmarks.paths import Walk, longest_walks
from bot.engine import Engine, Session
from bot.flows import FlowSet

__all__ = ["CHUNKS", "engine_walk", "floor_walk", "measure_engine", "walk_summary"]

CHUNKS = 8
"""Engine and floor take turns this many times, so that drift affects both alike."""


def engine_walk(engine: Engine, session: Session, walk: Walk, out: list[int]) -> None:
    """Start the walk's flow, then time every ``choose`` (ns) into ``out``.

    Remembered answers (#13) are forgotten first, so every walk asks what the floor asks.
    """
    session.facts.clear()
    engine.start(session, walk.flow)
    choose = engine.choose
    clock = time.perf_counter_ns
    for choice in walk.choices:
        started = clock()
        choose(session, choice)
        out.append(clock() - started)


def floor_walk(table: Table, start: str, session: FloorSession, walk: Walk, out: list[int]) -> None:
    """The same walk through the floor."""
    floor_start(table, session, start)
    clock = time.perf_counter_ns
    for choice in walk.choices:
        started = clock()
        floor_choose(table, session, choice)
        out.append(clock() - started)


def walk_summary(walks: list[Walk]) -> str:
    """``flow (n turns)`` for each walk, for the report."""
    return ", ".join(f"{w.flow} ({w.turns} turns, {len(w.states)} states)" for w in walks)


def _interleave(rounds: int, runners: list[Callable[[], None]]) -> None:
    for chunk in range(CHUNKS):
        order = runners if chunk % 2 == 0 else runners[::-1]
        for run in order:
            for _ in range(max(1, rounds // CHUNKS)):
                run()


def measure_engine(ctx: Context, flowset: FlowSet) -> Results:
    """Engine and floor turn times (µs) along the longest path of every flow."""
    engine = Engine(flowset)
    walks = longest_walks(flowset)
    tables = {w.flow: compile_floor(engine, flowset.flows[w.flow]) for w in walks}
    for walk in walks:
        check_equivalent(engine, flowset.flows[walk.flow], tables[walk.flow], walk.choices)
    ctx.log(f"  longest paths: {walk_summary(walks)}")
    session = engine.new_session(channel="benchmark")
    floor = FloorSession()
    ours: list[int] = []
    theirs: list[int] = []

    def run_engine() -> None:
        for walk in walks:
            engine_walk(engine, session, walk, ours)

    def run_floor() -> None:
        for walk in walks:
            floor_walk(tables[walk.flow], flowset.flows[walk.flow].start, floor, walk, theirs)

    _interleave(max(CHUNKS, ctx.sizes.engine_walks // 10), [run_engine, run_floor])  # warm-up
    ours.clear()
    theirs.clear()
    _interleave(ctx.sizes.engine_walks, [run_engine, run_floor])
    engine_us = [ns / 1000 for ns in ours]
    floor_us = [ns / 1000 for ns in theirs]
    return {
        "engine_turn_median_us": round(median(engine_us), 2),
        "engine_turn_p99_us": round(percentile(engine_us, 0.99), 2),
        "engine_turn_mean_us": round(mean(engine_us), 2),
        "engine_turn_samples": len(engine_us),
        "engine_floor_median_us": round(median(floor_us), 2),
        "engine_floor_p99_us": round(percentile(floor_us, 0.99), 2),
        "engine_ratio": round(median(engine_us) / median(floor_us), 1),
        "engine_flows": len(walks),
        "engine_longest_path_turns": max(w.turns for w in walks),
    }
