"""Semantic checks over built flows: the graph, the directory, text rules and channel limits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.flows.facts import check_remember
from bot.flows.limits import ChannelLimits, check_limits
from bot.flows.model import Flow, Mark, Signpost, State
from bot.flows.problems import Problem, few, suggest
from bot.flows.text import PLACEHOLDER, PLACEHOLDER_FIELDS, contacts_in

__all__ = ["check_flow", "check_text", "check_ui"]


def check_text(text: str, mark: Mark, what: str, signposts: dict[str, Signpost]) -> list[Problem]:
    """No contacts written into text; placeholders name known signposts."""
    problems = []
    for _, kind, found in contacts_in(text):
        problems.append(Problem(
            mark,
            f"{what} contains the {kind} '{found}'.",
            "phone numbers and web addresses live only in flows/signposts.yaml: list the service "
            "under the outcome's signposts, or write {phone:SIGNPOST_ID} in the text.",
        ))
    for match in PLACEHOLDER.finditer(text):
        field, signpost_id = match.group("field"), match.group("id")
        if field not in PLACEHOLDER_FIELDS:
            problems.append(Problem(mark, f"{what} uses the unknown placeholder '{match.group(0)}'.",
                                     "use {phone:SIGNPOST_ID} or {name:SIGNPOST_ID}."))
        elif signpost_id not in signposts:
            problems.append(Problem(mark, f"{what} refers to unknown signpost '{signpost_id}'.",
                                     f"{suggest(signpost_id, signposts)}use an id from flows/signposts.yaml."))
        elif field == "phone" and signposts[signpost_id].phone is None:
            problems.append(Problem(mark, f"{what} asks for the phone of '{signpost_id}', which has none.",
                                     "use {name:...} or a signpost with a phone number."))
    return problems


def _reachable(flow: Flow) -> set[str]:
    seen: set[str] = set()
    todo = [flow.start] if flow.start in flow.states else []
    while todo:
        state_id = todo.pop()
        if state_id in seen:
            continue
        seen.add(state_id)
        todo.extend(t for t in flow.states[state_id].targets() if t in flow.states)
    return seen


def _can_finish(flow: Flow) -> set[str]:
    """States from which some outcome can be reached."""
    finish = {s.id for s in flow.states.values() if s.final}
    changed = True
    while changed:
        changed = False
        for state in flow.states.values():
            if state.id not in finish and any(t in finish for t in state.targets()):
                finish.add(state.id)
                changed = True
    return finish


def _check_state(flow: Flow, state: State, signposts: dict[str, Signpost], flow_ids: set[str]) -> list[Problem]:
    problems = check_text(state.text, state.mark, f"the text of state '{state.id}'", signposts)
    if state.why is not None:
        problems += check_text(state.why.text, state.why.mark, f"the why note of '{state.id}'", signposts)
        if flow.source(state.why.source) is None:
            problems.append(Problem(
                state.why.mark, f"the why note of '{state.id}' cites unknown source '{state.why.source}'.",
                f"use one of this flow's source ids: {', '.join(s.id for s in flow.sources)}.",
            ))
    for target, mark, what in state.edges():
        if target not in flow.states:
            problems.append(Problem(mark, f"{what} goes to unknown state '{target}'.",
                                    f"use one of the state ids in this file: {few(flow.states)}."))
    problems += state.check(flow, signposts, flow_ids)
    for option_id, label, mark in state.buttons():
        problems += check_text(label, mark, f"the label of '{option_id}' in '{state.id}'", signposts)
    return problems


def labels(state: State) -> list[tuple[str, str, Mark]]:
    """A state's buttons, for channel limits: (option id, label, where)."""
    return list(state.buttons())


def check_flow(flow: Flow, signposts: dict[str, Signpost], flow_ids: set[str], today: date,
               limits: Sequence[ChannelLimits] = ()) -> list[Problem]:
    """Every semantic rule for one flow, and whether it fits in each channel's ``limits``."""
    problems: list[Problem] = []
    stem = flow.path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".yaml").removesuffix(".yml")
    if stem != flow.id:
        problems.append(Problem(flow.where("id"), f"flow id '{flow.id}' does not match the file name '{stem}'.",
                                 f"rename the file to {flow.id}.yaml or change the id."))
    if flow.start not in flow.states:
        problems.append(Problem(flow.where("start"), f"start state '{flow.start}' does not exist.",
                                 f"use one of the state ids in this file: {few(flow.states)}."))
    if flow.review_due < today:
        problems.append(Problem(flow.where("review_due"), f"review_due {flow.review_due.isoformat()} is in the past.",
                                "review the flow against the sources, then move reviewed_on and review_due on.",
                                "warning"))
    if flow.reviewed_on > flow.review_due:
        problems.append(Problem(flow.where("reviewed_on"), "reviewed_on is later than review_due.",
                                 "set review_due after reviewed_on."))
    problems += check_text(flow.title, flow.where("title"), "the title", signposts)
    problems += check_text(flow.description, flow.where("description"), "the description", signposts)
    for state in flow.states.values():
        problems += _check_state(flow, state, signposts, flow_ids)
    problems += check_remember(flow)  # issue 13
    for channel in limits:
        problems += check_limits(flow, signposts, channel, labels)
    reachable = _reachable(flow)
    finishing = _can_finish(flow)
    for state in flow.states.values():
        if state.id not in reachable and flow.start in flow.states:
            problems.append(Problem(state.mark, f"state '{state.id}' cannot be reached from '{flow.start}'.",
                                     "lead an option to it, or delete it."))
        elif state.id not in finishing and all(t in flow.states for t in state.targets()):
            problems.append(Problem(state.mark,
                                     f"no outcome can be reached from state '{state.id}' (a loop with no exit).",
                                     "give one of the states in the loop an option that leads to an outcome."))
    return problems


def check_ui(ui: dict[str, str], marks: dict[str, Mark], emergency: list[tuple[str, Mark]],
             signposts: dict[str, Signpost]) -> list[Problem]:
    """Interface texts follow the same text rules; emergency signposts exist."""
    problems: list[Problem] = []
    for key, text in ui.items():
        problems += check_text(text, marks[key], f"the '{key}' text", signposts)
    for signpost_id, where in emergency:
        if signpost_id not in signposts:
            problems.append(Problem(where, f"emergency signpost '{signpost_id}' is not in the directory.",
                                     "use an id from flows/signposts.yaml."))
    return problems
