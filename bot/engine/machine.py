"""Compile a flow into one ``transitions`` machine, shared by every session.

The machine has no models attached. A turn calls
``machine.events[trigger].trigger(session, ticked)``: transitions checks the
transition and sets ``session.state``. This costs a few microseconds and no
memory per user, where a model per user costs about 15 KB. Each state kind gives
its own transitions (``State.transitions``).
"""

from __future__ import annotations

from typing import Any

from transitions import Machine

from bot.flows.kinds import CONTINUE, DONE
from bot.flows.model import Flow

__all__ = ["CONTINUE", "DONE", "compile_machine", "machine_config"]


def machine_config(flow: Flow, *, with_conditions: bool = True) -> dict[str, Any]:
    """The transitions configuration of a flow: states, transitions and the initial state.

    Diagrams use the same configuration (``with_conditions=False`` labels checklist rules
    by name instead of attaching callables).
    """
    transitions: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    for state in flow.states.values():
        states.append({"name": state.id, "final": state.final})
        transitions += state.transitions(with_conditions=with_conditions)
    return {"states": states, "transitions": transitions, "initial": flow.start}


def compile_machine(flow: Flow) -> Machine:
    """One machine for a flow, with no model attached."""
    return Machine(model=None, auto_transitions=False, send_event=False, **machine_config(flow))
