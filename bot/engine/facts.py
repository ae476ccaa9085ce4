"""Remembered answers in a session (issue #13): store them, and skip questions they answer.

A question with ``remember: FACT`` stores the chosen option id in ``session.facts[FACT]``.
Entering such a question when the fact is already known (answered earlier in the same
conversation, in any flow, or set by the force's local profile) chooses that option at once.
The skipped question stays in the history, marked with :data:`SKIPPED`, so Back jumps over it.
"""

from __future__ import annotations

from transitions import Machine

from bot.engine.session import Session
from bot.flows.model import Flow, State

__all__ = ["SKIPPED", "back_past_skipped", "remember", "skip_known"]

SKIPPED = "="
"""The history's tick marker of a skipped question (never a valid item id)."""


def remember(state: State, option_id: str, session: Session) -> None:
    """Store the answer to a ``remember:`` question as the session's fact."""
    fact = getattr(state, "remember", None)  # only questions have it
    if fact is not None:
        session.facts[fact] = option_id


def skip_known(flow: Flow, session: Session, machine: Machine) -> None:
    """Move past every question whose fact the session knows, recording each as skipped."""
    for _ in range(len(flow.states)):  # a bound, in case questions ever led to each other
        state = flow.states.get(session.state)
        fact = getattr(state, "remember", None)  # only questions have it
        if state is None or fact is None:
            return
        value = session.facts.get(fact)
        if value is None or not any(option.id == value for option in getattr(state, "options", ())):
            return
        machine.events[value].trigger(session, frozenset())
        session.history.append((state.id, (SKIPPED,)))


def back_past_skipped(session: Session) -> bool:
    """Undo one step, jumping over skipped questions. False (nothing moved) when only skipped
    questions lie behind the current step."""
    kept = list(session.history)
    while session.history:
        state, ticks = session.history.pop()
        if ticks != (SKIPPED,):
            session.state = state
            session.selected[:] = list(ticks)
            return True
    session.history[:] = kept
    return False
