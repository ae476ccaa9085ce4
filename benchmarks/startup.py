"""Measure 5: start-up. First prompt of ``referral-bot chat --json``, flow loading, imports.

The first prompt and the imports are timed in fresh processes, as a user meets them; one
untimed run goes first so that every timed run finds the same warm file cache.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.core import ROOT, BenchmarkError, Context, Results, median
from bot.flows import load_catalogue

__all__ = ["IMPORT_PROBE", "PROMPT_TIMEOUT", "chat_command", "measure_startup"]

PROMPT_TIMEOUT = 30.0
"""Seconds to wait for the chat's first line before giving up."""

IMPORT_PROBE = """
import io, json, sys, time
started = time.perf_counter()
import bot.cli.chat
imported = time.perf_counter() - started
after_import = "telegram" in sys.modules
from bot.cli import cli
sys.stdin = io.StringIO("")
sys.stdout = io.StringIO()
try:
    cli.main(["chat", "--json"], prog_name="referral-bot", standalone_mode=False)
finally:
    chatted = sys.stdout.getvalue()
    sys.stdout = sys.__stdout__
print(json.dumps({"import_s": imported, "telegram_after_import": after_import,
                  "telegram_after_chat": "telegram" in sys.modules, "chat_lines": len(chatted.splitlines())}))
"""
"""Imports the terminal path, then runs the chat to end of input, and reports what was loaded."""


def chat_command() -> list[str]:
    """The installed ``referral-bot`` script beside this Python, or ``python -m bot``."""
    script = Path(sys.executable).with_name("referral-bot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def _env(ctx: Context) -> dict[str, str]:
    env = {**os.environ, "REFERRAL_BOT_DB": str(ctx.scratch / "startup.db"),
           "REFERRAL_BOT_FLOWS": str(ctx.flows_dir), "PYTHONIOENCODING": "utf-8"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return env


def _first_prompt(ctx: Context) -> float:
    """Seconds from starting the process to its first JSON line; the line is checked."""
    started = time.perf_counter()
    proc = subprocess.Popen([*chat_command(), "chat", "--json"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env(ctx), cwd=ROOT, text=True, encoding="utf-8")
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], PROMPT_TIMEOUT)
    if not ready:
        proc.kill()
        proc.communicate()
        raise BenchmarkError(f"'referral-bot chat --json' showed nothing within {PROMPT_TIMEOUT:.0f} s; "
                             "run it by hand to see why.")
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - started
    _, err = proc.communicate("", timeout=60)
    try:
        turn: Any = json.loads(line)
        ok = isinstance(turn, dict) and turn.get("state") == "menu" and bool(turn.get("options"))
    except json.JSONDecodeError:
        ok = False
    if proc.returncode != 0 or not ok:
        raise BenchmarkError(f"'referral-bot chat --json' did not show the menu first (exit {proc.returncode}): "
                             f"{(err or line).strip()[:300]}")
    return elapsed


def _import_probe(ctx: Context) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, env=_env(ctx),
                          cwd=ROOT, timeout=60, check=False)
    if done.returncode != 0:
        raise BenchmarkError(f"importing and running the terminal chat failed: {done.stderr.strip()[-300:]}")
    probe: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return probe


def measure_startup(ctx: Context) -> Results:
    """First prompt (s), load and validation of all flows (ms), terminal import (ms)."""
    runs = ctx.sizes.startup_runs
    _first_prompt(ctx)
    prompts = [_first_prompt(ctx) for _ in range(runs)]
    load_catalogue(ctx.flows_dir)
    loads = []
    for _ in range(max(3, runs * 2)):  # every language, as every channel loads them (issue 15)
        started = time.perf_counter()
        flowset = load_catalogue(ctx.flows_dir).base
        loads.append(time.perf_counter() - started)
    _import_probe(ctx)
    probes = [_import_probe(ctx) for _ in range(runs)]
    imports_telegram = any(p["telegram_after_import"] or p["telegram_after_chat"] for p in probes)
    if not all(p["chat_lines"] >= 1 for p in probes):
        raise BenchmarkError("the terminal chat printed nothing when run in-process; check 'referral-bot chat --json'.")
    return {
        "chat_first_prompt_s": round(median(prompts), 3),
        "load_validate_ms": round(median(loads) * 1000, 1),
        "load_validate_flows": len(flowset.flows),
        "terminal_import_ms": round(median([p["import_s"] for p in probes]) * 1000, 1),
        "terminal_imports_telegram": imports_telegram,
    }
