"""Demo paths for trainers: each story walked through the real engine, step by step."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine import Engine, Turn
from bot.flows.model import FlowSet
from bot.stories import Story, StoryError, load_stories, run_story

__all__ = ["DemoPath", "DemoStep", "demo_paths", "load_demo_stories"]


@dataclass(frozen=True, slots=True)
class DemoStep:
    """One input of a demo: the step it was typed at and the answer it chose."""

    state: str
    kind: str
    answer: str
    choice: str = ""
    """The option id chosen (to show the answer in another language's handbook, issue 15)."""


@dataclass(frozen=True, slots=True)
class DemoPath:
    """A story as a trainer replays it: the answers in order and where they lead."""

    flow: str
    story: str
    title: str
    audience: str
    steps: tuple[DemoStep, ...]
    outcome: str
    reached: str
    says: tuple[str, ...]
    command: str
    failures: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when :func:`bot.stories.run_story` passes: the outcome is reached and says it all."""
        return not self.failures


def load_demo_stories(flowset: FlowSet) -> tuple[list[Story], str | None]:
    """The stories in the flows folder's ``stories/``, and a problem message if they cannot load."""
    folder = Path(flowset.folder) / "stories"
    if not folder.is_dir():
        return [], f"{folder} does not exist, so there are no demo paths. Fix: add story files there."
    try:
        return list(load_stories(folder)), None
    except StoryError as exc:
        return [], f"the stories cannot be read: {exc}"


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value)
    return (str(value),)


def _chosen(turn: Turn, option_id: str) -> str:
    """The button label of an option id (the id itself when the step has no such option)."""
    return next((o.label for o in turn.options if o.id == option_id), option_id)


def _walk(engine: Engine, flow_id: str, choices: Sequence[str]) -> tuple[DemoStep, ...]:
    """The steps a story's option ids pass through, as a user taps them."""
    session = engine.new_session(channel="handbook", training=True)
    turn = engine.start(session, flow_id)
    steps: list[DemoStep] = []
    for choice in choices:
        before = turn
        turn = engine.choose(session, choice)
        steps.append(DemoStep(before.state, before.kind, _chosen(before, choice), choice))
        if turn.error:
            break
    return tuple(steps)


def demo_paths(flowset: FlowSet, stories: Iterable[Story]) -> dict[str, dict[str, list[DemoPath]]]:
    """Demo paths by flow id, then by the outcome each story expects.

    Every story is replayed through a real :class:`~bot.engine.Engine` and checked with
    :func:`bot.stories.run_story`, so a path shown in the handbook is a path that works;
    ``DemoPath.ok`` is False (with the failures) when it does not.
    """
    engine = Engine(flowset)
    found: dict[str, dict[str, list[DemoPath]]] = {}
    for story in stories:
        flow_id = str(story.flow)
        if flow_id not in flowset.flows:
            continue
        choices = _texts(story.choices)
        result = run_story(engine, story)
        reached = result.reached or (f"state '{result.turn.state}'" if result.turn else "nowhere")
        typed = " ".join(shlex.quote(c) for c in choices)
        command = f"printf '%s\\n' {typed} | referral-bot chat --training {flow_id}"
        path = DemoPath(
            flow=flow_id, story=str(story.id), title=str(story.title), audience=", ".join(_texts(story.audience)),
            steps=_walk(engine, flow_id, choices), outcome=str(story.outcome), reached=reached,
            says=_texts(story.says), command=command, failures=tuple(result.failures),
        )
        found.setdefault(flow_id, {}).setdefault(path.outcome, []).append(path)
    return found
