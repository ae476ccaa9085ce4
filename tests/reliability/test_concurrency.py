"""Concurrency: 200 users interleaved on one bot see exactly what each would see alone.

Each of 200 users makes five choices (``/start``, a role, a guide, then answers; now and
then a typed number or ``/back``), chosen from what they see by a random generator seeded
with their id. First every user runs alone, one after the other, on a fresh bot; then all
200 run at once on another fresh bot, each sending their next action as soon as the
previous one is answered, so the bot always has many chats' updates waiting, interleaved.
Every user's transcript (each visible message with its edits and buttons, and the answers to
their button presses) and stored place must be identical in the two runs, and after every
single action the stored session and the live keyboard must show the expected step.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

from botapi import FakeBotApi

from bot.engine import Engine
from bot.flows import FlowSet
from tests.reliability.botproc import TOKEN, BotProcess, ForkServer, stored_session
from tests.reliability.driver import Driver
from tests.reliability.statsdb import check_stats_db
from tests.reliability.views import place

USERS = 200
ACTIONS = 5


def run(folder: Path, flows: tuple[Path, FlowSet], forks: ForkServer, *, together: bool) -> dict[str, Any]:
    with FakeBotApi(token=TOKEN) as server:
        bot = BotProcess(server, folder, forks=forks, flows=flows[0]).start()
        users = [server.user(8000 + n, first_name=f"User{n}") for n in range(USERS)]
        driver = Driver(server, bot, Engine(flows[1]), users, seed=3)
        began = time.monotonic()
        most_waiting = 0
        if together:
            order = random.Random(7)
            waiting = list(users)
            order.shuffle(waiting)
            for user in waiting:
                driver.push(user)
            deadline = time.monotonic() + 120
            while driver.pending:
                most_waiting = max(most_waiting, len(driver.pending))
                for user in driver.poll(list(waiting)):
                    if driver.done[user.user_id] < ACTIONS:
                        driver.push(user)
                assert time.monotonic() < deadline, f"{len(driver.pending)} users still waiting"
                time.sleep(0.01)
        else:
            for user in users:
                for _ in range(ACTIONS):
                    driver.push(user)
                    driver.wait(user)
        elapsed = time.monotonic() - began
        assert bot.stop() == 0
        rows = check_stats_db(bot.stats_db)
        log = bot.log()
        assert "Traceback" not in log
        assert "error handling update" not in log
        assert not server.violations
        assert set(server.delivered.values()) == {1}
        return {
            "transcripts": {u.user_id: driver.transcript(u) for u in users},
            "places": {u.user_id: place(stored_session(bot, u.chat_id)) for u in users},
            "updates": sum(driver.done.values()),
            "events": len(rows),
            "elapsed": elapsed,
            "most_waiting": most_waiting,
        }


def test_two_hundred_interleaved_users_each_see_what_they_would_alone(
        flows: tuple[Path, FlowSet], forks: ForkServer, tmp_path: Path) -> None:
    alone = run(tmp_path / "alone", flows, forks, together=False)
    together = run(tmp_path / "together", flows, forks, together=True)
    assert alone["updates"] == together["updates"] == USERS * ACTIONS
    assert together["most_waiting"] >= USERS // 2, "the run was not really concurrent"
    different = [uid for uid in alone["transcripts"] if alone["transcripts"][uid] != together["transcripts"][uid]]
    assert not different, f"{len(different)} users saw something else when not alone, e.g. {different[:3]}"
    assert alone["places"] == together["places"]
    assert alone["events"] == together["events"]
    print(f"concurrency: {USERS} users x {ACTIONS} actions; alone {alone['elapsed']:.1f} s, interleaved "
          f"{together['elapsed']:.1f} s with up to {together['most_waiting']} users waiting at once; "
          f"transcripts identical; {together['events']} statistics events each")
