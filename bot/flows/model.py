"""The typed flow model: what a validated flow file becomes.

Every object keeps the ``Mark`` (file, line, column) it came from, so that semantic
checks can point at the exact place in the YAML. :class:`State` is the base of every
state kind; each kind lives in one module of ``bot.flows.kinds`` (docs/kinds.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from bot.flows.glossary import Glossary  # issue 13: the glossary and local profile
    from bot.flows.kinds.outcome import Outcome
    from bot.flows.local import LocalProfile
    from bot.flows.problems import Problem
    from bot.flows.reader import Reader

__all__ = [
    "AUDIENCES",
    "ROLES",
    "Action",
    "Common",
    "Flow",
    "FlowSet",
    "Mark",
    "Signpost",
    "Source",
    "State",
    "Translation",
    "Why",
]

AUDIENCES = ("officer", "partner", "public", "trainer")
ROLES = AUDIENCES
Action = Literal["move", "toggle", "start"]
"""What choosing an option does: ``move`` along a transition, ``toggle`` a tick, ``start`` a flow."""


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
class Common:
    """The fields every state has, read before the kind's own."""

    id: str
    text: str
    mark: Mark
    why: Why | None
    review_note: str | None


@dataclass(frozen=True, slots=True)
class State:
    """Fields every state has, and what each kind must say about itself.

    A kind subclasses this in its own module (``bot.flows.kinds``), sets ``kind`` and the
    YAML fields it reads, and overrides the methods below; ``register_kind`` makes the
    loader build it. Building, checking and running live here as methods; drawings,
    handbook pages and channels work from these methods alone (docs/kinds.md).
    """

    id: str
    text: str
    mark: Mark
    why: Why | None
    review_note: str | None

    kind: ClassVar[str] = ""
    REQUIRED: ClassVar[tuple[str, ...]] = ()
    """YAML fields this kind needs besides id, kind and text."""
    OPTIONAL: ClassVar[tuple[str, ...]] = ()
    final: ClassVar[bool] = False
    """A run that reaches a final state has an outcome."""
    multi_select: ClassVar[bool] = False
    """The user ticks options before moving on (the turn carries what is ticked)."""

    # -- building and checking ------------------------------------------------------------------

    @classmethod
    def build(cls, reader: Reader, fields: dict[str, Any], common: Common) -> State | None:
        """The state from its YAML fields (reporting problems to ``reader``), or None."""
        return cls(common.id, common.text, common.mark, common.why, common.review_note)

    def check(self, flow: Flow, signposts: dict[str, Signpost], flow_ids: set[str]) -> list[Problem]:
        """Rules of this kind beyond the common ones (targets, labels and text are checked for all)."""
        return []

    def targets(self) -> tuple[str, ...]:
        """The state ids this state can lead to."""
        return tuple(target for target, _, _ in self.edges())

    def edges(self) -> Iterable[tuple[str, Mark, str]]:
        """Each way on: (target state, where it is written, how a problem names it)."""
        return ()

    def buttons(self) -> Iterable[tuple[str, str, Mark]]:
        """Each answer the user can give here: (option id, label, where it is written)."""
        return ()

    # -- running --------------------------------------------------------------------------------

    def turn_options(self, flowset: FlowSet) -> tuple[tuple[str, str], ...]:
        """What the user can choose now: (option id, label)."""
        return tuple((option_id, label) for option_id, label, _ in self.buttons())

    def respond(self, option_id: str) -> Action | None:
        """What choosing ``option_id`` does here; None when it is not an option of this state."""
        return None

    def transitions(self, *, with_conditions: bool = True) -> list[dict[str, Any]]:
        """The state's transitions in ``transitions`` configuration form (trigger, source, dest).

        ``with_conditions=False`` names conditions instead of attaching callables (diagrams).
        """
        return []

    def services(self) -> tuple[str, ...]:
        """Signpost ids shown with this state."""
        return ()

    # -- drawing --------------------------------------------------------------------------------

    def edge_labels(self) -> list[tuple[str, int, str]]:
        """Diagram labels: (trigger, n-th transition of that trigger from here, label)."""
        labels = {option_id: label for option_id, label, _ in self.buttons()}
        return [(t["trigger"], 0, labels.get(t["trigger"], t["trigger"]))
                for t in self.transitions(with_conditions=False)]


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
    language: str = "en"
    """The language this copy's texts are in (English for a flow not translated into the set's)."""
    languages: tuple[str, ...] = ("en",)
    """The languages the flow file declares (issue 15)."""
    translation: dict[str, Translation] = field(default_factory=dict)
    """Who translated the flow into each declared language other than English."""

    def where(self, field_name: str) -> Mark:
        """Where a top-level field was written (the flow's start when unknown)."""
        return self.field_marks.get(field_name, self.mark)

    def state(self, state_id: str) -> State:
        return self.states[state_id]

    def outcomes(self) -> list[Outcome]:
        """The final states, in file order."""
        return [s for s in self.states.values() if s.final]  # type: ignore[misc]

    def source(self, source_id: str) -> Source | None:
        for source in self.sources:
            if source.id == source_id:
                return source
        return None


@dataclass(frozen=True, slots=True)
class Translation:
    """Who translated a file into one language, when, and whether a fluent speaker reviewed it."""

    language: str
    translated_by: str
    translated_on: date
    reviewed_by: str | None = None
    reviewed_on: date | None = None
    complete: bool = True

    @property
    def reviewed(self) -> bool:
        """True once a fluent speaker of the language has reviewed the translation."""
        return self.reviewed_by is not None


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
    language: str = "en"
    """The language of the interface texts, signposts and glossary (issue 15)."""
    ui_translation: Translation | None = None
    """Who translated the interface texts into ``language`` (None for English)."""

    def flow(self, flow_id: str) -> Flow:
        return self.flows[flow_id]

    def for_role(self, role: str | None) -> list[Flow]:
        """Flows whose audience includes the role (all flows when role is None)."""
        return [f for f in self.flows.values() if role is None or role in f.audience]
