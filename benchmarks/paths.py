"""The longest simple path through each flow, as the choices a user would make.

A walk starts at the flow's first state (``Engine.start``) and lists the option ids passed
to ``Engine.choose`` until an outcome. A checklist is crossed by ticking items (two when
two reach the wanted rule, as a user would tick "a couple") and then ``done``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from benchmarks.core import BenchmarkError
from bot.engine.machine import CONTINUE, DONE
from bot.flows import Checklist, Flow, FlowSet, Info, Outcome, Question

__all__ = ["MAX_SEARCH", "Walk", "edges", "longest_walk", "longest_walks"]

MAX_SEARCH = 200_000
"""Depth-first steps allowed per flow before the longest path found so far is used."""


@dataclass(frozen=True, slots=True)
class Walk:
    """A path through one flow: the states visited and the choices that visit them."""

    flow: str
    states: tuple[str, ...]
    presses: tuple[tuple[str, str], ...]
    """(state id, option id) for every ``choose`` call, in order."""

    @property
    def choices(self) -> tuple[str, ...]:
        """The option ids passed to ``choose``, in order."""
        return tuple(option for _, option in self.presses)

    @property
    def turns(self) -> int:
        """How many ``choose`` calls the walk makes."""
        return len(self.presses)


def _ticks_for(state: Checklist, target: str) -> tuple[str, ...] | None:
    """The fewest-surprise tick set that makes ``done`` lead to ``target``: two items first."""
    items = [item.id for item in state.items]
    sizes = [2, 1, 3, 0, *range(4, len(items) + 1)]
    for size in sizes:
        if size > len(items):
            continue
        for ticks in itertools.combinations(items, size):
            if state.next_for(frozenset(ticks)) == target:
                return tuple(str(item) for item in ticks)
    return None


def edges(flow: Flow) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """For each state: (next state, the choices that get there), in the file's order."""
    graph: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for state in flow.states.values():
        out: list[tuple[str, tuple[str, ...]]] = []
        if isinstance(state, Question):
            out = [(o.next, (o.id,)) for o in state.options]
        elif isinstance(state, Info):
            out = [(state.next, (CONTINUE,))]
        elif isinstance(state, Checklist):
            for target in dict.fromkeys(state.targets()):
                ticks = _ticks_for(state, target)
                if ticks is not None:
                    out.append((target, (*ticks, DONE)))
        graph[state.id] = out
    return graph


def longest_walk(flow: Flow, *, avoid_remembered: bool = False) -> Walk:
    """The longest simple path from the start to an outcome (most states, then most choices).

    With ``avoid_remembered``, walks through fewer remembered questions (#13) come first: a
    chat that walks the flow again after Start again skips those, so its presses would differ.
    """
    graph = edges(flow)
    best: tuple[tuple[int, int, int], list[str], list[tuple[str, str]]] = ((-1_000, -1, -1), [], [])
    budget = [MAX_SEARCH]

    def visit(state_id: str, seen: list[str], choices: list[tuple[str, str]]) -> None:
        nonlocal best
        budget[0] -= 1
        if budget[0] < 0:
            return
        if isinstance(flow.states[state_id], Outcome):
            remembered = sum(1 for s in seen if getattr(flow.states[s], "remember", None)) \
                if avoid_remembered else 0
            score = (-remembered, len(seen), len(choices))
            if score > best[0]:
                best = (score, list(seen), list(choices))
            return
        for target, steps in graph[state_id]:
            if target in seen:
                continue
            seen.append(target)
            choices.extend((state_id, step) for step in steps)
            visit(target, seen, choices)
            del choices[len(choices) - len(steps):]
            seen.pop()

    visit(flow.start, [flow.start], [])
    if best[0][1] < 0:
        raise BenchmarkError(f"flow '{flow.id}' has no path from its start to an outcome; "
                             "run 'referral-bot validate' and fix the flow.")
    return Walk(flow.id, tuple(best[1]), tuple(best[2]))


def longest_walks(flowset: FlowSet) -> list[Walk]:
    """The longest walk of every flow, in flow id order."""
    return [longest_walk(flowset.flows[flow_id]) for flow_id in sorted(flowset.flows)]
