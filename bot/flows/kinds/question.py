"""The question kind: single choice, one option leads on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from yaml.nodes import Node

from bot.flows.facts import read_remember
from bot.flows.model import NOWHERE, Action, Common, Mark, State
from bot.flows.reader import Reader, unique

__all__ = ["RESERVED", "Option", "Question"]

RESERVED = ("back", "restart", "menu", "emergency", "help", "quit", "about", "privacy")
"""Ids that typed commands use, so no option or item may take them."""


@dataclass(frozen=True, slots=True)
class Option:
    """One answer to a question: a stable id, the button label and the next state."""

    id: str
    label: str
    next: str
    mark: Mark = NOWHERE


def _options(reader: Reader, node: Node | None, state_id: str) -> tuple[Option, ...]:
    found = []
    for item in reader.sequence(node, f"the options of '{state_id}'"):
        fields = reader.mapping(item, "an option", ("id", "label", "next"))
        if fields is None:
            continue
        option_id = reader.identifier(fields.get("id"), "option id")
        label = reader.text(fields.get("label"), "the option label")
        target = reader.identifier(fields.get("next"), "the option's next state")
        if option_id in RESERVED and "id" in fields:
            reader.error(fields["id"], f"option id '{option_id}' is reserved for a command.",
                         "choose another id, such as 'go_" + option_id + "'.")
            continue
        if option_id and label and target:
            found.append((option_id, item, Option(option_id, label, target, reader.mark(item))))
    ids = {value for value, _ in unique(reader, [(i, n) for i, n, _ in found], "option id")}
    result, taken = [], set()
    for option_id, _, option in found:
        if option_id in ids and option_id not in taken:
            taken.add(option_id)
            result.append(option)
    return tuple(result)


@dataclass(frozen=True, slots=True)
class Question(State):
    """Single choice: one option leads on."""

    options: tuple[Option, ...] = ()
    remember: str | None = None
    """A fact the answer is remembered as (issue 13; see bot.flows.facts), or None."""

    kind: ClassVar[str] = "question"
    REQUIRED: ClassVar[tuple[str, ...]] = ("options",)
    OPTIONAL: ClassVar[tuple[str, ...]] = ("remember",)

    @classmethod
    def build(cls, reader: Reader, fields: dict[str, Any], common: Common) -> State | None:
        options = _options(reader, fields.get("options"), common.id)
        remember = read_remember(reader, fields.get("remember"))
        return cls(common.id, common.text, common.mark, common.why, common.review_note, options, remember)

    def edges(self) -> Iterable[tuple[str, Mark, str]]:
        return [(o.next, o.mark, f"option '{o.id}' of '{self.id}'") for o in self.options]

    def buttons(self) -> Iterable[tuple[str, str, Mark]]:
        return [(o.id, o.label, o.mark) for o in self.options]

    def respond(self, option_id: str) -> Action | None:
        return "move" if any(o.id == option_id for o in self.options) else None

    def transitions(self, *, with_conditions: bool = True) -> list[dict[str, Any]]:
        return [{"trigger": o.id, "source": self.id, "dest": o.next} for o in self.options]
