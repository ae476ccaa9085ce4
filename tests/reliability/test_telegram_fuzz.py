"""Fuzzing the Telegram handlers through the real bot process and the fake Bot API.

Hypothesis generates sequences of updates for one running ``referral-bot run``: presses of
real buttons, forged and random callback data (other steps' answers, unknown flows and roles,
junk, over-long data), huge text, control characters and right-to-left marks, commands with
junk arguments and other bots' names, edited messages, photos, stickers, voice notes and
locations, and messages from groups, supergroups and channels.

After every update:

* a private chat got an answer (the fake saw a call for the chat after fetching the update);
* the user's stored session is sound (its state exists in its flow, its history is a chain
  of real transitions) and the user's live keyboard shows exactly that stored step;
* a button press moved the user only if its data was on their live keyboard (or is one of
  Back, Start again, Menu, Emergency, which work from anywhere like their commands); any
  other press left the place unchanged and was answered "that button is from an earlier step";
* nothing was stored for a group or channel.

At the end the bot never logged a traceback or a handler error, never made a call the Bot API
would refuse, never logged a name, username or typed text, and the statistics are intact.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botapi import FakeBotApi, FakeUser
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st

from bot.channels.telegram.render import NAV
from bot.engine import Engine
from bot.flows import FlowSet
from tests.reliability.botproc import BotProcess, live_keyboard, stored_session, wait_until
from tests.reliability.statsdb import check_stats_db
from tests.reliability.views import apply_action, check_history, place, view_matches

EXAMPLES = 45
NAMES = [("Zebedee", "Fuzzworth", "zfuzz_one"), ("Quillon", "Marrowby", "qm_fuzz_two"),
         ("Ysolde", "Crankshaw", "ycrank_three")]
CANARY = "Canarytext"
MARKS = ["\u202e", "\u200f", "\u2066", "\u200b", "\ufeff", "\x00", "\x1b[31m", "\x07", "\u0301", "\r", "\t"]
JUNK_ARGS = ["", " x", " ../../etc/passwd", " " + "9" * 300, " <b>hi</b>", " nrm_referral extra", " \u202eflow",
             " %s%n", " ' OR 1=1 --", " $(reboot)"]


@pytest.fixture
def bot(server: FakeBotApi, flows: tuple[Path, FlowSet], tmp_path: Path) -> Iterator[BotProcess]:
    process = BotProcess(server, tmp_path, flows=flows[0]).start()
    try:
        yield process
    finally:
        process.stop()


def forged_data(flowset: FlowSet) -> st.SearchStrategy[str]:
    """Callback data a modified client could send."""
    answers = sorted({f"a:{s.id}:{o.id}" for f in flowset.flows.values() for s in f.states.values()
                      for o in getattr(s, "options", ())} |
                     {f"a:{s.id}:{i.id}" for f in flowset.flows.values() for s in f.states.values()
                      for i in getattr(s, "items", ())})
    return st.one_of(
        st.sampled_from(answers),
        st.sampled_from([f"f:{f}" for f in flowset.flows] + ["f:nope", "f:", "r:officer", "r:trainer", "r:admin",
                                                            "n:back", "n:restart", "n:menu", "n:emergency", "n:",
                                                            "n:exit", "a:", "a::", "a:menu:report_concern", "x",
                                                            "a:emergency:back", "a:emergency:done"]),
        st.text(min_size=1, max_size=70),
        st.text(alphabet="af:rn0123456789_", min_size=1, max_size=90),
    )


def typed_text() -> st.SearchStrategy[str]:
    """What a user might type (Telegram allows up to 4096 characters)."""
    return st.one_of(
        st.sampled_from(["1", "2", "back", "restart", "menu", "999", "help", "?", "help me", "emergency!",
                         "Police officer", "  BACK  ", "١", "1 2"]),
        st.tuples(st.sampled_from(MARKS), st.sampled_from(["1", "back", "yes", "999"])).map("".join),
        st.text(min_size=1, max_size=60).filter(lambda t: t.strip() != ""),
        st.tuples(st.sampled_from(["x", "\u202e", "🚨", "é"]), st.integers(1000, 4096)).map(lambda p: p[0] * p[1]),
        st.integers(0, 10**6).map(lambda n: f"{CANARY}{n} my name is Zebedee, 07700 900{n % 1000:03d}"),
    )


def events(flowset: FlowSet) -> st.SearchStrategy[tuple[Any, ...]]:
    """One update: who sends it and what."""
    private = st.integers(0, len(NAMES) - 1)
    return st.one_of(
        st.tuples(st.just("press"), private, st.integers(0, 10)),
        st.tuples(st.just("forge"), private, forged_data(flowset)),
        st.tuples(st.just("text"), private, typed_text()),
        st.tuples(st.just("command"), private,
                  st.tuples(st.sampled_from(["/start", "/back", "/restart", "/menu", "/help", "/about", "/privacy",
                                             "/train", "/stats", "/exit", "/emergency", "/nonsense", "/START",
                                             "/start@other_bot", "/back@referral_test_bot"]),
                            st.one_of(st.sampled_from(JUNK_ARGS),
                                      st.sampled_from([f" {f}" for f in flowset.flows]))).map("".join)),
        st.tuples(st.just("edit"), private, typed_text()),
        st.tuples(st.just("media"), private, st.sampled_from(["photo", "sticker", "voice", "location"])),
        st.tuples(st.just("group"), st.sampled_from(["group", "supergroup"]),
                  st.one_of(typed_text(), st.sampled_from(["/start", "/emergency", "/stats", "999"]))),
        st.tuples(st.just("group_press"), st.just(0), forged_data(flowset)),
        st.tuples(st.just("channel"), st.just(0), typed_text()),
    )


class Fuzz:
    """The fuzzing session's users and checks."""

    def __init__(self, server: FakeBotApi, bot: BotProcess, flowset: FlowSet) -> None:
        self.server, self.bot, self.flowset = server, bot, flowset
        self.engine = Engine(flowset)
        self.users = [server.user(6700 + n, first_name=first, last_name=last, username=username)
                      for n, (first, last, username) in enumerate(NAMES)]
        self.sent: dict[int, list[int]] = {u.user_id: [] for u in self.users}
        self.next_group = 1
        self.counts: dict[str, int] = {}
        self.stale = self.engine.ui("stale")

    def group_chat(self, kind: str) -> FakeUser:
        # A new group each time: Telegram (and the bot's rate limiter) allow 20 messages a minute per group.
        self.next_group += 1
        return self.server.user(9_000_000 + self.next_group, chat_type=kind, first_name="Groupie",
                                username="group_member_x")

    def run(self, event: tuple[Any, ...]) -> None:
        kind, who, what = event
        note(repr(event)[:300])
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if kind in ("group", "group_press", "channel"):
            self.run_elsewhere(kind, who, what)
            return
        user = self.users[who]
        before = stored_session(self.bot, user.chat_id)
        keyboard = live_keyboard(user)
        expected: dict[str, Any] | None = None
        press: str | None = None
        if kind == "press":
            if keyboard is None:
                kind, what = "command", "/start"
            else:
                press = keyboard[1][what % len(keyboard[1])]
        elif kind == "forge":
            press = what
        if press is not None:
            if keyboard is None:
                self.sent[user.user_id].append(user.send("/start"))
            elif before is None:
                user.press_data(press)
            else:
                on_keyboard = keyboard is not None and press in keyboard[1]
                expected = apply_action(self.engine, before, press) if on_keyboard or press in NAV else before
                user.press_data(press)
                if expected is before:
                    # On a busy machine the refusal can follow the answered callback by more than
                    # the client's quiet period: wait for it (with a deadline); it must still come.
                    wait_until(lambda: self.stale in user.last().text, timeout=5.0,
                               what=f"the bot to refuse the forged {press!r}")
        elif kind in ("text", "command"):
            self.sent[user.user_id].append(user.send(what))
        elif kind == "edit":
            alive = [m for m in self.sent[user.user_id] if self.server.state.message(user.chat_id, m) is not None]
            if alive:
                user.edit(alive[-1], what)
            else:
                self.sent[user.user_id].append(user.send(what))
        else:
            getattr(user, f"send_{what}")()
        self.check(user, expected)

    def run_elsewhere(self, kind: str, who: Any, what: str) -> None:
        if kind == "channel":
            chat_id = -1001000000000 - self.next_group
            self.next_group += 1
            self.server.channel_post(what, chat_id=chat_id)
            assert stored_session(self.bot, chat_id) is None
            return
        member = self.group_chat(who if kind == "group" else "group")
        if kind == "group":
            member.send(what)
        else:
            member.send("hello")
            member.press_data(what)  # on the bot's answer in the group
        assert stored_session(self.bot, member.chat_id) is None
        assert stored_session(self.bot, member.user_id) is None

    def check(self, user: FakeUser, expected: dict[str, Any] | None) -> None:
        stored = stored_session(self.bot, user.chat_id)
        if expected is not None:
            assert place(stored) == place(expected), "a press moved the user somewhere it should not"
        if stored is None:
            assert live_keyboard(user) is None
            return
        check_history(self.flowset, stored)
        # The place is committed before the reply goes out: on a busy machine the reply can come
        # later than the client's quiet period, so wait for it (with a deadline); it must come.
        wait_until(lambda: view_matches(self.engine, user, stored), timeout=5.0,
                   what="the live keyboard to show the stored step")


def test_random_updates_to_the_real_bot(server: FakeBotApi, bot: BotProcess, flows: tuple[Path, FlowSet]) -> None:
    flowset = flows[1]
    fuzz = Fuzz(server, bot, flowset)
    rng = random.Random(5)
    for user in fuzz.users:  # start everyone somewhere useful
        user.send("/start")
        user.press(rng.choice(["Police officer", "Partner agency staff", "Member of the public", "Trainer"]))

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @example([("command", 0, "/exit"), ("command", 0, "/start nrm_referral"), ("forge", 0, "r:officer"),
              ("forge", 0, "f:report_concern"), ("press", 0, 0)])
    @example([("forge", 1, "a:" + "x" * 80), ("text", 1, "\u202e" * 4096), ("edit", 1, "/start"),
              ("media", 1, "photo"), ("group", "supergroup", "/emergency"), ("channel", 0, "999")])
    @given(st.lists(events(flowset), min_size=1, max_size=8))
    def conversation(updates: list[tuple[Any, ...]]) -> None:
        for event in updates:
            fuzz.run(event)

    conversation()
    assert bot.stop() == 0
    log = bot.log()
    assert "Traceback" not in log
    assert "error handling update" not in log
    assert not server.violations, server.violations[:5]
    for first, last, username in NAMES:
        assert first not in log
        assert last not in log
        assert username not in log
    assert CANARY not in log
    assert "group_member_x" not in log
    check_stats_db(bot.stats_db)
    total = sum(fuzz.counts.values())
    print(f"telegram fuzz: {total} updates in {EXAMPLES} examples: {dict(sorted(fuzz.counts.items()))}")
