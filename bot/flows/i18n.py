"""Languages: which texts can be translated, and the pre-pass that picks one language.

A translatable text is written either as plain text (English only) or as a mapping of language
code to text, English and Welsh side by side (``{en: ..., cy: ...}``). A file declares its
languages at the top (``languages: [en, cy]``) and who translated it (``translation:``).

:func:`localise` runs on a composed YAML tree before the builders see it: it replaces every
language mapping by the chosen language's text node (so every later problem points at the line
of the text in that language) and reports a missing text of a declared language. The builders
never know there is more than one language. :func:`translatable` is the one definition of which
fields are user-visible texts: the validator and the translators' PO tools both use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Literal

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.flows.model import Mark, Translation
from bot.flows.reader import Reader
from bot.flows.text import placeholders

__all__ = [
    "BASE",
    "LANGUAGES",
    "FileKind",
    "Languages",
    "Path",
    "Translation",
    "is_language_map",
    "language_folder",
    "localise",
    "other_language",
    "own_texts",
    "read_languages",
    "translatable",
]

BASE = "en"
LANGUAGES = {"en": "English", "cy": "Cymraeg"}
"""Every language a text can be written in, by code, with its name in that language."""

_NAMES_IN_ENGLISH = {"en": "English", "cy": "Welsh"}

FileKind = Literal["flow", "ui", "signposts", "glossary", "profile"]
Path = tuple[str | int, ...]
"""A place in a YAML document: mapping keys and list positions, from the top."""

_FLOW_TEXTS = frozenset({"title", "description", "text", "label", "review_note", "done_label", "continue_label"})
_SIGNPOST_TEXTS = frozenset({"name", "how", "when", "review_note"})
_GLOSSARY_TEXTS = frozenset({"meaning", "definition"})
_PROFILE_TEXTS = frozenset({"force", "name", "how", "when"})
_META = ("languages", "translation")


def own_texts(package: str, name: str = "texts.yaml") -> dict[str, dict[str, str]]:
    """A package's own words by language, read with :mod:`importlib.resources` from ``name``
    beside its modules (``languages:`` and ``texts:``, each text plain English or ``{en: ..., cy: ...}``);
    a text a language lacks is its English. The web pages and the handbook keep theirs so."""
    raw = yaml.safe_load((files(package) / name).read_text(encoding="utf-8"))
    by_language: dict[str, dict[str, str]] = {code: {} for code in raw["languages"]}
    for key, value in raw["texts"].items():
        for code in by_language:
            by_language[code][key] = str(value.get(code) or value[BASE] if isinstance(value, dict) else value)
    return by_language


def other_language(languages: Iterable[str], code: str) -> str | None:
    """The language a page or step in ``code`` links to (the first of ``languages`` that is not
    ``code``); None when there is only one."""
    return next((other for other in languages if other != code), None)


def language_folder(code: str) -> str:
    """Where a language's pages go in a written site (offline pack, handbook): English at the
    root, Welsh in ``cy/``."""
    return "" if code == BASE else f"{code}/"


def translatable(kind: FileKind, path: Path) -> bool:
    """True when the value at ``path`` in a file of ``kind`` is a user-visible text."""
    if not path or not isinstance(path[-1], str) or path[0] in _META:
        return False
    key = path[-1]
    if kind == "flow":
        return key in _FLOW_TEXTS and path[0] != "sources"
    if kind == "ui":
        return len(path) == 2 and path[0] == "texts"
    if kind == "signposts":
        return path[0] == "signposts" and key in _SIGNPOST_TEXTS
    if kind == "glossary":
        return path[0] == "terms" and key in _GLOSSARY_TEXTS
    return key in _PROFILE_TEXTS


def is_language_map(node: Node) -> bool:
    """A mapping whose keys are all language codes (``{en: ..., cy: ...}``)."""
    return (isinstance(node, MappingNode) and bool(node.value)
            and all(isinstance(k, ScalarNode) and str(k.value) in LANGUAGES for k, _ in node.value))


@dataclass(slots=True)
class Languages:
    """A file's declared languages and translation records, read by :func:`localise`."""

    declared: tuple[str, ...] = (BASE,)
    translation: dict[str, Translation] = field(default_factory=dict)


def _declared(reader: Reader, node: Node | None) -> tuple[str, ...]:
    if node is None:
        return (BASE,)
    codes: list[str] = []
    for item in reader.sequence(node, "languages"):
        code = reader.text(item, "a language code")
        if code is None:
            continue
        if code not in LANGUAGES:
            reader.error(item, f"unknown language '{code}'.",
                         f"use one of: {', '.join(LANGUAGES)}.")
        elif code in codes:
            reader.error(item, f"language '{code}' is listed twice.", "list each language once.")
        else:
            codes.append(code)
    if codes and BASE not in codes:
        reader.error(node, "languages does not include 'en'.",
                     "every text is written in English first: start the list with en.")
    return tuple(codes) if codes else (BASE,)


def _translations(reader: Reader, node: Node | None, declared: tuple[str, ...]) -> dict[str, Translation]:
    found: dict[str, Translation] = {}
    if node is None:
        for code in declared:
            if code != BASE:
                reader.error(Mark(reader.path, 1, 1), f"the file declares '{code}' but has no translation record.",
                             f"add 'translation: {{{code}: {{translated_by: ..., translated_on: YYYY-MM-DD}}}}' "
                             "at the top level; see flows/README.md.")
        return found
    fields = reader.mapping(node, "translation", (), tuple(c for c in declared if c != BASE)) or {}
    for code, entry in fields.items():
        what = f"the {_NAMES_IN_ENGLISH[code]} ({code}) translation record"
        record = reader.mapping(entry, what, ("translated_by", "translated_on"),
                                ("reviewed_by", "reviewed_on", "complete"))
        if record is None:
            continue
        by = reader.text(record.get("translated_by"), "translated_by")
        on = reader.day(record.get("translated_on"), "translated_on")
        reviewer = reader.text(record.get("reviewed_by"), "reviewed_by")
        reviewed_on = reader.day(record.get("reviewed_on"), "reviewed_on")
        complete = _flag(reader, record.get("complete"))
        if by and on:
            found[code] = Translation(code, by, on, reviewer, reviewed_on, complete)
    for code in declared:
        if code != BASE and code not in fields:
            reader.error(node, f"translation has no record for '{code}'.",
                         f"add '{code}: {{translated_by: ..., translated_on: YYYY-MM-DD}}' under translation.")
    return found


def _flag(reader: Reader, node: Node | None) -> bool:
    if node is None:
        return True
    if isinstance(node, ScalarNode) and node.value in ("true", "false"):
        return bool(node.value == "true")
    reader.error(node, "complete should be true or false.", "write complete: true or complete: false.")
    return True


class _Picker:
    """Walks one document, replacing language mappings by one language's text."""

    def __init__(self, reader: Reader, kind: FileKind, language: str, langs: Languages) -> None:
        self.reader = reader
        self.kind = kind
        self.language = language
        self.langs = langs
        record = langs.translation.get(language)
        self.strict = language in langs.declared and (record is None or record.complete)
        self.wanted = language in langs.declared

    def walk(self, node: Node, path: Path) -> Node:
        if translatable(self.kind, path):
            return self.text(node, path)
        if is_language_map(node):
            self.reader.error(node, f"{_where(path)} is the same in every language, so it cannot be translated.",
                              "write it once, as plain text, without en: and cy:.")
            return node
        if isinstance(node, MappingNode):
            value = [(k, self.walk(v, (*path, str(k.value)) if isinstance(k, ScalarNode) else path))
                     for k, v in node.value if not (not path and isinstance(k, ScalarNode) and k.value in _META)]
            return MappingNode(node.tag, value, node.start_mark, node.end_mark, node.flow_style)
        if isinstance(node, SequenceNode):
            items = [self.walk(item, (*path, i)) for i, item in enumerate(node.value)]
            return SequenceNode(node.tag, items, node.start_mark, node.end_mark, node.flow_style)
        return node

    def text(self, node: Node, path: Path) -> Node:
        name = _NAMES_IN_ENGLISH.get(self.language, self.language)
        if not is_language_map(node):
            if self.language != BASE and self.wanted and isinstance(node, ScalarNode):
                self._missing(node, f"{_where(path)} has no {name} ({self.language}) text.",
                              f"write it as 'en: ...' and '{self.language}: ...' on separate lines under "
                              f"{_key(path)}, or set complete: false in the translation record.")
            return node
        texts: dict[str, Node] = {str(k.value): v for k, v in node.value}
        for code in texts:
            if code not in self.langs.declared:
                self.reader.error(node, f"{_where(path)} has a {_NAMES_IN_ENGLISH[code]} ({code}) text, "
                                        "but the file does not declare that language.",
                                  f"add {code} to 'languages:' at the top of the file (with a translation record).")
        if BASE not in texts:
            self.reader.error(node, f"{_where(path)} has no English (en) text.",
                              f"add 'en: ...' under {_key(path)}: every text is written in English first.")
            return next(iter(texts.values()))
        if self.language in texts and self.wanted:
            self._same_contacts(texts[self.language], texts[BASE], path)
            return texts[self.language]
        if self.wanted and self.language != BASE:
            self._missing(node, f"{_where(path)} has no {name} ({self.language}) text.",
                          f"add '{self.language}: ...' under {_key(path)}, beside 'en:', "
                          "or set complete: false in the translation record.")
        return texts[BASE]

    def _same_contacts(self, node: Node, english: Node, path: Path) -> None:
        """A translation names exactly the English text's numbers and links (its placeholders)."""
        if not (isinstance(node, ScalarNode) and isinstance(english, ScalarNode)):
            return
        theirs, ours = placeholders(str(node.value)), placeholders(str(english.value))
        if theirs != ours:
            name = _NAMES_IN_ENGLISH.get(self.language, self.language)
            self.reader.error(node, f"{_where(path)}: the {name} ({self.language}) text has the placeholders "
                                    f"{', '.join(theirs) or 'none'}, but the English has {', '.join(ours) or 'none'}.",
                              "use exactly the English text's {phone:ID} and {name:ID} placeholders, so both "
                              "languages give the same numbers and links.")

    def _missing(self, node: Node, message: str, fix: str) -> None:
        if self.strict:
            self.reader.error(node, message, fix)
        else:
            self.reader.warning(node, message, fix)


def _key(path: Path) -> str:
    return f"'{path[-1]}'" if path else "the text"


def _where(path: Path) -> str:
    shown = ""
    for part in path:
        shown += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if shown else part)
    return f"the text at {shown}" if shown else "the text"


def read_languages(reader: Reader, root: Node) -> Languages:
    """The ``languages`` and ``translation`` fields at the top of a document."""
    if not isinstance(root, MappingNode):
        return Languages()
    top = {str(k.value): v for k, v in root.value if isinstance(k, ScalarNode)}
    declared = _declared(reader, top.get("languages"))
    return Languages(declared, _translations(reader, top.get("translation"), declared))


def localise(reader: Reader, root: Node, kind: FileKind, language: str) -> tuple[Node, Languages]:
    """``root`` with every text in ``language`` (English where the file does not declare it),
    without the top-level ``languages`` and ``translation``; problems go to ``reader``."""
    probe = Reader(reader.path)
    langs = read_languages(probe, root)
    if language == BASE:  # the language fields' own problems are reported once, by the English pass
        reader.problems += probe.problems
    return _Picker(reader, kind, language, langs).walk(root, ()), langs
