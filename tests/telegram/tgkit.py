"""Helpers for the Telegram end-to-end tests: the real bot as a subprocess, users who tap.

The bot is ``referral-bot run`` in its own process, talking real HTTP to the fake Bot API
(``tests/botapi``) through ``TELEGRAM_API_BASE_URL``. Nothing here touches the internet.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from botapi import BotMessage, Button, FakeBotApi, FakeUser
from botapi.fixtures import require_spec

from bot.flows import Checklist, Flow, FlowSet, Info, Outcome, Question, load_flows

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows"
SHIPPED = load_flows(FLOWS)
ADMIN_ID = 7_000_001
QUIET = 0.04

__all__ = [
    "ADMIN_ID",
    "FLOWS",
    "ROOT",
    "SHIPPED",
    "BotProcess",
    "Step",
    "act",
    "bot_command",
    "checked_api",
    "keyboard",
    "labels",
    "paths_to_outcomes",
    "press",
    "send",
    "session_rows",
    "started",
    "stop_leftovers",
    "tap",
]

_STARTED: list[BotProcess] = []


def bot_command() -> list[str]:
    """The installed ``referral-bot`` console script, or ``python -m bot``."""
    script = Path(sys.executable).with_name("referral-bot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


class BotProcess:
    """``referral-bot run`` against a fake Bot API, with its own databases and log file."""

    def __init__(self, api: FakeBotApi, folder: Path, *, flows: Path = FLOWS, admins: str = "",
                 env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> None:
        self.api = api
        self.folder = folder
        self.args = args
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "REFERRAL_BOT_DB": str(folder / "stats.db"),
            "REFERRAL_BOT_SESSIONS_DB": str(folder / "sessions.db"),
            "REFERRAL_BOT_FLOWS": str(flows),
            "REFERRAL_BOT_ADMINS": admins,
            "REFERRAL_BOT_MAX_RATE": "1000",
            "PYTHONIOENCODING": "utf-8",
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    @property
    def log_path(self) -> Path:
        """The stderr of the latest run."""
        return self.folder / f"bot-{self.runs}.log"

    def logs(self) -> str:
        """Everything every run wrote to stderr."""
        return "\n".join(p.read_text(encoding="utf-8", errors="replace")
                         for p in sorted(self.folder.glob("bot-*.log")))

    def start(self, ready: str = "getUpdates", timeout: float = 30.0) -> BotProcess:
        """Start the bot and wait until it calls ``ready`` (its first poll, or setWebhook)."""
        self.runs += 1
        started = time.monotonic()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*bot_command(), "run", "--poll-timeout", "2", *self.args],
                env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
            )
        _STARTED.append(self)
        try:
            self.api.wait_for_call(ready, lambda c: c.at >= started, timeout=timeout)
        except AssertionError:
            self.stop()
            raise AssertionError(f"the bot did not start; its log:\n{self.logs()[-3000:]}") from None
        return self

    def alive(self) -> bool:
        """True while the process runs."""
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then wait; returns the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError("the bot did not stop within 20 s of SIGTERM") from None

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as in a crash or power cut."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


def checked_api() -> Iterator[FakeBotApi]:
    """A fake Bot API that, once its users are done, must have seen no violation (for fixtures)."""
    server = FakeBotApi(spec_path=require_spec()).start()
    try:
        yield server
        assert server.violations == []
    finally:
        server.stop()


def stop_leftovers(keep: int) -> None:
    """Kill every bot started after the first ``keep`` that a failed test left running.

    A test that fails before ``bot.stop()`` would otherwise leave its process for the garbage
    collector, whose ResourceWarning then fails whichever test happens to be running.
    """
    for bot in _STARTED[keep:]:
        if bot.process is not None and bot.process.poll() is None:
            bot.process.kill()
        if bot.process is not None:
            bot.process.wait(10)
    del _STARTED[keep:]


def started() -> int:
    """How many bots have been started so far (for :func:`stop_leftovers`)."""
    return len(_STARTED)


def session_rows(db: Path) -> int:
    """How many sessions a session database holds (read-only, while the bot runs)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("select count(*) from sessions").fetchone()[0])
    finally:
        conn.close()


def keyboard(user: FakeUser) -> BotMessage:
    """The newest bot message with buttons: the step the user is looking at."""
    with_buttons = [m for m in user.messages if not m.deleted and m.buttons]
    assert with_buttons, f"no message with buttons; transcript: {user.transcript()[-3:]}"
    return with_buttons[-1]


def labels(message: BotMessage) -> list[str]:
    """Every button label of a message."""
    return [b.text for row in message.buttons for b in row]


def _find(message: BotMessage, label: str) -> Button:
    for row in message.buttons:
        for button in row:
            if button.text in (label, f"✅ {label}", f"☐ {label}"):
                return button
    raise AssertionError(f"no button {label!r}; buttons: {labels(message)}")


def _state(user: FakeUser) -> tuple[int, int]:
    """The newest bot message id and the number of edits made so far in the chat."""
    messages = user.messages
    return (messages[-1].message_id if messages else 0, sum(m.edits for m in messages))


def _settle(user: FakeUser, before: tuple[int, int], new: int, edit: bool,
            timeout: float = 10.0) -> None:
    """Wait for ``new`` new bot messages (or, with ``edit``, any edit), then for quiet."""
    deadline = time.monotonic() + timeout
    while True:
        _newest, edits = _state(user)
        fresh = sum(1 for m in user.messages if m.message_id > before[0])
        if (edit and edits > before[1]) or (not edit and fresh >= new):
            user.wait(timeout=timeout, quiet=QUIET)
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the bot did not answer; transcript: {user.transcript()[-3:]}")
        time.sleep(0.01)


def tap(user: FakeUser, label: str, *, message: BotMessage | None = None, new: int = 1,
        edit: bool = False) -> None:
    """Tap the button labelled exactly ``label`` on the current step (or ``message``).

    Waits for ``new`` new messages from the bot (or, with ``edit``, for an edit in place).
    """
    target = message or keyboard(user)
    button = _find(target, label)
    assert button.callback_data is not None, f"{label!r} is a URL button"
    press(user, button.callback_data, target.message_id, new=new, edit=edit)


def press(user: FakeUser, data: str, message_id: int | None = None, *, new: int = 1,
          edit: bool = False) -> None:
    """Send a button press with any ``data`` and wait for the bot's answer."""
    before = _state(user)
    user.press_data(data, message_id=message_id, wait=False)
    _settle(user, before, new, edit)


def send(user: FakeUser, text: str, *, new: int = 1) -> None:
    """Type ``text`` and wait for ``new`` messages from the bot."""
    before = _state(user)
    user.send(text, wait=False)
    _settle(user, before, new, False)


def act(user: FakeUser, action: Callable[..., int], *, new: int = 1) -> None:
    """Do ``action(wait=False)`` (send_photo, send_sticker...) and wait for the bot's answer."""
    before = _state(user)
    action(wait=False)
    _settle(user, before, new, False)


@dataclass(frozen=True)
class Step:
    """One tap on the way to an outcome: the state, the button label, and whether it ticks
    a checklist item (edited in place) rather than moving on (a new message)."""

    state: str
    label: str
    tick: bool = False


def _checklist_moves(state: Checklist) -> list[tuple[list[str], str]]:
    """Tick sets that reach each distinct next state (first matching rule wins)."""
    candidates: list[frozenset[str]] = [frozenset()]
    items = [i.id for i in state.items]
    for rule in state.rules:
        ticks = set(rule.if_all) | set(rule.if_any[:1])
        for item in items:
            if rule.if_count_at_least is None or len(ticks) >= rule.if_count_at_least:
                break
            ticks.add(item)
        candidates.append(frozenset(ticks))
    moves: dict[str, list[str]] = {}
    for ticks in candidates:
        target = state.next_for(ticks)
        moves.setdefault(target, [i for i in items if i in ticks])
    return [(ticks, target) for target, ticks in moves.items()]


def _moves(flowset: FlowSet, flow: Flow, state_id: str) -> list[tuple[list[Step], str]]:
    state = flow.states[state_id]
    if isinstance(state, Question):
        return [([Step(state.id, o.label)], o.next) for o in state.options]
    if isinstance(state, Info):
        return [([Step(state.id, state.continue_label or flowset.ui["continue_label"])], state.next)]
    if isinstance(state, Checklist):
        labels_ = {i.id: i.label for i in state.items}
        done = state.done_label or flowset.ui["done_label"]
        return [([*(Step(state.id, labels_[t], tick=True) for t in ticks), Step(state.id, done)],
                 target)
                for ticks, target in _checklist_moves(state)]
    return []


Place = tuple[str, tuple[tuple[str, str], ...]]
"""A state and the facts known there (a remembered question is asked once, then skipped)."""


def _place_moves(flowset: FlowSet, flow: Flow, place: Place) -> list[tuple[list[Step], Place]]:
    state_id, facts = place
    state = flow.states[state_id]
    known = dict(facts)
    if isinstance(state, Question) and state.remember is not None:
        if state.remember in known:  # skipped: no tap, straight to the remembered option
            option = next(o for o in state.options if o.id == known[state.remember])
            return [([], (option.next, facts))]
        return [([Step(state.id, o.label)], (o.next, tuple(sorted({**known, state.remember: o.id}.items()))))
                for o in state.options]
    return [(steps, (target, facts)) for steps, target in _moves(flowset, flow, state_id)]


def paths_to_outcomes(flowset: FlowSet, flow: Flow) -> dict[str, list[Step]]:
    """A shortest tap sequence from the flow's start to each outcome it can reach, for a new
    user (who knows no facts yet)."""
    start: Place = (flow.start, ())
    paths: dict[Place, list[Step]] = {start: []}
    queue = deque([start])
    while queue:
        place = queue.popleft()
        for steps, target in _place_moves(flowset, flow, place):
            if target not in paths:
                paths[target] = paths[place] + steps
                queue.append(target)
    found: dict[str, list[Step]] = {}
    for (state_id, _), path in paths.items():
        if isinstance(flow.states[state_id], Outcome) and (state_id not in found or len(path) < len(found[state_id])):
            found[state_id] = path
    return found
