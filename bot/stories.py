"""Story tests: scripted conversations (``flows/stories/<flow_id>.yaml``) that must reach a
given outcome. The format is in docs/content.md; :func:`load_stories` and :func:`run_story`
are a stable API (trainers use the stories as demo paths). A story's optional ``facts``, such
as ``{nation: scotland}``, are remembered answers it starts with (flows/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from bot.engine import Engine, Turn
from bot.flows import Mark, Problem
from bot.flows.facts import FACTS
from bot.flows.model import AUDIENCES
from bot.flows.reader import Reader, unique
from bot.flows.yamlsafe import compose_file

__all__ = ["STORY_CHANNEL", "Story", "StoryError", "StoryResult", "load_stories", "run_story"]

STORY_CHANNEL = "story"
_REQUIRED = ("id", "title", "choices", "outcome")
_OPTIONAL = ("audience", "says", "facts")
_NOWHERE = Mark("<story>", 1, 1)


@dataclass(frozen=True, slots=True)
class Story:
    """One scripted conversation through one flow."""

    flow: str
    id: str
    title: str
    choices: tuple[str, ...]
    outcome: str
    says: tuple[str, ...] = ()
    audience: str | None = None
    mark: Mark = _NOWHERE
    facts: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        """``flow/story`` — unique across every story file."""
        return f"{self.flow}/{self.id}"


@dataclass(frozen=True, slots=True)
class StoryResult:
    """What happened when a story ran: the outcome reached, the last turn, any failures."""

    story: Story
    reached: str | None
    turn: Turn | None
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """True when the story reached its outcome and said everything it should."""
        return not self.failures


class StoryError(Exception):
    """A story file cannot be read. ``problems`` name the file, line, story and fix."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# -- loading ------------------------------------------------------------------------------


def _peek_id(node: Node) -> str | None:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == "id" and isinstance(value, ScalarNode):
                return str(value.value)
    return None


def _texts(reader: Reader, node: Node | None, what: str, *, allow_empty: bool) -> tuple[str, ...]:
    values = []
    for item in reader.sequence(node, what, allow_empty=allow_empty):
        value = reader.text(item, f"an entry of {what}")
        if value is not None:
            values.append(value)
    return tuple(values)


def _facts(reader: Reader, node: Node | None, label: str) -> tuple[tuple[str, str], ...] | None:
    """``facts: {nation: wales}``: known facts and allowed values only (None when broken)."""
    if node is None:
        return ()
    fields = reader.mapping(node, f"the facts of {label}", (), tuple(FACTS))
    if fields is None:
        return None
    found = []
    for fact, value_node in fields.items():
        value = reader.text(value_node, f"the fact '{fact}'")
        if value is not None and value not in FACTS[fact]:
            reader.error(value_node, f"'{value}' is not a value of the fact '{fact}'.",
                         f"use one of {', '.join(FACTS[fact])}.")
            return None
        if value is None:
            return None
        found.append((fact, value))
    return tuple(found)


def _story(reader: Reader, node: Node, flow_id: str) -> tuple[Story, Node] | None:
    known_id = _peek_id(node)
    label = f"story '{known_id}'" if known_id else "a story"
    fields = reader.mapping(node, label, _REQUIRED, _OPTIONAL)
    if fields is None:
        return None
    story_id = reader.identifier(fields.get("id"), f"the id of {label}")
    title = reader.text(fields.get("title"), f"the title of {label}")
    choices = _texts(reader, fields.get("choices"), f"the choices of {label}", allow_empty=False)
    outcome = reader.identifier(fields.get("outcome"), f"the outcome of {label}")
    says = _texts(reader, fields.get("says"), f"'says' of {label}", allow_empty=True)
    audience = reader.text(fields.get("audience"), f"the audience of {label}")
    if audience is not None and audience not in AUDIENCES:
        reader.error(fields["audience"], f"{label} has unknown audience '{audience}'.",
                     f"use one of {', '.join(AUDIENCES)}, or leave it out.")
        audience = None
    facts = _facts(reader, fields.get("facts"), label)
    if story_id is None or title is None or outcome is None or not choices or facts is None:
        return None
    story = Story(flow_id, story_id, title, choices, outcome, says, audience, reader.mark(node), facts)
    return story, node


def _load_file(path: Path, shown: str) -> tuple[list[Story], list[Problem]]:
    reader = Reader(shown)
    node = compose_file(str(path), shown)
    if isinstance(node, Problem):
        return [], [node]
    fields = reader.mapping(node, "the story file", ("flow", "stories"))
    if fields is None:
        return [], reader.problems
    flow_id = reader.identifier(fields.get("flow"), "the story file's flow")
    if flow_id is not None and flow_id != path.stem:
        reader.error(fields["flow"], f"the story file names flow '{flow_id}' but is called {path.name}.",
                     f"name the file {flow_id}.yaml, or change 'flow:'.")
    built = []
    for item in reader.sequence(fields.get("stories"), "stories"):
        story = _story(reader, item, flow_id or path.stem)
        if story is not None:
            built.append(story)
    keep = dict(unique(reader, [(s.id, n) for s, n in built], "story id"))
    stories = [s for s, n in built if keep.get(s.id) is n]
    return stories, reader.problems


def load_stories(folder: Path | str) -> list[Story]:
    """Every story in ``folder/*.yaml``, sorted by file; raise :class:`StoryError` on any problem."""
    root = Path(folder)
    if not root.is_dir():
        raise StoryError([Problem(Mark(str(root), 1, 1), "the stories folder does not exist.",
                                  "pass the folder that holds <flow_id>.yaml story files.")])
    stories: list[Story] = []
    problems: list[Problem] = []
    for path in sorted(root.glob("*.yaml")):
        found, trouble = _load_file(path, str(path))
        stories += found
        problems += trouble
    if problems:
        raise StoryError(problems)
    return stories


# -- running ------------------------------------------------------------------------------


def _says_haystack(turn: Turn) -> str:
    parts = [turn.text]
    for signpost in turn.signposts:
        parts += [signpost.name, signpost.phone or ""]
    return "\n".join(parts).casefold()


def run_story(engine: Engine, story: Story) -> StoryResult:
    """Drive a fresh session through the story's choices and check where it ends."""
    flow = engine.flowset.flows.get(story.flow)
    if flow is None:
        known = ", ".join(sorted(engine.flowset.flows))
        return StoryResult(story, None, None, (f"unknown flow '{story.flow}'; flows are: {known}",))
    failures: list[str] = []
    expected = flow.states.get(story.outcome)
    if expected is None or not expected.final:
        outcomes = ", ".join(o.id for o in flow.outcomes())
        failures.append(f"'{story.outcome}' is not an outcome of flow '{flow.id}'; outcomes are: {outcomes}")
    session = engine.new_session(channel=STORY_CHANNEL, role=story.audience)
    session.facts.update(dict(story.facts))
    if story.audience is not None and story.audience not in flow.audience:
        failures.append(f"flow '{flow.id}' is not offered to audience '{story.audience}'; "
                        f"its audience is: {', '.join(flow.audience)}")
    turn = engine.start(session, flow.id)
    for step, choice in enumerate(story.choices, start=1):
        if turn.outcome is not None:
            failures.append(f"step {step}: the flow already ended at outcome '{turn.outcome}', "
                            f"but the story goes on with '{choice}'")
            break
        allowed = [option.id for option in turn.options]
        if choice not in allowed:
            failures.append(f"step {step}: '{choice}' is not an option at state '{turn.state}'; "
                            f"options are: {', '.join(allowed)}")
            break
        turn = engine.choose(session, choice)
    reached = turn.outcome
    if reached is None and not failures:
        failures.append(f"the story stopped at state '{turn.state}' ({turn.kind}) without reaching "
                        f"an outcome; expected '{story.outcome}'")
    elif reached is not None and reached != story.outcome:
        failures.append(f"reached outcome '{reached}', expected '{story.outcome}'")
    if reached is not None and reached == story.outcome:
        haystack = _says_haystack(turn)
        for phrase in story.says:
            if phrase.casefold() not in haystack:
                failures.append(f"outcome '{reached}' does not say '{phrase}'")
    engine.abandon(session)
    return StoryResult(story, reached, turn, tuple(failures))
