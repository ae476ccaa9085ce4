"""Every shipped flow through the real bot, as a user taps it: outcomes, back, restart, emergency.

The bot is ``referral-bot run`` in a subprocess; the user is the fake Bot API's client. The
expected texts come from the flow files themselves, so these tests follow content changes.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botapi import FakeBotApi, FakeUser
from tgkit import (
    SHIPPED,
    BotProcess,
    Step,
    act,
    keyboard,
    labels,
    paths_to_outcomes,
    press,
    send,
    tap,
)

from bot.channels.telegram.limits import MAX_CALLBACK_BYTES
from bot.engine import Engine
from bot.flows import Flow, FlowSet, Outcome
from bot.flows.text import expand

FLOW_IDS = sorted(SHIPPED.flows)


def ui(key: str) -> str:
    """An interface text as users see it."""
    return Engine(SHIPPED).ui(key)


def first_text(flowset: FlowSet, flow: Flow, state_id: str) -> str:
    """The opening of a state's text, as the bot shows it."""
    return expand(flow.states[state_id].text, flowset.signposts)[:60]


def walk(user: FakeUser, steps: list[Step]) -> None:
    """Tap through ``steps``, checking each tap happens on its own state."""
    for step in steps:
        tap(user, step.label, edit=step.tick)


def check_outcome(user: FakeUser, flow: Flow, outcome_id: str) -> None:
    """The last message is the outcome: its text, phones in the text, URLs as buttons."""
    outcome = flow.states[outcome_id]
    assert isinstance(outcome, Outcome)
    message = keyboard(user)
    assert first_text(SHIPPED, flow, outcome_id) in message.text
    buttons = [b for row in message.buttons for b in row]
    urls = {b.url for b in buttons if b.url}
    for signpost_id in outcome.signposts:
        signpost = SHIPPED.signposts[signpost_id]
        assert signpost.name in message.text
        if signpost.phone:
            assert signpost.phone in message.text
        if signpost.url:
            assert signpost.url in urls
            assert signpost.url not in message.text
    for button in buttons:
        assert button.url or 1 <= len(button.callback_data.encode()) <= MAX_CALLBACK_BYTES
    assert {ui("back_label"), ui("restart_label"), ui("emergency_label")} <= set(labels(message))


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_every_outcome_is_reached_by_buttons(flow_id: str, new_user: Any) -> None:
    """Each outcome of the flow, reached by a deep link and taps, shows its services."""
    flow = SHIPPED.flows[flow_id]
    paths = paths_to_outcomes(SHIPPED, flow)
    assert set(paths) == {s.id for s in flow.outcomes()}, "some outcome cannot be reached"

    def run(outcome_id: str) -> None:
        user = new_user(first_name="Walker")
        send(user, f"/start {flow_id}")
        assert first_text(SHIPPED, flow, flow.start) in keyboard(user).text
        walk(user, paths[outcome_id])
        check_outcome(user, flow, outcome_id)
        old = [m for m in user.messages if not m.deleted][:-1]
        assert all(not m.buttons for m in old), "an older message still has live buttons"

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(run, sorted(paths)))


def _deepest(flow: Flow) -> list[Step]:
    paths = paths_to_outcomes(SHIPPED, flow)
    return max(paths.values(), key=len)


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_back_restart_and_emergency_in_every_flow(flow_id: str, user: FakeUser) -> None:
    """Back undoes one step, Emergency returns to the same step, Start again goes to the start."""
    flow = SHIPPED.flows[flow_id]
    steps = _deepest(flow)
    send(user, f"/start {flow_id}")
    start = first_text(SHIPPED, flow, flow.start)
    first = steps[0]
    walk(user, [s for s in steps if s.state == first.state])
    here = keyboard(user).text
    assert start not in here
    tap(user, ui("back_label"))
    assert start in keyboard(user).text
    walk(user, [s for s in steps if s.state == first.state])
    assert keyboard(user).text == here
    tap(user, ui("emergency_label"))
    shown = keyboard(user)
    assert ui("emergency")[:60] in shown.text
    assert SHIPPED.signposts["police_emergency"].phone in shown.text
    tap(user, ui("emergency_back"))
    assert keyboard(user).text == here
    send(user, "999")
    assert ui("emergency")[:60] in keyboard(user).text
    tap(user, ui("emergency_back"))
    tap(user, ui("restart_label"))
    assert start in keyboard(user).text


def test_first_start_asks_the_role_then_shows_that_roles_menu(user: FakeUser) -> None:
    """/start asks who you are; the answer stays under the question; the menu fits the role."""
    send(user, "/start")
    question = keyboard(user)
    assert ui("choose_role") in question.text
    assert labels(question) == [ui(f"role_{r}") for r in ("officer", "partner", "public", "trainer")] + [
        ui("emergency_label"), f"🌐 {ui('language_label')}"]  # issue 15: the first screen offers Cymraeg
    tap(user, ui("role_officer"))
    answered = next(m for m in user.messages if m.message_id == question.message_id)
    assert answered.buttons == []
    assert answered.text.endswith(f"➜ {ui('role_officer')}")
    menu = keyboard(user)
    assert ui("menu") in menu.text
    expected = [f.title for f in SHIPPED.for_role("officer") if f.status == "published"]
    assert labels(menu) == [*expected, ui("emergency_label"), f"🌐 {ui('language_label')}"]
    send(user, "/start")
    assert ui("menu") in keyboard(user).text, "a second /start remembers the role"


def test_role_can_be_typed_as_a_number(user: FakeUser) -> None:
    """Typing 3 at the role question chooses the third role (member of the public)."""
    send(user, "/start")
    send(user, "3")
    titles = [f.title for f in SHIPPED.for_role("public") if f.status == "published"]
    assert labels(keyboard(user))[:-2] == titles  # then Emergency and the language button


def test_deep_links(user: FakeUser) -> None:
    """/start FLOW opens the flow at once; an unknown one explains and shows the role question."""
    flow = SHIPPED.flows[FLOW_IDS[0]]
    send(user, f"/start {flow.id}")
    assert first_text(SHIPPED, flow, flow.start) in keyboard(user).text
    send(user, "/start no_such_flow")
    message = keyboard(user)
    assert ui("not_understood") in message.text
    assert ui("choose_role") in message.text


def test_emergency_comes_first_in_any_state(new_user: Any) -> None:
    """Before any role, typed words and the command all show the emergency guidance."""
    for words in ("999", "EMERGENCY", "Help me", "help me!", "/emergency"):
        user = new_user(first_name="Urgent")
        send(user, words)
        message = keyboard(user)
        assert ui("emergency")[:60] in message.text, words
        assert ui("choose_role") not in message.text
        tap(user, ui("emergency_back"))
        assert ui("choose_role") in keyboard(user).text


def test_stale_and_forged_buttons_never_move_the_session(user: FakeUser) -> None:
    """An old button or made-up data: the query is answered 'stale' and the step shown again."""
    flow = SHIPPED.flows[FLOW_IDS[0]]
    steps = _deepest(flow)
    send(user, f"/start {flow.id}")
    first_message = keyboard(user)
    first_button = next(b for row in first_message.buttons for b in row
                        if b.text == steps[0].label)
    walk(user, steps[:1])
    here = keyboard(user)
    forged = [first_button.callback_data, "a:nowhere:yes", f"a:{steps[1].state}:no_such_option",
              "f:no_such_flow", "r:admin", "n:sudo", "zzz", "a:" + "x" * 70, "f:" + flow.id]
    for data in forged:
        press(user, str(data), keyboard(user).message_id)
        answer = user.callback_answers[-1]
        assert answer.get("text") == ui("stale"), data
        current = keyboard(user)
        assert ui("stale") in current.text
        assert here.text in current.text, f"{data!r} moved the session"
    tap(user, steps[1].label)
    assert here.text not in keyboard(user).text, "a valid tap still works after forged ones"


def test_typed_text_numbers_labels_and_words(user: FakeUser) -> None:
    """Free text gets a reminder; numbers, labels and 'back' work; 'help' shows help."""
    flow = SHIPPED.flows[FLOW_IDS[0]]
    steps = _deepest(flow)
    send(user, f"/start {flow.id}")
    start = keyboard(user).text
    send(user, "my neighbour's name is Bob Smith")
    assert ui("not_understood") in keyboard(user).text
    assert start in keyboard(user).text
    send(user, steps[0].label.upper())
    moved = keyboard(user).text
    assert moved != start
    assert ui("not_understood") not in moved
    send(user, "back")
    assert keyboard(user).text == start
    send(user, "1")
    assert keyboard(user).text != start
    send(user, "/nonsense")
    assert ui("not_understood") in keyboard(user).text
    send(user, "help")
    assert ui("help")[:50] in user.last().text


def test_non_text_messages_get_a_polite_answer(user: FakeUser) -> None:
    """Photos, stickers, voice notes, locations and edits: the non_text answer, place kept."""
    send(user, "/start")
    tap(user, ui("role_public"))
    menu = keyboard(user)
    send(user, "hello")
    typed = max(m.message_id for m in user.messages) - 1
    for action in (user.send_photo, user.send_sticker, user.send_voice, user.send_location):
        act(user, action)
        assert user.last().text == ui("non_text")
    act(user, lambda wait: user.edit(typed, "edited words", wait=wait))
    assert user.last().text == ui("non_text")
    assert labels(keyboard(user)) == labels(menu)


def test_groups_and_channels_are_refused_and_nothing_is_stored(
        shared_api: FakeBotApi, shared_bot: BotProcess) -> None:
    """A group gets the refusal (and emergency words still get the emergency text)."""
    from tgkit import session_rows

    before = session_rows(shared_bot.folder / "sessions.db")
    member = shared_api.user(7_999_001, first_name="Member", chat_type="group")
    send(member, "/start")
    assert member.last().text == ui("group_refused")
    assert member.last().buttons == []
    send(member, "999")
    assert ui("emergency")[:60] in member.last().text
    shared_api.channel_post("/start")
    assert session_rows(shared_bot.folder / "sessions.db") == before


def test_checklist_ticks_edit_the_message_in_place(user: FakeUser) -> None:
    """Ticking an item edits the same message to show ✅; Done moves on."""
    found = [(f, s) for f in SHIPPED.flows.values() for s in f.states.values() if s.kind == "checklist"]
    if not found:
        pytest.skip("no shipped flow has a checklist")
    flow, state = found[0]
    path = paths_to_outcomes(SHIPPED, flow)
    steps = next(p for p in path.values() if any(s.state == state.id for s in p))
    before = list(steps[: [s.state for s in steps].index(state.id)])
    send(user, f"/start {flow.id}")
    walk(user, before)
    message = keyboard(user)
    item = state.items[0].label  # type: ignore[attr-defined]
    tap(user, item, edit=True)
    edited = keyboard(user)
    assert edited.message_id == message.message_id
    assert f"✅ {item}" in labels(edited)
    tap(user, item, edit=True)
    assert f"✅ {item}" not in labels(keyboard(user))
    tap(user, state.done_label or SHIPPED.ui["done_label"])  # type: ignore[attr-defined]
    assert keyboard(user).message_id != message.message_id
