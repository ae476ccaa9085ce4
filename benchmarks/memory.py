"""Measure 3: memory per concurrent session, mid-flow, at the engine level.

``n`` sessions are created and each is moved part-way along its flow's longest path (never
to the outcome), and all are kept alive at once. tracemalloc growth counts Python
allocations; RSS growth is measured in a fresh process without tracemalloc. The full mode
also measures transitions' own "one model per user" pattern for comparison.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tracemalloc
from typing import Any

from benchmarks.core import ROOT, BenchmarkError, Context, Results
from benchmarks.paths import Walk, longest_walks
from bot.engine import Engine, Session
from bot.engine.machine import compile_machine
from bot.flows import FlowSet, load_flows

__all__ = ["NOTES_MACHINE_PER_USER", "NOTES_MODEL_PER_USER", "hold_sessions", "measure_memory", "rss_child"]

NOTES_MODEL_PER_USER = 15 * 1024
"""The notes' figure: transitions with one model per user, about 15 KB each."""
NOTES_MACHINE_PER_USER = 58 * 1024
"""The notes' figure: one transitions machine per user, about 58 KB each."""


def hold_sessions(engine: Engine, walks: list[Walk], count: int) -> list[Session]:
    """``count`` sessions spread over the flows, each 0 to n-1 choices into its walk."""
    sessions = []
    for number in range(count):
        walk = walks[number % len(walks)]
        session = engine.new_session(channel="telegram", role="public")
        engine.start(session, walk.flow)
        for choice in walk.choices[: number % max(1, walk.turns)]:
            engine.choose(session, choice)
        sessions.append(session)
    return sessions


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def rss_child(flows_dir: str, count: int) -> None:
    """In a fresh process: print the RSS growth (bytes) of holding ``count`` sessions, as JSON."""
    flowset = load_flows(flows_dir)
    engine = Engine(flowset)
    walks = longest_walks(flowset)
    hold_sessions(engine, walks, min(count, 500))  # warm every code path and cache
    gc.collect()
    before = _rss_bytes()
    sessions = hold_sessions(engine, walks, count)
    gc.collect()
    after = _rss_bytes()
    print(json.dumps({"rss_growth": after - before, "sessions": len(sessions)}))


def _rss_per_session(ctx: Context, count: int) -> float:
    code = f"from benchmarks.memory import rss_child; rss_child({str(ctx.flows_dir)!r}, {count})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, check=False)
    if done.returncode != 0:
        raise BenchmarkError(f"the RSS measurement process failed: {done.stderr.strip()[-300:]}")
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return float(data["rss_growth"]) / count


def _traced_growth(build: Any) -> tuple[float, Any]:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        held = build()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return float(after - before), held


class _Model:
    """A plain object for transitions to bind a model's triggers to."""


def _model_per_user(flowset: FlowSet, walks: list[Walk], count: int) -> float:
    """Bytes per user when each user is a model attached to the flow's shared machine."""
    machines = {w.flow: compile_machine(flowset.flows[w.flow]) for w in walks}

    def build() -> list[_Model]:
        models = []
        for number in range(count):
            model = _Model()
            machines[walks[number % len(walks)].flow].add_model(model)
            models.append(model)
        return models

    growth, _ = _traced_growth(build)
    return growth / count


def measure_memory(ctx: Context, flowset: FlowSet) -> Results:
    """Bytes per concurrent mid-flow session: tracemalloc growth and RSS growth."""
    count = ctx.sizes.sessions
    engine = Engine(flowset)
    walks = longest_walks(flowset)
    hold_sessions(engine, walks, min(count, 500))
    growth, sessions = _traced_growth(lambda: hold_sessions(engine, walks, count))
    mid_flow = sum(1 for s in sessions if s.flow is not None and not s.finished)
    results: Results = {
        "memory_sessions": count,
        "memory_sessions_mid_flow": mid_flow,
        "memory_per_session_bytes_tracemalloc": round(growth / count),
        "memory_per_session_bytes_rss": round(_rss_per_session(ctx, count)),
        "memory_model_per_user_bytes": None,
        "memory_notes_model_per_user_bytes": NOTES_MODEL_PER_USER,
        "memory_notes_machine_per_user_bytes": NOTES_MACHINE_PER_USER,
    }
    if ctx.sizes.model_per_user:
        ctx.log(f"  transitions with one model per user: attaching {count} models (slow on purpose)")
        results["memory_model_per_user_bytes"] = round(_model_per_user(flowset, walks, count))
    return results

