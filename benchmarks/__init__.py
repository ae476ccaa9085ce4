"""Benchmarks for issue #7: engine and end-to-end speed, memory, statistics and start-up.

Run ``python -m benchmarks [--quick] [--json]`` from the repository root. Every ratio
compares two things measured side by side in the same run. See ``docs/benchmarks.md``.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks.core import MODES, TARGETS, BenchmarkError, Context, Results, Target, derive, evaluate
from bot.flows import FlowSet

__all__ = [
    "MEASURES",
    "MODES",
    "TARGETS",
    "BenchmarkError",
    "Context",
    "Results",
    "Target",
    "evaluate",
    "machine",
    "run",
]

Measure = Callable[[Context, FlowSet], Results]


def _engine(ctx: Context, flowset: FlowSet) -> Results:
    from benchmarks.engine_turn import measure_engine

    return measure_engine(ctx, flowset)


def _writer(ctx: Context, flowset: FlowSet) -> Results:
    from benchmarks.recording import measure_writer

    return measure_writer(ctx, flowset)


def _recording(ctx: Context, flowset: FlowSet) -> Results:
    from benchmarks.recording import measure_recording

    return measure_recording(ctx, flowset)


def _memory(ctx: Context, flowset: FlowSet) -> Results:
    from benchmarks.memory import measure_memory

    return measure_memory(ctx, flowset)


def _bot_memory(ctx: Context, flowset: FlowSet) -> Results:
    from benchmarks.e2e import measure_bot_memory

    return measure_bot_memory(ctx, flowset)


def _e2e(ctx: Context, flowset: FlowSet) -> Results:
    from benchmarks.e2e import measure_e2e

    return measure_e2e(ctx, flowset)


def _startup(ctx: Context, flowset: FlowSet) -> Results:
    from benchmarks.startup import measure_startup

    return measure_startup(ctx)


MEASURES: dict[str, tuple[str, list[Measure]]] = {
    "engine": ("engine turn time beside the dict-based floor", [_engine]),
    "e2e": ("end-to-end updates through the real bot beside the ConversationHandler baseline", [_e2e]),
    "memory": ("memory per concurrent session, in the engine and in the bot", [_memory, _bot_memory]),
    "stats": ("statistics writer throughput and the cost of recording a turn", [_writer, _recording]),
    "startup": ("first prompt of the terminal chat, flow loading and imports", [_startup]),
}
"""Measure groups in the order they run: name -> (what it measures, functions)."""


def machine() -> str:
    """One line about the machine and interpreter, for the report."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{cores} cores ({cpu}), Python {platform.python_version()} ({sys.implementation.name}), "
            f"{platform.system()} {platform.release()}")


def run(mode: str, flowset: FlowSet, flows_dir: Path, only: list[str] | None = None,
        log: Callable[[str], None] = print) -> tuple[Results, list[str]]:
    """Run the chosen measure groups; returns the results and one line per group that failed."""
    results: Results = {}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="referral-bench-") as scratch:
        ctx = Context(mode, MODES[mode], flows_dir, Path(scratch), log)
        for name, (what, measures) in MEASURES.items():
            if only and name not in only:
                continue
            log(f"== {name}: {what}")
            started = time.perf_counter()
            for measure in measures:
                try:
                    results.update(measure(ctx, flowset))
                except BenchmarkError as exc:
                    failures.append(f"{name}: {exc}")
                    log(f"  FAILED: {exc}")
                except Exception as exc:  # a bug in the harness or the bot: say where, carry on
                    failures.append(f"{name}: {exc.__class__.__name__}: {exc}")
                    log(f"  FAILED with an unexpected error:\n{traceback.format_exc()}")
            log(f"  ({time.perf_counter() - started:.1f} s)")
    results.update(derive(results))
    return results, failures

