"""Every reachable path of every shipped flow ends in an outcome with a signpost,
and emergency works (and comes back) at every state."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import Engine, Session
from bot.flows import Checklist, Flow, FlowSet, Info, Outcome, Question, State, load_flows
from tests.conftest import FLOWS

SHIPPED = load_flows(FLOWS)
MAX_PATHS = 20_000


def tick_sets(state: Checklist) -> Iterator[tuple[str, frozenset[str]]]:
    """For each rule, a set of ticks that makes the checklist choose that rule's ``next``."""
    items = [item.id for item in state.items]
    for rule in state.rules:
        anys = list(rule.if_any) or [None]
        found = None
        for extra_count in range(len(items) + 1):
            for first in anys:
                base = set(rule.if_all) | ({first} if first else set())
                for extra in combinations([i for i in items if i not in base], max(0, extra_count)):
                    ticks = frozenset(base | set(extra))
                    if rule.matches(ticks) and state.next_for(ticks) == rule.next:
                        found = ticks
                        break
                if found is not None:
                    break
            if found is not None:
                break
        assert found is not None, f"{state.id}: the rule leading to {rule.next!r} can never be chosen"
        yield rule.next, found


def choices(state: State) -> Iterator[tuple[str, list[str]]]:
    """(next state, the option ids that lead there) for every way out of a state."""
    if isinstance(state, Question):
        for option in state.options:
            yield option.next, [option.id]
    elif isinstance(state, Checklist):
        for target, ticks in tick_sets(state):
            yield target, [*sorted(ticks), "done"]
    elif isinstance(state, Info):
        yield state.next, ["continue"]


def all_paths(flow: Flow) -> Iterator[list[str]]:
    """Every simple path from the start, as the list of inputs that walks it."""
    stack: list[tuple[str, list[str], frozenset[str]]] = [(flow.start, [], frozenset({flow.start}))]
    while stack:
        state_id, inputs, seen = stack.pop()
        state = flow.states[state_id]
        if isinstance(state, Outcome):
            yield inputs
            continue
        for target, step in choices(state):
            if target not in seen:
                stack.append((target, inputs + step, seen | {target}))


def flow_ids(flowset: FlowSet) -> list[str]:
    return sorted(flowset.flows)


@pytest.mark.parametrize("flow_id", flow_ids(SHIPPED))
def test_every_path_ends_in_an_outcome_with_a_signpost(flow_id: str) -> None:
    engine = Engine(SHIPPED)
    flow = SHIPPED.flows[flow_id]
    outcomes_seen: set[str] = set()
    for count, inputs in enumerate(all_paths(flow), start=1):
        assert count <= MAX_PATHS, "too many paths to walk; split the flow"
        session = engine.new_session(role=flow.audience[0])
        turn = engine.start(session, flow_id)
        for choice in inputs:
            assert choice in [o.id for o in turn.options], (inputs, turn.state)
            turn = engine.choose(session, choice)
            assert turn.error is None
        assert turn.kind == "outcome", inputs
        assert turn.outcome is not None
        assert turn.signposts, f"outcome {turn.outcome} has no signpost"
        outcomes_seen.add(turn.outcome)
    assert outcomes_seen == {o.id for o in flow.outcomes()}


def reach(engine: Engine, flow: Flow, target: str) -> Session:
    """A session standing on ``target`` (with some checklist ticks if it is a checklist)."""
    for inputs in all_paths(flow):
        session = engine.new_session()
        engine.start(session, flow.id)
        for choice in inputs:
            if session.state == target:
                return session
            engine.choose(session, choice)
        if session.state == target:
            return session
    raise AssertionError(f"{target} not reachable")


@pytest.mark.parametrize(
    ("flow_id", "state_id"),
    [(f.id, s) for f in SHIPPED.flows.values() for s in f.states],
)
def test_emergency_works_at_every_state_and_back_returns_there(flow_id: str, state_id: str) -> None:
    engine = Engine(SHIPPED)
    session = reach(engine, SHIPPED.flows[flow_id], state_id)
    state = SHIPPED.flows[flow_id].states[state_id]
    if isinstance(state, Checklist):
        engine.choose(session, state.items[0].id)
    before = engine.current(session)
    turn = engine.handle_text(session, "emergency")
    assert (turn.kind, turn.signposts[0].phone) == ("emergency", "999")
    assert "999" in turn.text
    assert engine.handle_text(session, "back") == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    flow_id=st.sampled_from(flow_ids(SHIPPED)),
    inputs=st.lists(
        st.one_of(
            st.integers(min_value=0, max_value=12).map(str),
            st.sampled_from(["back", "restart", "menu", "emergency", "done", "continue", "yes", "no"]),
            st.text(max_size=30),
        ),
        max_size=40,
    ),
)
def test_random_input_keeps_sessions_consistent(flow_id: str, inputs: list[str]) -> None:
    engine = Engine(SHIPPED)
    session = engine.new_session(role="trainer")
    engine.start(session, flow_id)
    for line in inputs:
        turn = engine.handle_text(session, line)
        assert turn.options or turn.kind == "outcome"
        if session.flow is None:
            assert (session.state, session.history) == ("menu", [])
            continue
        flow = SHIPPED.flows[session.flow]
        assert session.state in flow.states
        assert all(state in flow.states for state, _ in session.history)
        current = flow.states[session.state]
        assert set(session.selected) <= {i.id for i in getattr(current, "items", ())}
        if turn.error is None and not session.emergency:
            assert turn.state == session.state
