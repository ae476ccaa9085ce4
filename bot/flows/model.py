"""The typed flow model: what a validated flow file becomes.

Every object keeps the ``Mark`` (file, line, column) it came from, so that
semantic checks can point at the exact place in the YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # issue 13: the glossary and local profile live in their own modules
    from bot.flows.glossary import Glossary
    from bot.flows.local import LocalProfile

__all__ = [
    "AUDIENCES",
    "KINDS",
    "ROLES",
    "Checklist",
    "ChecklistRule",
    "Flow",
    "FlowSet",
    "Info",
    "Item",
    "Mark",
    "Option",
    "Outcome",
    "Question",
    "Signpost",
    "Source",
    "State",
    "Why",
]

AUDIENCES = ("officer", "partner", "public", "trainer")
ROLES = AUDIENCES
KINDS = ("question", "checklist", "info", "outcome")

Kind = Literal["question", "checklist", "info", "outcome"]


@dataclass(frozen=True, slots=True)
class Mark:
    """A place in a file: 1-based line and column."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


NOWHERE = Mark("<unknown>", 1, 1)


@dataclass(frozen=True, slots=True)
class Source:
    """A cited source: an id such as ``S2`` (the fact sheet's number), a title and a URL."""

    id: str
    title: str
    url: str
    mark: Mark = NOWHERE


@dataclass(frozen=True, slots=True)
class Why:
    """The reason or legal basis for a step, shown in training mode."""

    text: str
    source: str
    mark: Mark = NOWHERE


@dataclass(frozen=True, slots=True)
class Option:
    """One answer to a question: a stable id, the button label and the next state."""

    id: str
    label: str
    next: str
    mark: Mark = NOWHERE


@dataclass(frozen=True, slots=True)
class Item:
    """One tickable item of a checklist."""

    id: str
    label: str
    mark: Mark = NOWHERE


@dataclass(frozen=True, slots=True)
class ChecklistRule:
    """Picks ``next`` from what was ticked. A rule with no condition always matches."""

    next: str
    if_any: tuple[str, ...] = ()
    if_all: tuple[str, ...] = ()
    if_count_at_least: int | None = None
    mark: Mark = NOWHERE

    @property
    def unconditional(self) -> bool:
        return not self.if_any and not self.if_all and self.if_count_at_least is None

    def matches(self, ticked: frozenset[str] | set[str]) -> bool:
        """True when every condition of the rule holds for the ticked items."""
        if self.if_any and not ticked.intersection(self.if_any):
            return False
        if self.if_all and not ticked.issuperset(self.if_all):
            return False
        return not (
            self.if_count_at_least is not None and len(ticked) < self.if_count_at_least
        )


@dataclass(frozen=True, slots=True)
class State:
    """Fields every state has."""

    id: str
    text: str
    mark: Mark
    why: Why | None
    review_note: str | None

    kind: Kind = field(init=False, default="info")

    def targets(self) -> tuple[str, ...]:
        """The state ids this state can lead to."""
        return ()


@dataclass(frozen=True, slots=True)
class Question(State):
    """Single choice: one option leads on."""

    options: tuple[Option, ...] = ()
    remember: str | None = None  # issue 13: a fact name (see bot.flows.facts); None for most questions
    kind: Kind = field(init=False, default="question")

    def targets(self) -> tuple[str, ...]:
        return tuple(option.next for option in self.options)


@dataclass(frozen=True, slots=True)
class Checklist(State):
    """Multi-select: items are ticked, then the first matching rule picks ``next``."""

    items: tuple[Item, ...] = ()
    rules: tuple[ChecklistRule, ...] = ()
    done_label: str = "Done"
    kind: Kind = field(init=False, default="checklist")

    def targets(self) -> tuple[str, ...]:
        return tuple(rule.next for rule in self.rules)

    def next_for(self, ticked: frozenset[str] | set[str]) -> str:
        """The state the first matching rule leads to."""
        for rule in self.rules:
            if rule.matches(ticked):
                return rule.next
        raise LookupError(f"no rule of checklist {self.id!r} matches")  # validator prevents


@dataclass(frozen=True, slots=True)
class Info(State):
    """Text and a continue button."""

    next: str = ""
    continue_label: str = "Continue"
    kind: Kind = field(init=False, default="info")

    def targets(self) -> tuple[str, ...]:
        return (self.next,)


@dataclass(frozen=True, slots=True)
class Outcome(State):
    """A terminal state: text, signposts by id and suggested next flows."""

    signposts: tuple[str, ...] = ()
    next_flows: tuple[str, ...] = ()
    kind: Kind = field(init=False, default="outcome")


@dataclass(frozen=True, slots=True)
class Flow:
    """One decision flow, loaded from one file."""

    id: str
    title: str
    version: str
    status: Literal["draft", "published"]
    audience: tuple[str, ...]
    owner: str
    reviewed_on: date
    review_due: date
    sources: tuple[Source, ...]
    description: str
    start: str
    states: dict[str, State]
    path: str
    mark: Mark = NOWHERE
    field_marks: dict[str, Mark] = field(default_factory=dict)

    def where(self, field_name: str) -> Mark:
        """Where a top-level field was written (the flow's start when unknown)."""
        return self.field_marks.get(field_name, self.mark)

    def state(self, state_id: str) -> State:
        return self.states[state_id]

    def outcomes(self) -> list[Outcome]:
        return [s for s in self.states.values() if isinstance(s, Outcome)]

    def source(self, source_id: str) -> Source | None:
        for source in self.sources:
            if source.id == source_id:
                return source
        return None


@dataclass(frozen=True, slots=True)
class Signpost:
    """A service in the directory (``flows/signposts.yaml``)."""

    id: str
    name: str
    when: str
    phone: str | None = None
    url: str | None = None
    how: str | None = None
    review_note: str | None = None
    sources: tuple[str, ...] = ()
    mark: Mark = NOWHERE


@dataclass(frozen=True, slots=True)
class FlowSet:
    """Every flow, the signpost directory and the interface texts, validated together."""

    flows: dict[str, Flow]
    signposts: dict[str, Signpost]
    ui: dict[str, str]
    emergency_signposts: tuple[str, ...]
    folder: str
    warnings: tuple[str, ...] = ()
    glossary: Glossary | None = None  # issue 13: flows/glossary.yaml, when the folder has one
    local: LocalProfile | None = None  # issue 13: the force's profile (REFERRAL_BOT_LOCAL)

    def flow(self, flow_id: str) -> Flow:
        return self.flows[flow_id]

    def for_role(self, role: str | None) -> list[Flow]:
        """Flows whose audience includes the role (all flows when role is None)."""
        return [f for f in self.flows.values() if role is None or role in f.audience]
