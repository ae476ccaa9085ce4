"""The floor: a minimal hand-written, dict-based state machine for the same flows.

It knows only what a turn shows (state, text, options, ticks) and where each choice leads,
all worked out once up front: no transitions, no events, no validation of input. It is
the least work any engine could do per turn, so ``engine / floor`` is the engine's overhead.
The harness checks that it renders exactly what the engine renders along each walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from benchmarks.core import BenchmarkError
from bot.engine import Engine, Turn
from bot.engine.machine import CONTINUE, DONE
from bot.flows import Checklist, Flow, Info, Outcome, Question
from bot.flows.text import expand

__all__ = ["FloorSession", "Table", "check_equivalent", "compile_floor", "floor_choose", "floor_start"]

Table = dict[str, dict[str, Any]]


@dataclass(slots=True)
class FloorSession:
    """Where a floor user is: a state id and the ticked items."""

    state: str = ""
    selected: list[str] = field(default_factory=list)


def compile_floor(engine: Engine, flow: Flow) -> Table:
    """One dict per state: its finished text, options, and where each option leads."""
    signposts = engine.flowset.signposts
    table: Table = {}
    for state in flow.states.values():
        text = expand(state.text, signposts)  # review notes are for training mode only (#13)
        node: dict[str, Any] = {"text": text, "checklist": False, "next": {}}
        if isinstance(state, Question):
            node["options"] = [(o.id, o.label) for o in state.options]
            node["next"] = {o.id: o.next for o in state.options}
        elif isinstance(state, Info):
            node["options"] = [(CONTINUE, state.continue_label or engine.flowset.ui["continue_label"])]
            node["next"] = {CONTINUE: state.next}
        elif isinstance(state, Checklist):
            done = state.done_label or engine.flowset.ui["done_label"]
            node["options"] = [*((i.id, i.label) for i in state.items), (DONE, done)]
            node["checklist"] = True
            node["rules"] = [(set(r.if_any), set(r.if_all), r.if_count_at_least, r.next) for r in state.rules]
        elif isinstance(state, Outcome):
            flows = engine.flowset.flows
            node["options"] = [(f, flows[f].title) for f in state.next_flows if f in flows]
        table[state.id] = node
    return table


def _turn(table: Table, session: FloorSession) -> dict[str, Any]:
    node = table[session.state]
    turn = {
        "state": session.state,
        "text": node["text"],
        "options": [{"id": option_id, "label": label} for option_id, label in node["options"]],
    }
    if node["checklist"]:
        turn["selected"] = list(session.selected)
    return turn


def floor_start(table: Table, session: FloorSession, start: str) -> dict[str, Any]:
    """Put the session on the first state and render it."""
    session.state = start
    session.selected.clear()
    return _turn(table, session)


def floor_choose(table: Table, session: FloorSession, option_id: str) -> dict[str, Any]:
    """Act on a choice and render the next turn."""
    node = table[session.state]
    if node["checklist"]:
        if option_id != DONE:
            if option_id in session.selected:
                session.selected.remove(option_id)
            else:
                session.selected.append(option_id)
            return _turn(table, session)
        ticked = set(session.selected)
        for any_of, all_of, at_least, target in node["rules"]:
            if any_of and not ticked & any_of:
                continue
            if all_of and not ticked >= all_of:
                continue
            if at_least is not None and len(ticked) < at_least:
                continue
            session.state = target
            break
        session.selected.clear()
        return _turn(table, session)
    session.state = node["next"][option_id]
    return _turn(table, session)


def _engine_view(turn: Turn) -> dict[str, Any]:
    view: dict[str, Any] = {
        "state": turn.state,
        "text": turn.text,
        "options": [{"id": o.id, "label": o.label} for o in turn.options],
    }
    if turn.selected is not None:
        view["selected"] = list(turn.selected)
    return view


def check_equivalent(engine: Engine, flow: Flow, table: Table, choices: tuple[str, ...]) -> None:
    """Walk the engine and the floor side by side; raise if any turn differs."""
    session = engine.new_session(channel="benchmark")
    floor = FloorSession()
    pairs = [(_engine_view(engine.start(session, flow.id)), floor_start(table, floor, flow.start))]
    for choice in choices:
        pairs.append((_engine_view(engine.choose(session, choice)), floor_choose(table, floor, choice)))
    for step, (ours, theirs) in enumerate(pairs):
        if ours != theirs:
            raise BenchmarkError(
                f"the floor does not render what the engine renders in flow '{flow.id}' at step {step} "
                f"(engine state '{ours['state']}', floor state '{theirs['state']}'); the floor in "
                "benchmarks/floor.py must be brought in line with the engine before ratios mean anything."
            )
