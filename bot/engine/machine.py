"""Compile a flow into one ``transitions`` machine, shared by every session.

The machine has no models attached. A turn calls
``machine.events[trigger].trigger(session, ticked)``: transitions checks the
transition and sets ``session.state``. This costs a few microseconds and no
memory per user, where a model per user costs about 15 KB.
"""

from __future__ import annotations

from typing import Any

from transitions import Machine

from bot.flows.model import Checklist, ChecklistRule, Flow, Info, Outcome, Question

__all__ = ["CONTINUE", "DONE", "compile_machine", "machine_config"]

DONE = "done"
CONTINUE = "continue"


def _rule_condition(rule: ChecklistRule) -> Any:
    def condition(ticked: frozenset[str]) -> bool:
        return rule.matches(ticked)

    condition.__name__ = "ticked_" + "_".join(
        [*rule.if_any, *rule.if_all] or [f"at_least_{rule.if_count_at_least}"]
    )
    return condition


def machine_config(flow: Flow, *, with_conditions: bool = True) -> dict[str, Any]:
    """The transitions configuration of a flow: states, transitions and the initial state.

    Diagrams use the same configuration (``with_conditions=False`` labels checklist rules
    by name instead of attaching callables).
    """
    transitions: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    for state in flow.states.values():
        states.append({"name": state.id, "final": isinstance(state, Outcome)})
        if isinstance(state, Question):
            for option in state.options:
                transitions.append({"trigger": option.id, "source": state.id, "dest": option.next})
        elif isinstance(state, Checklist):
            for rule in state.rules:
                entry: dict[str, Any] = {"trigger": DONE, "source": state.id, "dest": rule.next}
                if not rule.unconditional:
                    condition = _rule_condition(rule)
                    entry["conditions"] = [condition if with_conditions else condition.__name__]
                transitions.append(entry)
        elif isinstance(state, Info):
            transitions.append({"trigger": CONTINUE, "source": state.id, "dest": state.next})
    return {"states": states, "transitions": transitions, "initial": flow.start}


def compile_machine(flow: Flow) -> Machine:
    """One machine for a flow, with no model attached."""
    return Machine(model=None, auto_transitions=False, send_event=False, **machine_config(flow))
