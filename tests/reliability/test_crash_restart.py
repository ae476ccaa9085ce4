"""Crash and restart: SIGKILL the real bot at 50 random points of a multi-user run.

Six users talk to the real ``referral-bot run`` process (over real HTTP to the fake Bot API)
by pressing the buttons of their live keyboard, chosen at random. Fifty times, one user's
press is sent and the bot is killed with SIGKILL after a random delay (0-80 ms: before the
update is fetched, while it is handled, between saving and replying, after replying), then a
new bot process is started. After each restart, for every user:

* the stored session is exactly where the user was, or, for the user whose press was in
  flight, exactly one press further (never behind, never anywhere else); its state exists
  and its history is a chain of real transitions;
* if the killed bot had saved the in-flight press, or the new bot received it again and
  acted on it, the stored session is exactly one press further; if neither, and the press
  would have moved the user, nothing changed, neither the stored place nor the view;
* every other user's view is unchanged: it shows their stored step, or, for a user whose
  reply was cut off by an earlier kill, still does not;
* the user carries on from the live keyboard they see: the next press is either accepted,
  or (when the bot had saved the in-flight press but died before replying) answered with
  "that button is from an earlier step" and the stored step, which the user then continues.

The checks only look once nothing can change any more: ``BotProcess.kill`` returns once
the fake Bot API has dealt with every request the dead bot had sent
(``FakeBotApi.quiesce``), the new bot's reply to a press it received again is waited
for, and a press counts as answered once its reply's keyboard is shown (even when the new
step looks exactly like the old one).

At the end, the statistics database passes ``PRAGMA integrity_check`` and holds no event
twice (no repeated (run_id, kind, step) for started/step/outcome, each run started and
abandoned at most once), and the bot never logged a traceback.

Restarts go through a fork server (see ``forkserver.py``): each bot is a fresh process
running the real command line, but the interpreter's imports are done once.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botapi import FakeBotApi, FakeUser

from bot.engine import Engine, Session
from bot.flows import FlowSet
from tests.reliability.botproc import BotProcess, ForkServer, live_keyboard, stored_session, wait_until
from tests.reliability.statsdb import check_stats_db, stats_rows
from tests.reliability.views import act, acts_on, apply_action, check_history, place, reply_shown, view_matches

KILLS = 50
USERS = 6
SEED = 20261129


def choose(rng: random.Random, user: FakeUser, session: dict[str, Any] | None) -> str:
    """A press from the live keyboard: mostly answers, sometimes Back, Restart or Emergency."""
    keyboard = live_keyboard(user) if session is not None else None
    if keyboard is None:
        return "/start"
    data = keyboard[1]
    answers = [d for d in data if not d.startswith("n:")]
    if answers and rng.random() < 0.8:
        return rng.choice(answers)
    return rng.choice(data)


@dataclass
class Doubt:
    """The press sent just before a kill, and what the killed bot had made of it."""

    user: FakeUser
    action: str
    update_id: int
    stale: bool
    """Predicted when the press was sent: the bot answers it as stale and moves nothing."""
    after: dict[str, Any] | None
    """Where the press leads (where the user was, for a stale press)."""
    saved: bool = False
    """The killed bot had saved the press (so it also sent whatever of the reply went out)."""
    delivered: int = 0
    """How many times the update had been handed to a bot before the restart."""


class Run:
    """The users, what each last saw confirmed, and the checks."""

    def __init__(self, server: FakeBotApi, bot: BotProcess, flowset: FlowSet, rng: random.Random) -> None:
        self.server, self.bot, self.rng = server, bot, rng
        self.engine = Engine(flowset)
        self.flowset = flowset
        self.users = [server.user(6100 + n, first_name=f"Crash{n}") for n in range(USERS)]
        self.known: dict[int, dict[str, Any] | None] = {u.user_id: None for u in self.users}
        self.stale = self.engine.ui("stale")
        self.behind: set[int] = set()  # users whose last reply was lost in a crash window
        self.accepted = self.stale_answers = self.crash_windows = self.lost = 0
        self.handled_before_kill = self.handled_after_restart = self.moved_nothing = 0

    def stored(self, user: FakeUser) -> dict[str, Any] | None:
        return stored_session(self.bot, user.chat_id)

    def expect(self, user: FakeUser, before: dict[str, Any] | None, action: str) -> tuple[bool, dict[str, Any]]:
        """Whether the bot will answer ``action`` as stale, and the place it leads to."""
        stale = not acts_on(self.engine, before, action)
        # Only a user whose view fell behind (a reply lost in a crash) can press a stale button.
        assert not stale or user.user_id in self.behind, f"user {user.user_id}'s live keyboard offered {action}"
        assert not stale or before is not None
        return stale, (before if stale and before is not None else apply_action(self.engine, before, action))

    def press(self, user: FakeUser, *, wait: bool) -> Doubt:
        """One press from what the user sees (see :func:`choose`)."""
        before = self.known[user.user_id]
        action = choose(self.rng, user, before)
        stale, after = self.expect(user, before, action)
        update_id = act(user, action, wait=wait)
        return Doubt(user, action, update_id, stale, after)

    def step(self, user: FakeUser) -> None:
        """One verified press: the stored place and the view move together."""
        before = self.known[user.user_id]
        behind = user.user_id in self.behind
        assert behind == (before is not None and not view_matches(self.engine, user, before))
        since = time.monotonic()
        press = self.press(user, wait=True)
        # Done once the reply's keyboard is shown (checked first: a step that looks like the
        # last one must not pass for its reply while the bot is still answering).
        wait_until(lambda: reply_shown(self.server, user, since) and self.settled(user, press.after), 5,
                   what=f"user {user.user_id}'s reply to {press.action}")
        self.behind.discard(user.user_id)
        if press.stale:
            assert self.stale in user.messages[-1].text
            self.stale_answers += 1
        else:
            self.accepted += 1

    def settled(self, user: FakeUser, expected: dict[str, Any] | None) -> bool:
        stored = self.stored(user)
        if stored is None or place(stored) != place(expected):
            return False
        assert expected is not None
        if not view_matches(self.engine, user, stored):
            return False
        self.known[user.user_id] = stored
        return True

    def before_restart(self, doubt: Doubt | None) -> None:
        """Note what the killed bot left of the press in flight (``kill`` waited until the
        fake Bot API had dealt with every request of the dead process)."""
        if doubt is not None:
            stored = self.stored(doubt.user)
            doubt.saved = stored is not None and doubt.update_id in stored["recent_updates"]
            doubt.delivered = self.server.delivered.get(doubt.update_id, 0)

    def after_restart(self, doubt: Doubt | None) -> None:
        """Every user is where they were; the one with a press in flight may be one press on."""
        wait_until(lambda: not self.server.pending, 10, what="redelivered updates to be fetched")
        # A press the killed bot never saved and the new bot fetched is acted on now: wait for
        # its reply. A saved one is recognised and skipped; an unsaved one confirmed by the
        # killed bot is lost. Either way nothing more changes in the chat.
        fresh = doubt is not None and not doubt.saved \
            and self.server.delivered.get(doubt.update_id, 0) > doubt.delivered
        if doubt is not None and fresh:
            wait_until(lambda: reply_shown(self.server, doubt.user, self.bot.started_at), 5,
                       what=f"the new bot's reply to user {doubt.user.user_id}'s {doubt.action}")
        for user in self.users:
            self.server.settle(user.chat_id, quiet=0.05)
            before = self.known[user.user_id]
            stored = self.stored(user)
            if stored is not None:
                check_history(self.flowset, stored)
            if doubt is not None and doubt.user is user:
                self.check_in_flight(doubt, fresh, before, stored)
            else:
                assert place(stored) == place(before), f"user {user.user_id} moved without pressing"
                if stored is not None:
                    assert view_matches(self.engine, user, stored) != (user.user_id in self.behind), \
                        f"user {user.user_id}'s view changed"

    def check_in_flight(self, doubt: Doubt, fresh: bool, before: dict[str, Any] | None,
                        stored: dict[str, Any] | None) -> None:
        """The user whose press was in flight: where the press could have taken them, and
        whether the view still shows their step (if not, they are now behind)."""
        user, after = doubt.user, doubt.after
        assert place(stored) in (place(before), place(after)), (before, doubt.action, stored)
        moves = place(after) != place(before)
        shown = stored is not None and view_matches(self.engine, user, stored)
        was_behind = user.user_id in self.behind
        if doubt.saved or fresh:  # acted on, by the killed bot or by the new one
            assert place(stored) == place(after), (before, doubt.action, stored)
        if fresh:
            assert shown, f"the new bot's reply to user {user.user_id}'s {doubt.action} is not shown"
            self.handled_after_restart += 1
        elif doubt.saved and shown:
            self.handled_before_kill += 1
        elif doubt.saved:
            self.crash_windows += 1  # saved, then killed before the reply was shown
        elif moves:  # fetched and confirmed, killed before it was handled: nothing changed
            assert place(stored) == place(before), f"user {user.user_id} moved by a lost press"
            assert stored is None or shown != was_behind, f"user {user.user_id}'s view changed by a lost press"
            self.lost += 1
        else:  # a stale press, or one that shows the same step again: it may have been answered
            self.moved_nothing += 1  # without being written, as nothing of it must survive a crash
        if shown:
            self.behind.discard(user.user_id)
        else:
            self.behind.add(user.user_id)
        self.known[user.user_id] = stored


def test_fifty_sigkills_lose_no_place_and_count_nothing_twice(
        server: FakeBotApi, forks: ForkServer, flows: tuple[Path, FlowSet], tmp_path: Path) -> None:
    folder, flowset = flows
    rng = random.Random(SEED)
    bot = BotProcess(server, tmp_path, forks=forks, flows=folder)
    run = Run(server, bot, flowset, rng)
    began = time.monotonic()
    bot.start()
    for user in run.users:
        run.step(user)
    kills = 0
    while kills < KILLS:
        for _ in range(rng.randint(1, 3)):
            run.step(rng.choice(run.users))
        doubt = None
        if rng.random() < 0.9:
            doubt = run.press(rng.choice(run.users), wait=False)
            time.sleep(rng.uniform(0, 0.08))
        assert bot.kill() == -9  # returns once the fake Bot API is done with the dead process
        kills += 1
        run.before_restart(doubt)
        bot.start()
        run.after_restart(doubt)
    for user in run.users:  # everyone carries on after the last restart
        run.step(user)
        run.step(user)
    assert bot.stop() == 0
    elapsed = time.monotonic() - began
    rows = check_stats_db(bot.stats_db)
    log = bot.log()
    assert "Traceback" not in log
    assert "error handling update" not in log
    assert not server.violations
    assert bot.starts == KILLS + 1
    twice = sum(1 for n in server.delivered.values() if n > 1)
    print(f"crash/restart: {kills} SIGKILLs, {bot.starts} starts in {elapsed:.1f} s; presses accepted "
          f"{run.accepted}, stale answered {run.stale_answers}; in-flight actions: handled before the kill "
          f"{run.handled_before_kill}, handled after the restart {run.handled_after_restart}, saved but "
          f"unanswered {run.crash_windows}, never handled {run.lost}, moving nothing {run.moved_nothing}; "
          f"{twice} updates delivered again after a restart; {len(rows)} events")


def at_first_question(bot: BotProcess, user: FakeUser, flow_id: str) -> dict[str, Any]:
    """Walk a new user to the first step of ``flow_id``; their stored session."""
    user.send("/start")
    user.press("Trainer")  # trainers see every flow
    user.press_data(f"f:{flow_id}")
    stored = stored_session(bot, user.chat_id)
    assert stored is not None
    assert (stored["flow"], stored["steps"]) == (flow_id, 1)
    return stored


def leading_on(engine: Engine, session: dict[str, Any], data: list[str]) -> str:
    """An answer button that leads to another question (not straight to an outcome)."""
    for each in data:
        if each.startswith("a:"):
            after = apply_action(engine, session, each)
            if engine.current(Session.from_dict(after)).kind != "outcome":
                return each
    raise AssertionError(f"no answer leads on from {session['state']}")


def step_rows(bot: BotProcess, run_id: str) -> list[int]:
    """The step numbers of a run's step events written so far."""
    if not bot.stats_db.exists():
        return []
    return [r["step"] for r in stats_rows(bot.stats_db) if r["run_id"] == run_id and r["kind"] == "step"]


def test_a_kill_while_a_press_is_being_answered_counts_the_step_once(
        server: FakeBotApi, forks: ForkServer, flows: tuple[Path, FlowSet], tmp_path: Path) -> None:
    """The press's step event reaches the statistics while answerCallbackQuery hangs; the bot
    is killed; the user presses again after the restart: still one event for that step."""
    folder, flowset = flows
    bot = BotProcess(server, tmp_path, forks=forks, flows=folder).start()
    user = server.user(6200, first_name="Hang")
    before = at_first_question(bot, user, "report_concern")
    server.fail("answerCallbackQuery", mode="timeout")
    keyboard = live_keyboard(user)
    assert keyboard is not None
    answer = next(d for d in keyboard[1] if d.startswith("a:"))
    user.press_data(answer, wait=False)
    wait_until(lambda: 2 in step_rows(bot, before["run_id"]), 5, what="the step event to be written")
    assert bot.kill() == -9
    bot.start()
    wait_until(lambda: not server.pending, 5, what="redelivery")
    server.settle(user.chat_id)
    user.press_data(answer)  # the user, who saw nothing happen, presses the same button again
    engine = Engine(flowset)
    wait_until(lambda: view_matches(engine, user, stored_session(bot, user.chat_id) or {}), 5,
               what="the reply")
    after = stored_session(bot, user.chat_id)
    assert after is not None
    assert place(after) == place(apply_action(engine, before, answer))
    assert bot.stop() == 0
    check_stats_db(bot.stats_db)
    assert step_rows(bot, before["run_id"]) == [1, 2]


def test_a_kill_between_saving_and_replying_leaves_the_user_able_to_carry_on(
        server: FakeBotApi, forks: ForkServer, flows: tuple[Path, FlowSet], tmp_path: Path) -> None:
    """sendMessage fails after the press was saved; SIGKILL; after the restart the user's old
    button is answered as stale with the saved step, and the next press is accepted."""
    folder, flowset = flows
    engine = Engine(flowset)
    bot = BotProcess(server, tmp_path, forks=forks, flows=folder).start()
    user = server.user(6300, first_name="Window")
    before = at_first_question(bot, user, "report_concern")
    keyboard = live_keyboard(user)
    assert keyboard is not None
    answer = leading_on(engine, before, keyboard[1])
    expected = apply_action(engine, before, answer)
    server.fail("sendMessage", status=500)  # the bot backs off 0.5 s before it tries again
    user.press_data(answer, wait=False)
    server.wait_for_call("sendMessage", lambda c: c.status == 500)
    assert place(stored_session(bot, user.chat_id)) == place(expected)
    assert bot.kill() == -9
    bot.start()
    wait_until(lambda: not server.pending, 5, what="redelivery")
    server.settle(user.chat_id)
    assert place(stored_session(bot, user.chat_id)) == place(expected)
    user.press_data(answer)
    assert engine.ui("stale") in user.last().text
    assert view_matches(engine, user, expected)
    keyboard = live_keyboard(user)
    assert keyboard is not None
    following = next(d for d in keyboard[1] if d.startswith("a:"))
    user.press_data(following)
    assert place(stored_session(bot, user.chat_id)) == place(apply_action(engine, expected, following))
    assert bot.stop() == 0
    check_stats_db(bot.stats_db)
