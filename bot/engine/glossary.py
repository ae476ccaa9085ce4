"""The glossary terms of a step (issue #13): which defined words its text and buttons use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.engine.turn import Turn, TurnOption, TurnSignpost, TurnTerm
from bot.flows.glossary import Glossary, Term
from bot.flows.model import Signpost

__all__ = ["StepTerms", "turn_term"]

_NO_TERMS = ("menu", "emergency")


def turn_term(term: Term) -> TurnTerm:
    """A glossary entry as channels show it."""
    return TurnTerm(term.term, term.meaning, term.definition)


class StepTerms:
    """Finds the terms of a step; :meth:`add` keeps each step's terms once found."""

    def __init__(self, glossary: Glossary | None, signposts: Mapping[str, Signpost]) -> None:
        self.glossary = glossary
        self.signposts = signposts
        self._cache: dict[tuple[str | None, str, bool], tuple[TurnTerm, ...]] = {}

    def find(self, text: str, options: Iterable[TurnOption], signposts: Iterable[TurnSignpost]) -> tuple[TurnTerm, ...]:
        """The terms of a step's text, option labels and services, in order of first use."""
        if self.glossary is None:
            return ()
        texts = [text, *(o.label for o in options)]
        texts += [part for s in signposts for part in (s.name, s.how) if part]
        return tuple(turn_term(t) for t in self.glossary.terms_in(texts))

    def for_turn(self, turn: Turn, training: bool) -> tuple[TurnTerm, ...]:
        """The terms of a turn's step (none for the menu and the emergency screen)."""
        if self.glossary is None or turn.kind in _NO_TERMS:
            return ()
        key = (turn.flow, turn.state, training)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self.find(turn.text, turn.options, turn.signposts)
        return found

    def add(self, turn: Turn, training: bool) -> Turn:
        """``turn`` with its terms (the same object when it has none)."""
        terms = self.for_turn(turn, training)
        if not terms:
            return turn
        # Positional, not dataclasses.replace: this runs on every turn, and replace costs 5x more.
        return Turn(turn.flow, turn.state, turn.kind, turn.text, turn.options, turn.signposts, turn.outcome,
                    turn.selected, turn.error, turn.notice, terms)
