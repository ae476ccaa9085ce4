"""The glossary (issue #13): ``flows/glossary.yaml`` gives plain meanings of the abbreviations
and terms the flows use, and the validator checks that every abbreviation is defined.

An *abbreviation* is any word (a run of letters and digits) with two or more capital
letters, such as NRM, DtN or UK, apart from :data:`NOT_ABBREVIATIONS`. It is covered where
it lies inside an occurrence of a glossary term or alias in the same text: "HSC Trust" is
covered by the term ``HSC Trust``, but a lone "HSC" needs a term or alias of its own.

Terms match case-sensitively as whole words; a term or alias that starts with a lower-case
letter also matches with its first letter capitalised (at the start of a sentence).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from yaml.nodes import Node

from bot.flows.links import link_problem
from bot.flows.model import NOWHERE, Flow, Mark, Signpost
from bot.flows.problems import Problem
from bot.flows.reader import Reader
from bot.flows.text import PLACEHOLDER, contacts_in

__all__ = [
    "GLOSSARY_FILE",
    "MAX_DEFINITION",
    "NOT_ABBREVIATIONS",
    "Glossary",
    "Term",
    "abbreviations",
    "build_glossary",
    "check_coverage",
    "flow_texts",
    "signpost_texts",
]

GLOSSARY_FILE = "glossary.yaml"
MAX_DEFINITION = 400
NOT_ABBREVIATIONS = frozenset({"OK", "II", "III", "IV", "VI", "VII", "VIII", "IX", "XI", "XII"})
"""Words with two or more capitals that are not abbreviations."""

_TWO_CAPITALS = re.compile(r"(?<![A-Za-z0-9])(?=[a-z0-9]*[A-Z][a-z0-9]*[A-Z])[A-Za-z0-9]+")
"""A word (a run of letters and digits) with two or more capital letters."""
_CAPITALS = re.compile(r"[A-Z]")
_UNDEFINED_FIX = "add it to flows/glossary.yaml, or spell it out."


def _is_abbreviation(word: str) -> bool:
    return len(_CAPITALS.findall(word)) >= 2 and word not in NOT_ABBREVIATIONS


def abbreviations(text: str) -> list[tuple[int, int, str]]:
    """Every abbreviation in ``text`` (placeholders such as {phone:ID} skipped): start, end, word."""
    plain = PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text) if "{" in text else text
    return [(m.start(), m.end(), m.group(0)) for m in _TWO_CAPITALS.finditer(plain)
            if m.group(0) not in NOT_ABBREVIATIONS]


@dataclass(frozen=True, slots=True)
class Term:
    """One glossary entry."""

    term: str
    definition: str
    source: str
    meaning: str | None = None
    aliases: tuple[str, ...] = ()
    mark: Mark = NOWHERE

    @property
    def spellings(self) -> tuple[str, ...]:
        """The term and its aliases."""
        return (self.term, *self.aliases)


def _variants(spelling: str) -> list[str]:
    if spelling[:1].islower():
        return [spelling, spelling[0].upper() + spelling[1:]]
    return [spelling]


@dataclass(frozen=True)
class Glossary:
    """Every term, in file order."""

    terms: tuple[Term, ...]
    path: str = ""

    @cached_property
    def _by_spelling(self) -> dict[str, Term]:
        found: dict[str, Term] = {}
        for term in self.terms:
            for spelling in term.spellings:
                for variant in _variants(spelling):
                    found.setdefault(variant, term)
        return found

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        spellings = sorted(self._by_spelling, key=len, reverse=True)
        if not spellings:
            return None
        alternatives = "|".join(re.escape(s) for s in spellings)
        return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")

    def occurrences(self, text: str) -> list[tuple[int, int, Term]]:
        """Where terms occur in ``text``: start, end and the term (longest spelling first)."""
        if self._pattern is None:
            return []
        return [(m.start(), m.end(), self._by_spelling[m.group(0)]) for m in self._pattern.finditer(text)]

    def terms_in(self, texts: Iterable[str]) -> tuple[Term, ...]:
        """The terms used in ``texts``, in order of first appearance, each once."""
        seen: dict[str, Term] = {}
        for text in texts:
            for _, _, term in self.occurrences(text):
                seen.setdefault(term.term, term)
        return tuple(seen.values())

    def lookup(self, word: str) -> Term | None:
        """The term spelled ``word`` (or with that alias), ignoring case; None when absent."""
        wanted = " ".join(word.split()).casefold()
        for term in self.terms:
            if any(s.casefold() == wanted for s in term.spellings):
                return term
        return None

    def undefined(self, text: str) -> list[str]:
        """Abbreviations in ``text`` that no term or alias covers, each once, in order."""
        found = abbreviations(text)
        if not found:  # most texts: no need to look for terms at all
            return []
        covered = [(start, end) for start, end, _ in self.occurrences(text)]
        missing: list[str] = []
        for start, end, word in found:
            inside = any(s <= start and end <= e for s, e in covered)
            if not inside and word not in missing:
                missing.append(word)
        return missing


def build_glossary(reader: Reader, node: Node) -> Glossary:
    """The glossary file: ``terms:`` a list of entries; every mistake is reported."""
    fields = reader.mapping(node, "the glossary", ("terms",))
    if fields is None:
        return Glossary((), reader.path)
    terms: list[Term] = []
    first: dict[str, Mark] = {}
    for item in reader.sequence(fields.get("terms"), "terms"):
        entry = reader.mapping(item, "a glossary term", ("term", "definition", "source"), ("meaning", "aliases"))
        if entry is None:
            continue
        term = reader.text(entry.get("term"), "the term")
        definition = reader.text(entry.get("definition"), "the definition")
        source = reader.text(entry.get("source"), "the source")
        meaning = reader.text(entry.get("meaning"), "the meaning") if "meaning" in entry else None
        aliases = [(a, n) for n in reader.sequence(entry.get("aliases"), "aliases")
                   if (a := reader.text(n, "an alias")) is not None]
        if term is not None and "meaning" not in entry and _is_abbreviation(term):
            reader.error(item, f"term '{term}' is an abbreviation but has no meaning.",
                         "add 'meaning:' with what it stands for, e.g. meaning: National Referral Mechanism.")
        if definition is not None:
            if len(definition) > MAX_DEFINITION:
                reader.error(entry["definition"], f"the definition of '{term}' is {len(definition)} characters long.",
                             f"shorten it to {MAX_DEFINITION} characters or fewer: one or two plain sentences.")
            for _, kind, found in contacts_in(definition):
                reader.error(entry["definition"], f"the definition of '{term}' contains the {kind} '{found}'.",
                             "phone numbers and web addresses live only in flows/signposts.yaml and 'source:'.")
        if source is not None and (problem := link_problem(source)) is not None:
            reader.error(entry["source"], f"the source '{source}' {problem}.",
                         "write the full https address with a lower-case host, no port and no trailing dot.")
            source = None
        spellings = [(term, entry["term"])] if term is not None else []
        duplicate = False
        for spelling, spelling_node in [*spellings, *aliases]:
            if spelling in first:
                reader.error(spelling_node, f"'{spelling}' is defined twice in the glossary "
                             f"(first at line {first[spelling].line}).",
                             "keep one entry, or make it an alias of the other.")
                duplicate = True
                continue
            first[spelling] = reader.mark(spelling_node)
        if term is not None and definition is not None and source is not None and not duplicate:
            terms.append(Term(term, definition, source, meaning, tuple(a for a, _ in aliases), reader.mark(item)))
    return Glossary(tuple(terms), reader.path)


def flow_texts(flow: Flow) -> list[tuple[str, Mark]]:
    """Every user-visible text of a flow, with where it was written."""
    texts = [(flow.title, flow.where("title")), (flow.description, flow.where("description"))]
    for state in flow.states.values():
        texts.append((state.text, state.mark))
        if state.why is not None:
            texts.append((state.why.text, state.why.mark))
        texts += [(label, mark) for _, label, mark in state.buttons()]
    return texts


def signpost_texts(signposts: Iterable[Signpost]) -> list[tuple[str, Mark]]:
    """Every user-visible text of directory or profile entries: name, when and how."""
    return [(text, s.mark) for s in signposts for text in (s.name, s.when, s.how) if text]


def check_coverage(glossary: Glossary, texts: Iterable[tuple[str, Mark]]) -> list[Problem]:
    """One error per abbreviation per text that the glossary does not define."""
    problems = []
    seen: set[tuple[Mark, str]] = set()
    for text, mark in texts:
        for word in glossary.undefined(text):
            if (mark, word) in seen:
                continue
            seen.add((mark, word))
            problems.append(Problem(mark, f"'{word}' is an abbreviation the glossary does not define.",
                                    _UNDEFINED_FIX))
    return problems
