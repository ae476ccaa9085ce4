"""Fault injection: the real bot keeps serving through 429s, 5xx, hung requests and resets.

Five users hold scripted conversations (button presses, typed numbers and commands, chosen
by a seeded random generator from what each user sees) with the real ``referral-bot run``
process, twice: once against a healthy fake Bot API (the reference), once while the fake
injects faults into sendMessage, editMessageText, answerCallbackQuery and getUpdates:

* ``429 Too Many Requests`` with ``retry_after``;
* ``500`` and ``502`` answers;
* hung requests (held unanswered, then the connection is dropped; with ``RELIABILITY_FULL=1``
  also held past the bot's 20 s read timeout, a genuine client-side timeout);
* TCP connection resets.

With faults, every update is delivered exactly once and handled exactly once: each user's
final transcript (every visible message, edits included, and its buttons) and stored place
equal the reference run's, the statistics hold the same events (none twice, none lost), and
the bot never logs a traceback or a handler error.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from botapi import FakeBotApi, FakeUser

from bot.engine import Engine
from bot.flows import FlowSet
from tests.reliability.botproc import TOKEN, BotProcess, ForkServer, live_keyboard, stored_session, wait_until
from tests.reliability.statsdb import check_stats_db
from tests.reliability.views import act, apply_action, place, reply_shown, view_matches

USERS = 5
ROUNDS = 9
SEED = 808

# (round, method, fault arguments): injected at the start of that round.
FAULTS: list[tuple[int, str, dict[str, Any]]] = [
    (1, "sendMessage", {"status": 429, "retry_after": 1}),
    (1, "getUpdates", {"status": 500, "times": 2}),
    (2, "editMessageText", {"status": 500}),
    (2, "answerCallbackQuery", {"mode": "reset"}),
    (3, "sendMessage", {"mode": "timeout"}),
    (3, "getUpdates", {"mode": "reset", "times": 2}),
    (4, "sendMessage", {"status": 502, "times": 2}),
    (4, "answerCallbackQuery", {"status": 429, "retry_after": 1}),
    (5, "getUpdates", {"status": 429, "retry_after": 1}),
    (5, "editMessageText", {"mode": "reset"}),
    (6, "sendMessage", {"mode": "reset"}),
    (6, "getUpdates", {"mode": "timeout"}),
    (7, "editMessageReplyMarkup", {"status": 500}),
    (7, "*", {"status": 500}),
]
HOLD = 1.0
"""How long a hung request is held before the fake drops it (the quick mode's timeout)."""


def choose(rng: random.Random, user: FakeUser, session: dict[str, Any] | None) -> str:
    """The user's next action, from what they see: mostly a button, sometimes typed."""
    if session is None:
        return "/start"
    keyboard = live_keyboard(user)
    assert keyboard is not None, "the user has no live keyboard"
    data = keyboard[1]
    answers = [d for d in data if d.startswith(("a:", "f:", "r:"))]
    roll = rng.random()
    if session["role"] is not None and session["flow"] is not None and roll < 0.15:
        return rng.choice(["t:1", "/back", "/restart", "t:back"])
    if answers and roll < 0.9:
        return rng.choice(answers)
    return rng.choice(data)


class Conversations:
    """The scripted users of one run and the checks after each of their actions."""

    def __init__(self, server: FakeBotApi, bot: BotProcess, engine: Engine) -> None:
        self.server, self.bot, self.engine = server, bot, engine
        self.users = [server.user(6500 + n, first_name=f"Fault{n}") for n in range(USERS)]
        self.rngs = {u.user_id: random.Random(SEED + u.user_id) for u in self.users}
        self.known: dict[int, dict[str, Any] | None] = {u.user_id: None for u in self.users}
        self.actions = 0

    def step(self, user: FakeUser, timeout: float) -> None:
        before = self.known[user.user_id]
        action = choose(self.rngs[user.user_id], user, before)
        expected = apply_action(self.engine, before, action)
        since = time.monotonic()
        act(user, action, wait=False)
        self.actions += 1

        def settled() -> bool:
            # The reply's keyboard must have gone out first: while a fault holds the answer
            # back, the old step is still on screen and may look exactly like the new one.
            if not reply_shown(self.server, user, since):
                return False
            stored = stored_session(self.bot, user.chat_id)
            if stored is None or place(stored) != place(expected) or not view_matches(self.engine, user, stored):
                return False
            self.known[user.user_id] = stored
            return True

        wait_until(settled, timeout, what=f"user {user.user_id}'s reply to {action!r}")
        self.server.settle(user.chat_id, quiet=0.05, timeout=timeout)

    def transcripts(self) -> dict[int, list[tuple[str, list[str]]]]:
        return {u.user_id: [(m.text, m.labels()) for m in u.messages if not m.deleted] for u in self.users}


def conversation(server: FakeBotApi, folder: Path, flows: tuple[Path, FlowSet], forks: ForkServer,
                 faults: list[tuple[int, str, dict[str, Any]]]) -> dict[str, Any]:
    """Run the scripted users once; what came out of it."""
    flows_dir, flowset = flows
    bot = BotProcess(server, folder, forks=forks, flows=flows_dir).start()
    run = Conversations(server, bot, Engine(flowset))
    began = time.monotonic()
    for round_number in range(ROUNDS):
        for when, method, arguments in faults:
            if when == round_number:
                server.fail(method, **arguments)
        for user in run.users:
            run.step(user, timeout=40 if faults else 5)
    elapsed = time.monotonic() - began
    assert bot.stop() == 0
    rows = check_stats_db(bot.stats_db)
    return {
        "transcripts": run.transcripts(),
        "places": {u.user_id: place(stored_session(bot, u.chat_id)) for u in run.users},
        "events": Counter((r["kind"], r["flow"], r["state"], r["step"], r["outcome"]) for r in rows),
        "log": bot.log(),
        "actions": run.actions,
        "elapsed": elapsed,
    }


def check_against_reference(reference: dict[str, Any], faulty: dict[str, Any], server: FakeBotApi) -> None:
    assert faulty["transcripts"] == reference["transcripts"]
    assert faulty["places"] == reference["places"]
    assert faulty["events"] == reference["events"]
    delivered = server.delivered
    assert delivered, "no update was delivered"
    assert set(delivered.values()) == {1}, {u: n for u, n in delivered.items() if n != 1}
    assert not server.pending
    assert "Traceback" not in faulty["log"]
    assert "error handling update" not in faulty["log"]
    assert not server.violations


def test_the_bot_serves_through_faults_without_losing_or_repeating_anything(
        flows: tuple[Path, FlowSet], forks: ForkServer, tmp_path: Path) -> None:
    with FakeBotApi(token=TOKEN) as healthy:
        reference = conversation(healthy, tmp_path / "reference", flows, forks, [])
    with FakeBotApi(token=TOKEN) as server:
        server.timeout_hold = HOLD
        faulty = conversation(server, tmp_path / "faults", flows, forks, FAULTS)
        injected = Counter((c.method, c.fault, c.status) for c in server.calls if c.fault)
        check_against_reference(reference, faulty, server)
    assert sum(injected.values()) >= sum(a.get("times", 1) for _, _, a in FAULTS)
    print(f"faults: {sum(injected.values())} injected failures ({dict(injected)}); "
          f"{faulty['actions']} actions by {USERS} users in {faulty['elapsed']:.1f} s "
          f"(reference {reference['elapsed']:.1f} s); every update delivered once, transcripts equal")


@pytest.mark.full  # a genuine read timeout takes 20 s: run with RELIABILITY_FULL=1 (tests/conftest.py)
def test_a_genuine_read_timeout_on_send_is_retried(flows: tuple[Path, FlowSet], forks: ForkServer,
                                                   tmp_path: Path) -> None:
    faults: list[tuple[int, str, dict[str, Any]]] = [(2, "sendMessage", {"mode": "timeout"})]
    with FakeBotApi(token=TOKEN) as healthy:
        reference = conversation(healthy, tmp_path / "reference", flows, forks, [])
    with FakeBotApi(token=TOKEN) as server:
        server.timeout_hold = 25.0  # longer than the bot's 20 s read timeout: the client gives up
        faulty = conversation(server, tmp_path / "faults", flows, forks, faults)
        check_against_reference(reference, faulty, server)
    assert "retrying" in faulty["log"]
