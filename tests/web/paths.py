"""How to reach every state of a flow: the shortest list of answers from its start."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import combinations

from bot.flows import Checklist, Flow, Info, Question


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer on the way: the step it is given at, and what is sent."""

    state: str
    kind: str
    values: tuple[str, ...]


def _ticks_for(state: Checklist, target: str) -> tuple[str, ...] | None:
    items = [i.id for i in state.items]
    for size in range(len(items) + 1):
        for ticks in combinations(items, size):
            if state.next_for(frozenset(ticks)) == target:
                return ticks
    return None


def paths(flow: Flow) -> dict[str, list[Answer]]:
    """Every reachable state and the answers that lead to it from the start."""
    found: dict[str, list[Answer]] = {flow.start: []}
    queue = deque([flow.start])
    while queue:
        state_id = queue.popleft()
        state = flow.states[state_id]
        moves: list[tuple[str, Answer]] = []
        if isinstance(state, Question):
            moves = [(o.next, Answer(state.id, "question", (o.id,))) for o in state.options]
        elif isinstance(state, Info):
            moves = [(state.next, Answer(state.id, "info", ()))]
        elif isinstance(state, Checklist):
            for target in dict.fromkeys(state.targets()):
                ticks = _ticks_for(state, target)
                if ticks is not None:
                    moves.append((target, Answer(state.id, "checklist", ticks)))
        for target, answer in moves:
            if target not in found:
                found[target] = [*found[state_id], answer]
                queue.append(target)
    return found
