"""Semantic checks over built flows: the graph, the directory, text rules and limits."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date

from bot.flows.facts import check_remember
from bot.flows.model import Checklist, Flow, Info, Mark, Outcome, Question, Signpost, State
from bot.flows.problems import Problem
from bot.flows.text import (
    MAX_CALLBACK_BYTES,
    MAX_LABEL,
    MAX_TEXT,
    PLACEHOLDER,
    PLACEHOLDER_FIELDS,
    answer_callback,
    contacts_in,
    expand,
    flow_callback,
    signpost_lines,
)

__all__ = ["check_flow", "check_text", "check_ui"]


def _problem(mark: Mark, message: str, fix: str) -> Problem:
    return Problem(mark, message, fix)


def check_text(text: str, mark: Mark, what: str, signposts: dict[str, Signpost]) -> list[Problem]:
    """No contacts written into text; placeholders name known signposts."""
    problems = []
    for _, kind, found in contacts_in(text):
        problems.append(_problem(
            mark,
            f"{what} contains the {kind} '{found}'.",
            "phone numbers and web addresses live only in flows/signposts.yaml: list the service "
            "under the outcome's signposts, or write {phone:SIGNPOST_ID} in the text.",
        ))
    for match in PLACEHOLDER.finditer(text):
        field, signpost_id = match.group("field"), match.group("id")
        if field not in PLACEHOLDER_FIELDS:
            problems.append(_problem(mark, f"{what} uses the unknown placeholder '{match.group(0)}'.",
                                     "use {phone:SIGNPOST_ID} or {name:SIGNPOST_ID}."))
        elif signpost_id not in signposts:
            problems.append(_problem(mark, f"{what} refers to unknown signpost '{signpost_id}'.",
                                     f"{_suggest(signpost_id, signposts)}use an id from flows/signposts.yaml."))
        elif field == "phone" and signposts[signpost_id].phone is None:
            problems.append(_problem(mark, f"{what} asks for the phone of '{signpost_id}', which has none.",
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
    finish = {s.id for s in flow.states.values() if isinstance(s, Outcome)}
    changed = True
    while changed:
        changed = False
        for state in flow.states.values():
            if state.id not in finish and any(t in finish for t in state.targets()):
                finish.add(state.id)
                changed = True
    return finish


def _labels(state: State) -> Iterable[tuple[str, str, Mark]]:
    if isinstance(state, Question):
        for option in state.options:
            yield option.id, option.label, option.mark
    elif isinstance(state, Checklist):
        for item in state.items:
            yield item.id, item.label, item.mark
        yield "done", state.done_label, state.mark
    elif isinstance(state, Info):
        yield "continue", state.continue_label, state.mark


def _check_state(flow: Flow, state: State, signposts: dict[str, Signpost], flow_ids: set[str]) -> list[Problem]:
    problems = check_text(state.text, state.mark, f"the text of state '{state.id}'", signposts)
    if state.why is not None:
        problems += check_text(state.why.text, state.why.mark, f"the why note of '{state.id}'", signposts)
        if flow.source(state.why.source) is None:
            problems.append(_problem(
                state.why.mark, f"the why note of '{state.id}' cites unknown source '{state.why.source}'.",
                f"use one of this flow's source ids: {', '.join(s.id for s in flow.sources)}.",
            ))
    for target, mark, what in _targets_with_marks(state):
        if target not in flow.states:
            problems.append(_problem(mark, f"{what} goes to unknown state '{target}'.",
                                     f"use one of the state ids in this file: {_few(flow.states)}."))
    if isinstance(state, Checklist):
        known = {item.id for item in state.items}
        for rule in state.rules:
            for item_id in (*rule.if_any, *rule.if_all):
                if item_id not in known:
                    problems.append(_problem(rule.mark, f"a rule of '{state.id}' names unknown item '{item_id}'.",
                                             f"use one of the checklist's item ids: {_few(known)}."))
        if not state.rules or not state.rules[-1].unconditional:
            problems.append(_problem(state.mark, f"checklist '{state.id}' has no rule without conditions at the end.",
                                     "end the rules with one that has only 'next:', so every choice leads on."))
    for option_id, label, mark in _labels(state):
        problems += check_text(label, mark, f"the label of '{option_id}' in '{state.id}'", signposts)
        if len(label) > MAX_LABEL:
            problems.append(_problem(mark, f"the label of '{option_id}' is {len(label)} characters long.",
                                     f"shorten it to {MAX_LABEL} characters or fewer (Telegram's button limit)."))
        data = answer_callback(state.id, option_id)
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            problems.append(_problem(mark, f"the button data '{data}' is {len(data.encode())} bytes.",
                                     f"shorten the state or option id so it fits in {MAX_CALLBACK_BYTES} bytes."))
    text = expand(state.text, signposts)
    if isinstance(state, Outcome):
        for signpost_id in state.signposts:
            if signpost_id not in signposts:
                problems.append(_problem(state.mark, f"outcome '{state.id}' names unknown signpost '{signpost_id}'.",
                                         f"{_suggest(signpost_id, signposts)}use an id from flows/signposts.yaml."))
        for flow_id in state.next_flows:
            if flow_id not in flow_ids:
                problems.append(_problem(state.mark, f"outcome '{state.id}' suggests unknown flow '{flow_id}'.",
                                         f"use a flow id: {_few(flow_ids)}."))
        listed = [signposts[s] for s in state.signposts if s in signposts]
        text = "\n".join([text, *signpost_lines(listed)])
    if len(text) > MAX_TEXT:
        problems.append(_problem(state.mark, f"the message for '{state.id}' is {len(text)} characters long.",
                                 f"shorten it to {MAX_TEXT} characters or fewer (Telegram's limit)."))
    return problems


def _targets_with_marks(state: State) -> Iterable[tuple[str, Mark, str]]:
    if isinstance(state, Question):
        for option in state.options:
            yield option.next, option.mark, f"option '{option.id}' of '{state.id}'"
    elif isinstance(state, Checklist):
        for rule in state.rules:
            yield rule.next, rule.mark, f"a rule of '{state.id}'"
    elif isinstance(state, Info):
        yield state.next, state.mark, f"state '{state.id}'"


def _suggest(value: str, ids: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(ids), n=1)
    return f"did you mean '{close[0]}'? " if close else ""


def _few(ids: Iterable[str]) -> str:
    listed = sorted(ids)
    more = f" and {len(listed) - 8} more" if len(listed) > 8 else ""
    return ", ".join(listed[:8]) + more


def check_flow(flow: Flow, signposts: dict[str, Signpost], flow_ids: set[str], today: date) -> list[Problem]:
    """Every semantic rule for one flow."""
    problems: list[Problem] = []
    stem = flow.path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".yaml").removesuffix(".yml")
    if stem != flow.id:
        problems.append(_problem(flow.where("id"), f"flow id '{flow.id}' does not match the file name '{stem}'.",
                                 f"rename the file to {flow.id}.yaml or change the id."))
    if flow.start not in flow.states:
        problems.append(_problem(flow.where("start"), f"start state '{flow.start}' does not exist.",
                                 f"use one of the state ids in this file: {_few(flow.states)}."))
    if flow.review_due < today:
        problems.append(Problem(flow.where("review_due"), f"review_due {flow.review_due.isoformat()} is in the past.",
                                "review the flow against the sources, then move reviewed_on and review_due on.",
                                "warning"))
    if flow.reviewed_on > flow.review_due:
        problems.append(_problem(flow.where("reviewed_on"), "reviewed_on is later than review_due.",
                                 "set review_due after reviewed_on."))
    data = flow_callback(flow.id)
    if len(flow.title) > MAX_LABEL:
        problems.append(_problem(flow.where("title"), f"the title is {len(flow.title)} characters long.",
                                 f"shorten it to {MAX_LABEL} characters (it is a menu button)."))
    if len(data.encode()) > MAX_CALLBACK_BYTES:  # pragma: no cover - ids are at most 40 chars
        problems.append(_problem(flow.mark, "the flow id is too long for a button.", "shorten it."))
    problems += check_text(flow.title, flow.where("title"), "the title", signposts)
    problems += check_text(flow.description, flow.where("description"), "the description", signposts)
    for state in flow.states.values():
        problems += _check_state(flow, state, signposts, flow_ids)
    problems += check_remember(flow)  # issue 13
    reachable = _reachable(flow)
    finishing = _can_finish(flow)
    for state in flow.states.values():
        if state.id not in reachable and flow.start in flow.states:
            problems.append(_problem(state.mark, f"state '{state.id}' cannot be reached from '{flow.start}'.",
                                     "lead an option to it, or delete it."))
        elif state.id not in finishing and all(t in flow.states for t in state.targets()):
            problems.append(_problem(state.mark,
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
            problems.append(_problem(where, f"emergency signpost '{signpost_id}' is not in the directory.",
                                     "use an id from flows/signposts.yaml."))
    return problems
