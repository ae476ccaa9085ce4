"""Measure 2 (and 3b): whole updates through the real bot, beside a plain PTB baseline.

Both bots get the same stream of callback-query updates from many private chats (each chat
walks ``report_concern``'s longest path, then presses Start again and walks it again) on
their own in-process fake Bot API, in alternating chunks. Only ``Application.process_update``
is timed. The real bot runs exactly as ``referral-bot run`` builds it: engine, SQLite
session store and statistics recorder on real files, the rate limiter (with no rate cap,
since 30 messages/s would be all we measured). Logging is left unconfigured in both.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from benchmarks.baseline import build_baseline
from benchmarks.core import BenchmarkError, Context, Results, mean, median, percentile
from benchmarks.fakeapi import FakeRequest, callback_update, command_update
from benchmarks.paths import Walk, longest_walk
from bot.channels.telegram import Config, build_application, make_services
from bot.channels.telegram.chats import Services
from bot.channels.telegram.limits import answer_callback, flow_callback
from bot.flows import FlowSet

__all__ = ["CHUNKS", "FLOW", "Bot", "measure_bot_memory", "measure_e2e"]

FLOW = "report_concern"
CHUNKS = 6
TOKEN = "123456789:" + "B" * 35
RESTART = "n:restart"
WARM_CHATS = 50
TELEGRAM_RATE = 30.0
"""About how many messages a second Telegram accepts from one bot."""


class _ErrorCount(logging.Handler):
    """Counts ERROR records (PTB logs unhandled handler errors; our error handler logs too)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first = ""

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        self.first = self.first or f"{record.name}: {record.getMessage()}"[:300]


@dataclass
class Bot:
    """One bot under test, its fake Bot API, and where each of its chats is."""

    name: str
    app: Any
    fake: FakeRequest
    setup: list[Callable[[int], dict[str, Any]]]
    sequence: Callable[[int], str]
    position: dict[int, int] = field(default_factory=dict)
    samples: list[int] = field(default_factory=list)
    timed_calls: int = 0
    services: Services | None = None

    async def process(self, data: dict[str, Any]) -> int:
        """Process one update; its time in ns."""
        update = Update.de_json(data, self.app.bot)
        started = time.perf_counter_ns()
        await self.app.process_update(update)
        return time.perf_counter_ns() - started

    async def open_chat(self, chat_id: int) -> None:
        """The untimed set-up of a chat: /start (and the role, for the real bot)."""
        for make in self.setup:
            await self.process(make(chat_id))
        self.position[chat_id] = 0

    async def press_next(self, chat_id: int, timed: bool = True) -> None:
        """Press the chat's next button (it must be on the bot's last message)."""
        step = self.position[chat_id]
        data = callback_update(chat_id, self.fake.last[chat_id], self.sequence(step))
        calls = self.fake.total
        elapsed = await self.process(data)
        self.position[chat_id] = step + 1
        if timed:
            self.samples.append(elapsed)
            self.timed_calls += self.fake.total - calls


def _sequence(walk: Walk) -> Callable[[int], str]:
    """The n-th press of a chat: open the flow, walk it, then Start again and walk it again."""
    first = [flow_callback(walk.flow), *(answer_callback(s, o) for s, o in walk.presses)]
    cycle = [RESTART, *first[1:]]
    return lambda n: first[n] if n < len(first) else cycle[(n - len(first)) % len(cycle)]


def _real_bot(ctx: Context, flowset: FlowSet, walk: Walk, tag: str) -> Bot:
    config = Config(token=TOKEN, stats_db=ctx.scratch / f"{tag}-stats.db",
                    sessions_db=ctx.scratch / f"{tag}-sessions.db", max_rate=0.0)
    services = make_services(config, flowset)
    fake = FakeRequest()
    app = build_application(config, services, updater=False, request=fake)

    def role(chat_id: int) -> dict[str, Any]:
        return callback_update(chat_id, fake.last[chat_id], "r:public")

    return Bot("real", app, fake, [lambda c: command_update(c, "start"), role], _sequence(walk), services=services)


def _baseline_bot(ctx: Context, walk: Walk) -> Bot:
    fake = FakeRequest()
    app = build_baseline(ctx.flows_dir, walk.flow, fake, TOKEN)
    return Bot("baseline", app, fake, [lambda c: command_update(c, "start")], _sequence(walk))


def _close(bot: Bot) -> None:
    if bot.services is not None:
        close = getattr(bot.services.recorder, "close", None)
        if callable(close):
            close()
        bot.services.store.close()


async def _same_messages(real: Bot, baseline: Bot, walk: Walk, chat_id: int) -> bool:
    """Walk one chat through both bots; True when every step's message and buttons match."""
    for bot in (real, baseline):
        bot.fake.keep_sent = True
        await bot.open_chat(chat_id)
        before = len(bot.fake.sent)
        for _ in range(walk.turns + 2):
            await bot.press_next(chat_id, timed=False)
        bot.fake.keep_sent = False
        bot.fake.sent[:] = bot.fake.sent[before:]
    return real.fake.sent == baseline.fake.sent


async def _run_e2e(ctx: Context, flowset: FlowSet, walk: Walk) -> tuple[Bot, Bot, bool]:
    real, baseline = _real_bot(ctx, flowset, walk, "e2e"), _baseline_bot(ctx, walk)
    chats = list(range(5_000_001, 5_000_001 + max(10, min(200, ctx.sizes.e2e_updates // 20))))
    try:
        async with real.app, baseline.app:
            same = await _same_messages(real, baseline, walk, 4_999_999)
            for bot in (real, baseline):
                for chat_id in chats:
                    await bot.open_chat(chat_id)
                for chat_id in chats * 2:  # warm-up
                    await bot.press_next(chat_id, timed=False)
            per_chunk = max(1, ctx.sizes.e2e_updates // CHUNKS)
            for chunk in range(CHUNKS):
                for bot in (real, baseline) if chunk % 2 == 0 else (baseline, real):
                    done = 0
                    while done < per_chunk:
                        for chat_id in chats[: per_chunk - done]:
                            await bot.press_next(chat_id)
                            done += 1
                assert real.services is not None
                flush = getattr(real.services.recorder, "flush", None)
                if callable(flush):
                    flush()
    finally:
        _close(real)
    return real, baseline, same


def _events_in(path: Any) -> int:
    with sqlite3.connect(str(path)) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def measure_e2e(ctx: Context, flowset: FlowSet) -> Results:
    """Updates/s, p50 and p99 (ms) through the real bot and the baseline, and their ratio."""
    if FLOW not in flowset.flows:
        raise BenchmarkError(f"the end-to-end measure walks the '{FLOW}' flow, which is not in {ctx.flows_dir}.")
    walk = longest_walk(flowset.flows[FLOW], avoid_remembered=True)
    errors = _ErrorCount()
    logging.getLogger().addHandler(errors)
    try:
        real, baseline, same = asyncio.run(_run_e2e(ctx, flowset, walk))
    finally:
        logging.getLogger().removeHandler(errors)
    if errors.count:
        raise BenchmarkError(f"{errors.count} update(s) failed while measuring; the first: {errors.first}")
    if not same:
        ctx.log("  WARNING: the baseline's messages differ from the real bot's; the ratio compares unlike bots. "
                "Bring benchmarks/baseline.py in line with bot/channels/telegram/render.py.")
    results: Results = {"baseline_same_messages": same}
    for bot, prefix in ((real, "e2e"), (baseline, "baseline")):
        ms = [ns / 1e6 for ns in bot.samples]
        results[f"{prefix}_updates_per_s"] = round(1000 / mean(ms))
        results[f"{prefix}_p50_ms"] = round(median(ms), 3)
        results[f"{prefix}_p99_ms"] = round(percentile(ms, 0.99), 3)
        results[f"{prefix}_calls_per_update"] = round(bot.timed_calls / len(bot.samples), 2)
    results["e2e_updates"] = len(real.samples)
    results["e2e_vs_baseline"] = round(mean(baseline.samples) / mean(real.samples), 2)
    results["e2e_events_recorded"] = _events_in(ctx.scratch / "e2e-stats.db")
    # Telegram lets a bot send about 30 messages a second; each press here sends one message.
    results["e2e_headroom_vs_telegram_limit"] = round(float(results["e2e_updates_per_s"] or 0) / TELEGRAM_RATE, 1)
    return results


async def _hold_chats(bot: Bot, chats: range) -> None:
    for chat_id in chats:
        await bot.open_chat(chat_id)
        await bot.press_next(chat_id, timed=False)  # one tap: into the flow
        bot.fake.last.pop(chat_id)  # the fake's memory is not the bot's
        bot.position.pop(chat_id)


async def _bot_memory(bot: Bot, count: int) -> float:
    async with bot.app:
        await _hold_chats(bot, range(9_000_001, 9_000_001 + WARM_CHATS))  # warm every path
        flush = getattr(bot.services.recorder, "flush", None) if bot.services else None
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            await _hold_chats(bot, range(8_000_001, 8_000_001 + count))
            if callable(flush):
                flush()
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    _close(bot)
    return (after - before) / count


def measure_bot_memory(ctx: Context, flowset: FlowSet) -> Results:
    """Memory each bot keeps per chat, with ``n`` chats each one tap into the flow."""
    if FLOW not in flowset.flows:
        raise BenchmarkError(f"the end-to-end measure walks the '{FLOW}' flow, which is not in {ctx.flows_dir}.")
    walk = longest_walk(flowset.flows[FLOW], avoid_remembered=True)
    count = ctx.sizes.bot_chats
    real = asyncio.run(_bot_memory(_real_bot(ctx, flowset, walk, "memory"), count))
    baseline = asyncio.run(_bot_memory(_baseline_bot(ctx, walk), count))
    disk = sum(p.stat().st_size for p in ctx.scratch.glob("memory-sessions.db*"))
    return {
        "memory_bot_chats": count,
        "memory_per_chat_bytes_bot": round(real),
        "memory_per_chat_bytes_baseline": round(baseline),
        "sessions_db_bytes_per_chat": round(disk / (count + WARM_CHATS)),
    }
