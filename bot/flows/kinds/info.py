"""The info kind: text and a continue button."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from bot.flows.model import Action, Common, FlowSet, Mark, State
from bot.flows.reader import Reader

__all__ = ["CONTINUE", "Info"]

CONTINUE = "continue"
"""The option (and trigger) of the continue button."""


@dataclass(frozen=True, slots=True)
class Info(State):
    """Text and a continue button."""

    next: str = ""
    continue_label: str | None = None
    """The button's own text; None for ui.yaml's ``continue_label`` in the user's language."""

    kind: ClassVar[str] = "info"
    REQUIRED: ClassVar[tuple[str, ...]] = ("next",)
    OPTIONAL: ClassVar[tuple[str, ...]] = ("continue_label",)

    @classmethod
    def build(cls, reader: Reader, fields: dict[str, Any], common: Common) -> State | None:
        target = reader.identifier(fields.get("next"), "the next state")
        if target is None:
            return None
        label = reader.text(fields.get("continue_label"), "continue_label")
        return cls(common.id, common.text, common.mark, common.why, common.review_note, target, label)

    def edges(self) -> Iterable[tuple[str, Mark, str]]:
        return [(self.next, self.mark, f"state '{self.id}'")]

    def buttons(self) -> Iterable[tuple[str, str, Mark]]:
        return [(CONTINUE, self.continue_label or "Continue", self.mark)]

    def turn_options(self, flowset: FlowSet) -> tuple[tuple[str, str], ...]:
        return ((CONTINUE, self.continue_label or flowset.ui.get("continue_label", "Continue")),)

    def respond(self, option_id: str) -> Action | None:
        return "move" if option_id == CONTINUE else None

    def transitions(self, *, with_conditions: bool = True) -> list[dict[str, Any]]:
        return [{"trigger": CONTINUE, "source": self.id, "dest": self.next}]
