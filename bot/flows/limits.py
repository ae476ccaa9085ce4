"""What a channel can show: its name and limits, declared by the channel, checked here.

The flow model knows no channel. Each channel package declares one :class:`ChannelLimits`
(its name, the longest message and button label it shows, and, if buttons carry data,
how that data is built and how many bytes it may take); ``referral-bot validate`` checks
every flow against every shipped channel's limits, naming the channel in each problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.flows.model import Flow, Mark, Signpost, State
from bot.flows.problems import Problem
from bot.flows.text import expand, signpost_lines

__all__ = ["ChannelLimits", "check_limits", "message_text"]


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    """A channel's limits; None means no limit.

    Args:
        name: the channel as people call it, used in problems ("Telegram shows at most 64").
        max_text: the longest message, in characters.
        max_label: the longest button label, in characters.
        max_data_bytes: the most bytes a button's data may take.
        answer_data: the data of an answer button, from the state and option ids.
        flow_data: the data of a button that starts a flow, from the flow id.
    """

    name: str
    max_text: int | None = None
    max_label: int | None = None
    max_data_bytes: int | None = None
    answer_data: Callable[[str, str], str] | None = None
    flow_data: Callable[[str], str] | None = None


def message_text(state: State, signposts: dict[str, Signpost]) -> str:
    """The step's text as a channel shows it at its longest: placeholders filled, services listed."""
    text = expand(state.text, signposts)
    services = state.services()
    if services:
        listed = [signposts[s] for s in services if s in signposts]
        text = "\n".join([text, *signpost_lines(listed)])
    return text


def _too_long_label(limits: ChannelLimits, label: str, mark: Mark, what: str) -> list[Problem]:
    if limits.max_label is None or len(label) <= limits.max_label:
        return []
    return [Problem(mark, f"{what} is {len(label)} characters; {limits.name} shows at most {limits.max_label}.",
                    f"shorten it to {limits.max_label} characters or fewer.")]


def _too_much_data(limits: ChannelLimits, data: str, mark: Mark, fix: str) -> list[Problem]:
    size = len(data.encode())
    if limits.max_data_bytes is None or size <= limits.max_data_bytes:
        return []
    return [Problem(mark, f"the button data '{data}' is {size} bytes; {limits.name} allows at most "
                          f"{limits.max_data_bytes}.", fix)]


def check_limits(flow: Flow, signposts: dict[str, Signpost], limits: ChannelLimits,
                 labels: Callable[[State], list[tuple[str, str, Mark]]]) -> list[Problem]:
    """Every place where ``flow`` does not fit in the channel ``limits`` describes.

    ``labels`` gives a state's buttons as (option id, label, where it was written).
    """
    problems = _too_long_label(limits, flow.title, flow.where("title"), "the title (a menu button)")
    if limits.flow_data is not None:
        problems += _too_much_data(limits, limits.flow_data(flow.id), flow.mark, "shorten the flow id.")
    for state in flow.states.values():
        for option_id, label, mark in labels(state):
            problems += _too_long_label(limits, label, mark, f"the label of '{option_id}'")
            if limits.answer_data is not None:
                problems += _too_much_data(limits, limits.answer_data(state.id, option_id), mark,
                                           "shorten the state or option id.")
        text = message_text(state, signposts)
        if limits.max_text is not None and len(text) > limits.max_text:
            problems.append(Problem(
                state.mark, f"the message for '{state.id}' is {len(text)} characters; {limits.name} shows at "
                            f"most {limits.max_text}.", f"shorten it to {limits.max_text} characters or fewer."))
    return problems
