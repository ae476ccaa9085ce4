"""Remembered answers (issue #13): facts a question can store, such as the user's UK nation.

A question with ``remember: nation`` stores the chosen option id as the session's
``nation`` fact; once the fact is known, the engine skips every question that would ask
it again (see ``bot.engine.facts``). So the option ids of such a question must be exactly
the fact's values.
"""

from __future__ import annotations

from yaml.nodes import Node

from bot.flows.model import Flow
from bot.flows.problems import Problem
from bot.flows.reader import Reader

__all__ = ["FACTS", "NATIONS", "check_remember", "read_remember"]

NATIONS = ("england", "wales", "scotland", "northern_ireland")
FACTS: dict[str, tuple[str, ...]] = {"nation": NATIONS}
"""Every fact a question may remember, with the values it can take."""


def read_remember(reader: Reader, node: Node | None) -> str | None:
    """The fact named by a question's ``remember:`` field (None when absent or unknown)."""
    if node is None:
        return None
    fact = reader.identifier(node, "remember")
    if fact is not None and fact not in FACTS:
        reader.error(node, f"unknown fact '{fact}' in remember.",
                     f"use one of: {', '.join(FACTS)}; or remove 'remember:'.")
        return None
    return fact


def check_remember(flow: Flow) -> list[Problem]:
    """A ``remember:`` question names a known fact and offers exactly its values."""
    problems: list[Problem] = []
    for state in flow.states.values():
        fact = getattr(state, "remember", None)  # only questions have it
        if fact is None:
            continue
        values = FACTS[fact]
        ids = [option.id for option in getattr(state, "options", ())]
        missing = [v for v in values if v not in ids]
        extra = [i for i in ids if i not in values]
        if extra:
            problems.append(Problem(
                state.mark, f"question '{state.id}' remembers '{fact}' but has option(s) "
                f"{', '.join(extra)}, which are not values of '{fact}'.",
                f"give its options exactly the ids {', '.join(values)} (several may share a next state)."))
        if missing:
            problems.append(Problem(
                state.mark, f"question '{state.id}' remembers '{fact}' but has no option for "
                f"{', '.join(missing)}.",
                f"give its options exactly the ids {', '.join(values)} (several may share a next state)."))
    return problems
