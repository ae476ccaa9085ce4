"""Many scripted users at once: push their updates without waiting, notice each reply.

Each user chooses their next action from what they see (a seeded random choice among the
buttons of their live keyboard, now and then a typed number or ``/back``), so the same user
makes the same choices whenever the bot answers the same way. An action is complete when
the user's chat changed (a new message or an edit) and both the stored session and the live
keyboard show the step the action leads to (computed with the engine, see ``views.py``).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from botapi import FakeBotApi, FakeUser

from bot.engine import Engine
from tests.reliability.botproc import BotProcess, live_keyboard, stored_session
from tests.reliability.views import act, apply_action, place, view_matches

__all__ = ["Driver", "Pending"]


@dataclass
class Pending:
    """An action sent and not yet answered."""

    action: str
    expected: dict[str, Any]
    signature: tuple[int, int]
    sent: float


@dataclass
class Driver:
    """Scripted users of one bot; see the module docstring."""

    server: FakeBotApi
    bot: BotProcess
    engine: Engine
    users: list[FakeUser]
    seed: int = 1
    known: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    pending: dict[int, Pending] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    done: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rngs = {u.user_id: random.Random(self.seed * 1_000_003 + u.user_id) for u in self.users}
        for user in self.users:
            self.known.setdefault(user.user_id, None)
            self.done.setdefault(user.user_id, 0)

    def signature(self, user: FakeUser) -> tuple[int, int]:
        """Changes whenever the bot sends or edits a message in the user's chat."""
        with self.server.state.cond:
            messages = self.server.state.messages.get(user.chat_id, {})
            bot_messages = [m for m in messages.values() if m.from_bot]
            return len(bot_messages), sum(m.edits for m in bot_messages)

    def choose(self, user: FakeUser) -> str:
        session = self.known[user.user_id]
        rng = self.rngs[user.user_id]
        if session is None:
            return "/start"
        keyboard = live_keyboard(user)
        assert keyboard is not None, f"user {user.user_id} has no live keyboard"
        data = keyboard[1]
        if session["role"] is not None and session["flow"] is not None and rng.random() < 0.1:
            return rng.choice(["t:1", "/back"])
        answers = [d for d in data if d.startswith(("a:", "f:", "r:"))]
        if answers and rng.random() < 0.9:
            return rng.choice(answers)
        return rng.choice([d for d in data if d != "n:emergency"] or data)

    def push(self, user: FakeUser) -> None:
        """Send the user's next action without waiting for the answer."""
        assert user.user_id not in self.pending
        action = self.choose(user)
        expected = apply_action(self.engine, self.known[user.user_id], action)
        self.pending[user.user_id] = Pending(action, expected, self.signature(user), time.monotonic())
        act(user, action, wait=False)

    def answered(self, user: FakeUser) -> bool:
        """True (and recorded) once the user's pending action has been fully answered."""
        pending = self.pending[user.user_id]
        if self.signature(user) == pending.signature:
            return False
        stored = stored_session(self.bot, user.chat_id)
        if stored is None or place(stored) != place(pending.expected):
            return False
        if not view_matches(self.engine, user, stored):
            return False
        self.latencies.append(time.monotonic() - pending.sent)
        self.known[user.user_id] = stored
        self.done[user.user_id] += 1
        del self.pending[user.user_id]
        return True

    def poll(self, users: list[FakeUser]) -> list[FakeUser]:
        """The users among ``users`` whose pending action was answered now."""
        return [u for u in users if u.user_id in self.pending and self.answered(u)]

    def wait(self, user: FakeUser, timeout: float = 10.0) -> None:
        """Block until the user's pending action is answered."""
        deadline = time.monotonic() + timeout
        while not self.answered(user):
            if time.monotonic() > deadline:
                pending = self.pending[user.user_id]
                raise AssertionError(f"user {user.user_id}: no answer to {pending.action!r} within {timeout} s; "
                                     f"stored {place(stored_session(self.bot, user.chat_id))}, "
                                     f"expected {place(pending.expected)}")
            time.sleep(0.001)

    def transcript(self, user: FakeUser) -> list[tuple[str, list[str]]]:
        """Every visible message of the bot in the user's chat (edits applied) with its buttons,
        then the texts of the answers to the user's button presses."""
        shown = [(m.text, m.labels()) for m in user.messages if not m.deleted]
        answers = [(str(a.get("text", "")), []) for a in user.callback_answers]
        return [*shown, ("--- button answers ---", []), *answers]
