"""What the engine hands a channel: one channel-neutral turn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Turn", "TurnOption", "TurnSignpost", "TurnTerm"]


@dataclass(frozen=True, slots=True)
class TurnOption:
    """Something the user can choose now."""

    id: str
    label: str


@dataclass(frozen=True, slots=True)
class TurnSignpost:
    """A service to contact; phone or url may be missing."""

    id: str
    name: str
    phone: str | None
    url: str | None
    how: str | None = None
    review_note: str | None = None


@dataclass(frozen=True, slots=True)
class TurnTerm:
    """A glossary term the step uses (issue 13): the word, what it stands for, what it means."""

    term: str
    meaning: str | None
    definition: str


@dataclass(frozen=True, slots=True)
class Turn:
    """One bot turn. ``kind`` is menu, question, checklist, info, outcome or emergency."""

    flow: str | None
    state: str
    kind: str
    text: str
    options: tuple[TurnOption, ...] = ()
    signposts: tuple[TurnSignpost, ...] = ()
    outcome: str | None = None
    selected: tuple[str, ...] | None = None
    error: str | None = None
    notice: str | None = None
    terms: tuple[TurnTerm, ...] = ()
    language: str = "en"
    """The language of the step's own text: English for a flow not yet translated (issue 15)."""

    def protocol(self) -> dict[str, Any]:
        """The terminal ``--json`` shape: exactly the documented keys."""
        data: dict[str, Any] = {
            "flow": self.flow,
            "state": self.state,
            "text": self.text if self.notice is None else f"{self.notice}\n\n{self.text}",
            "options": [{"id": o.id, "label": o.label} for o in self.options],
            "signposts": [
                {"id": s.id, "name": s.name, "phone": s.phone, "url": s.url} for s in self.signposts
            ],
            "outcome": self.outcome,
            "terms": [{"term": t.term, "meaning": t.meaning, "definition": t.definition} for t in self.terms],
        }
        if self.selected is not None:
            data["selected"] = list(self.selected)
        if self.error is not None:
            data["error"] = self.error
        return data
