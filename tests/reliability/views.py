"""What a user should see for a stored session, and where one button press should take it.

Both come from the project's own engine and renderer, used as the oracle: the stored session
is rendered exactly as the bot renders it, and a press from the live keyboard is applied
with the engine operation the button stands for.
"""

from __future__ import annotations

import itertools
from typing import Any

from botapi import FakeBotApi, FakeUser

from bot.channels.telegram.render import parse_callback, render_roles, render_turn
from bot.engine import Engine, Session
from bot.flows import FlowSet, Outcome
from tests.reliability.botproc import INFORMATION, live_keyboard

__all__ = [
    "PLACE",
    "act",
    "acts_on",
    "apply_action",
    "check_history",
    "place",
    "rendered",
    "reply_shown",
    "view_matches",
]

PLACE = ("flow", "state", "history", "selected", "emergency", "role")
"""The fields of a stored session that make up a user's place."""


def place(session: dict[str, Any] | None) -> dict[str, Any] | None:
    """The place fields of a stored (or to_dict) session."""
    return None if session is None else {k: session[k] for k in PLACE}


def rendered(engine: Engine, session: dict[str, Any]) -> tuple[str, list[str]]:
    """The text and button data the bot shows for a stored session (no error or notice)."""
    s = Session.from_dict(session)
    turn = engine.current(s)
    message = render_roles(engine.ui) if turn.kind == "menu" and s.role is None else render_turn(turn, engine.ui)
    assert message.markup is not None
    data = [b.callback_data for row in message.markup.inline_keyboard for b in row if b.callback_data]
    return message.text, [str(d) for d in data if not str(d).startswith(INFORMATION)]


def view_matches(engine: Engine, user: FakeUser, session: dict[str, Any]) -> bool:
    """True when the user's live keyboard message shows exactly this session's step."""
    keyboard = live_keyboard(user)
    if keyboard is None:
        return False
    message_id, data = keyboard
    text = next(m.text for m in user.messages if m.message_id == message_id)
    want_text, want_data = rendered(engine, session)
    return data == want_data and (text == want_text or text.endswith("\n\n" + want_text))


def act(user: FakeUser, action: str, *, wait: bool = True) -> int:
    """Do one action (see :func:`apply_action`) as the user; the id of the update it sent."""
    if action.startswith("/"):
        user.send(action, wait=wait)
    elif action.startswith("t:"):
        user.send(action[2:], wait=wait)
    else:
        user.press_data(action, wait=wait)
    update_id = user.last_update_id
    assert update_id is not None
    return update_id


def acts_on(engine: Engine, session: dict[str, Any] | None, action: str) -> bool:
    """Whether the bot acts on ``action`` from a user whose stored place is ``session``.

    Commands, typed text and the navigation buttons (Back, Start again, Menu, Emergency) act
    wherever the user really is. Any other button acts only if it is on the keyboard of the
    stored step (so a checklist tick from a keyboard that missed one earlier tick still
    counts); otherwise the bot answers it as stale and moves nothing.
    """
    if action.startswith(("/", "t:")):
        return True
    callback = parse_callback(action)
    if callback is None:
        return False
    if callback.kind == "nav":
        return True
    stored = session if session is not None else Session(channel="telegram").to_dict()
    return action in rendered(engine, stored)[1]


def reply_shown(server: FakeBotApi, user: FakeUser, since: float) -> bool:
    """Whether the bot has shown the user a live keyboard (a new step or a checklist edited in
    place) in a call that arrived at or after ``since`` and has been answered.

    Every update the bot acts on ends that way, so this tells when the bot is done with one,
    even when the new step looks exactly like the old one.
    """
    for call in reversed(list(server.calls)):  # a copy: the server appends from its threads
        if call.at < since:
            return False
        markup = call.params.get("reply_markup")
        if call.chat_id == user.chat_id and call.status == 200 \
                and call.method in ("sendMessage", "editMessageText") \
                and isinstance(markup, dict) and markup.get("inline_keyboard"):
            return True
    return False


def apply_action(engine: Engine, before: dict[str, Any] | None, action: str) -> dict[str, Any]:
    """The session after one action: a button's callback data from the live keyboard, a
    command (``/start``, ``/back``, ``/restart``, ``/menu``) or typed text (``t:TEXT``,
    not on the role question)."""
    session = Session.from_dict(before) if before is not None else Session(channel="telegram")
    commands = {"/start": engine.menu, "/menu": engine.menu, "/back": engine.back, "/restart": engine.restart}
    if action in commands:
        commands[action](session)
        return session.to_dict()
    if action.startswith("t:"):
        engine.handle_text(session, action[2:])
        return session.to_dict()
    callback = parse_callback(action)
    assert callback is not None, action
    if callback.kind == "role":
        session.role = callback.value
        engine.menu(session)
    elif callback.kind == "nav":
        {"back": engine.back, "restart": engine.restart, "menu": engine.menu,
         "emergency": engine.emergency}[callback.value](session)
    else:
        engine.choose(session, callback.value)
    return session.to_dict()


def check_history(flowset: FlowSet, session: dict[str, Any]) -> None:
    """The stored state exists in its flow and its history is a chain of real transitions."""
    if session["flow"] is None:
        assert session["state"] == "menu"
        assert session["history"] == []
        return
    flow = flowset.flows[session["flow"]]
    assert session["state"] in flow.states, session
    chain = [state for state, _ in session["history"]] + [session["state"]]
    for before, after in itertools.pairwise(chain):
        state = flow.states[before]
        if isinstance(state, Outcome):
            raise AssertionError(f"the history passes through the outcome {before}")
        targets = set(state.targets())
        assert after in targets, f"{before} -> {after} is not a transition of {flow.id}"
    current = flow.states[session["state"]]
    assert set(session["selected"]) <= {i.id for i in getattr(current, "items", ())}
