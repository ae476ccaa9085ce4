"""Load: 50 updates a second from 500 users, held for 10 s (60 s with ``RELIABILITY_FULL=1``).

The real bot process serves users of the fake Bot API on 127.0.0.1. Every user first opens
the bot once (a warm-up, so the measured run is steady state); then an open-loop schedule
sends one update every 20 ms from a randomly chosen user who is not waiting for an answer
(their next action chosen from what they see, as in ``driver.py``). Each reply is checked
(stored step and live keyboard) and timed from the moment the update was queued at the fake
server until the user's chat shows the answer. The test reports the p50/p99/max reply time
and the bot's resident memory (RSS) at 20 % and at 100 % of the run; memory must stay flat
(it may grow by at most 4 MiB) and the p99 stay under one second.

Outgoing messages are not rate-limited here (``REFERRAL_BOT_MAX_RATE=0``): Telegram's own
limit of about 30 messages a second would otherwise be the bottleneck, not the bot.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

from botapi import FakeBotApi

from bot.engine import Engine
from bot.flows import FlowSet
from tests.reliability.botproc import BotProcess
from tests.reliability.conftest import FULL
from tests.reliability.driver import Driver
from tests.reliability.statsdb import check_stats_db

USERS = 500
RATE = 50.0
SECONDS = 60.0 if FULL else 10.0
P99_LIMIT = 1.0
GROWTH_KIB = 4096


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def test_fifty_updates_a_second_from_five_hundred_users(
        server: FakeBotApi, flows: tuple[Path, FlowSet], tmp_path: Path) -> None:
    bot = BotProcess(server, tmp_path, flows=flows[0]).start()
    users = [server.user(20_000 + n, first_name=f"Load{n}") for n in range(USERS)]
    driver = Driver(server, bot, Engine(flows[1]), users, seed=11)
    for user in users:  # warm-up: everyone has opened the bot once
        driver.push(user)
    for user in users:
        driver.wait(user, timeout=60)
    driver.latencies.clear()

    rng = random.Random(13)
    interval = 1.0 / RATE
    began = time.monotonic()
    sent = 0
    rss: dict[str, int] = {}
    while True:
        now = time.monotonic()
        if now - began >= SECONDS:
            break
        due = int((now - began) / interval) + 1
        while sent < due:
            idle = [u for u in (rng.choice(users) for _ in range(20)) if u.user_id not in driver.pending]
            assert idle, "every sampled user is still waiting: the bot has fallen behind"
            driver.push(idle[0])
            sent += 1
        driver.poll([u for u in users if u.user_id in driver.pending])
        if "20%" not in rss and now - began >= 0.2 * SECONDS:
            rss["20%"] = bot.rss_kib()
        time.sleep(0.002)
    held = time.monotonic() - began
    rss["100%"] = bot.rss_kib()
    drain = time.monotonic() + 30
    while driver.pending:
        driver.poll([u for u in users if u.user_id in driver.pending])
        assert time.monotonic() < drain, f"{len(driver.pending)} updates never answered"
        time.sleep(0.002)

    assert bot.stop() == 0
    log = bot.log()
    assert "Traceback" not in log
    assert "error handling update" not in log
    assert not server.violations
    check_stats_db(bot.stats_db)
    latencies = driver.latencies
    assert len(latencies) == sent
    rate = sent / held
    p50, p99, worst = statistics.median(latencies), percentile(latencies, 0.99), max(latencies)
    growth = rss["100%"] - rss["20%"]
    print(f"load: {sent} updates from {USERS} users in {held:.1f} s ({rate:.1f}/s); reply time "
          f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {worst * 1000:.0f} ms; RSS "
          f"{rss['20%'] / 1024:.1f} MiB at 20 %, {rss['100%'] / 1024:.1f} MiB at 100 % ({growth:+d} KiB)")
    assert rate >= 0.95 * RATE
    assert p99 < P99_LIMIT
    assert growth <= GROWTH_KIB, f"memory grew by {growth} KiB"
