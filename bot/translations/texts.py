"""The translatable texts of a flows folder, read and written with ruamel.yaml's round-trip mode.

Each text has a context, ``FILE:PATH``, where PATH names the text's place in the file with ids
instead of list positions (``report_concern.yaml:states.danger.options.yes.label``): the same
English ("Yes") at two places gets two contexts, so it can get two different Welsh answers.
Writing a translation keeps every comment and the layout of the rest of the file: a plain
English text becomes ``{en: ..., cy: ...}`` on two lines under its key, in the English's style.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from bot.flows.i18n import BASE, LANGUAGES, FileKind, translatable
from bot.flows.text import placeholders

__all__ = ["FILE_KINDS", "WIDTH", "Document", "Text", "TranslationError", "placeholders", "read_folder"]

FILE_KINDS: dict[str, FileKind] = {"ui.yaml": "ui", "signposts.yaml": "signposts", "glossary.yaml": "glossary"}
"""The folder's special files; every other ``*.yaml``/``*.yml`` file at its top is a flow."""

WIDTH = 100
"""Where a new folded Welsh text is wrapped, as the shipped files are."""

_META = ("languages", "translation")
_ID_KEYS = ("id", "term")


class TranslationError(Exception):
    """A problem that stops the command: one line, with the fix."""


@dataclass(slots=True)
class Text:
    """One translatable text: where it is and what it says in each language."""

    context: str
    path: tuple[str | int, ...]
    line: int
    parent: CommentedMap
    key: str
    english: str
    texts: dict[str, str]

    @property
    def file(self) -> str:
        """The file's name."""
        return self.context.split(":", 1)[0]


@dataclass(slots=True)
class Document:
    """One YAML file of the folder, as ruamel.yaml's round-trip mode loaded it."""

    path: Path
    kind: FileKind
    source: str
    data: Any
    texts: dict[str, Text] = field(default_factory=dict)
    changed: bool = False

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the file declares at the top (English only when it declares none)."""
        declared = self.data.get("languages") if isinstance(self.data, dict) else None
        return tuple(str(c) for c in declared) if isinstance(declared, list) else (BASE,)

    def set(self, text: Text, language: str, value: str) -> bool:
        """Write ``value`` as ``text``'s ``language`` version; False when it already says that."""
        if text.texts.get(language) == value:
            return False
        current = text.parent[text.key]
        if isinstance(current, CommentedMap):
            column = current.lc.key(BASE)[1] if current.lc.data else 4
            styled = _styled(value, current.get(language, current[BASE]), column)
            if language in current:
                current[language] = styled
            else:
                last = list(current)[-1]
                current.insert(list(current).index(BASE) + 1, language, styled)
                if last == BASE and BASE in current.ca.items:  # the comments after the text stay after it
                    current.ca.items[language] = current.ca.items.pop(BASE)
        else:
            column = text.parent.lc.key(text.key)[1] + 2 if text.parent.lc.data else 4
            both = CommentedMap([(BASE, current), (language, _styled(value, current, column))])
            if text.key in text.parent.ca.items:
                both.ca.items[language] = text.parent.ca.items.pop(text.key)
            text.parent[text.key] = both
        text.texts[language] = value
        self.changed = True
        return True

    def dump(self) -> str:
        """The file as it now reads; refuses (TranslationError) if reading it back gives anything else."""
        out = io.StringIO()
        _yaml().dump(self.data, out)
        written = out.getvalue()
        again = _yaml().load(written)
        plain = yaml.safe_load(written)  # as the bot's loader reads it
        for text in self.texts.values():
            if again != self.data or _at(plain, text.path) not in (text.texts, text.english, None):
                raise TranslationError(f"{self.path.name}: writing the translations would change what the file says "
                                       f"at {text.context}. Nothing was written to it. Fix: report this as a bug, "
                                       "with the file and the catalogue.")
        return written


def _at(data: Any, path: tuple[str | int, ...]) -> Any:
    """The value at ``path`` in plain data, or None when the path does not lead there."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _yaml() -> YAML:
    """ruamel.yaml in round-trip mode, set up for the shipped files' layout."""
    loader = YAML(typ="rt")
    loader.preserve_quotes = True
    loader.width = 4096  # never re-wrap a line the editor wrote
    loader.indent(mapping=2, sequence=4, offset=2)
    return loader


def _styled(value: str, like: object, column: int) -> str:
    """``value`` as a scalar in the style of ``like`` (folded when long), its key at ``column``."""
    styled: str = value
    if isinstance(like, LiteralScalarString) and value.strip() == value:
        styled = LiteralScalarString(value)
        return styled
    foldable = value.strip() == value and not re.search(r"\s\s|[\n\t]", value)
    if foldable and (isinstance(like, FoldedScalarString) or column + 4 + len(value) > WIDTH):
        folded = FoldedScalarString(value)
        folded.fold_pos = list(_folds(value, max(WIDTH - column - 2, 40)))
        styled = folded
    elif isinstance(like, SingleQuotedScalarString):
        styled = SingleQuotedScalarString(value)
    elif isinstance(like, DoubleQuotedScalarString) or _not_plain_text(value):
        styled = DoubleQuotedScalarString(value)
    return styled


def _not_plain_text(value: str) -> bool:
    """True when PyYAML (the bot's loader) would not read ``value``, written plain, as this text."""
    try:
        return bool(yaml.safe_load(value) != value)
    except yaml.YAMLError:
        return False  # ruamel.yaml quotes it


def _folds(value: str, width: int) -> Iterator[int]:
    """Positions of the spaces where a folded scalar breaks its lines."""
    start = 0
    while len(value) - start > width:
        cut = value.rfind(" ", start, start + width + 1)
        if cut <= start:
            cut = value.find(" ", start + width)
        if cut < 0:
            return
        yield cut
        start = cut + 1


def _is_texts(value: object) -> bool:
    return (isinstance(value, CommentedMap) and bool(value) and all(k in LANGUAGES for k in value)
            and all(isinstance(v, str) for v in value.values()) and BASE in value)


def _line(parent: CommentedMap, key: str) -> int:
    value = parent[key]
    if isinstance(value, CommentedMap) and value.lc.data:
        return int(value.lc.value(BASE)[0]) + 1
    return int(parent.lc.value(key)[0]) + 1 if parent.lc.data else 1


def _collect(doc: Document) -> None:
    def walk(node: Any, path: tuple[str | int, ...], names: tuple[str, ...]) -> None:
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                if not isinstance(key, str) or (not path and key in _META):
                    continue
                here = (*path, key)
                if translatable(doc.kind, here):
                    if isinstance(value, str) or _is_texts(value):
                        add(node, key, here, (*names, key))
                else:
                    walk(value, here, (*names, key))
        elif isinstance(node, CommentedSeq):
            for position, item in enumerate(node):
                ident = next((item[k] for k in _ID_KEYS if isinstance(item, dict) and k in item), None)
                walk(item, (*path, position), (*names, str(ident) if ident is not None else str(position)))

    def add(parent: CommentedMap, key: str, path: tuple[str | int, ...], names: tuple[str, ...]) -> None:
        context = f"{doc.path.name}:{'.'.join(names)}"
        if context in doc.texts:  # two items with the same id: fall back on list positions
            context = f"{doc.path.name}:{'.'.join(str(p) for p in path)}"
        value = parent[key]
        texts = {str(k): str(v) for k, v in value.items()} if isinstance(value, CommentedMap) else {BASE: str(value)}
        doc.texts[context] = Text(context, path, _line(parent, key), parent, key, texts[BASE], texts)

    walk(doc.data, (), ())


def _kind(path: Path) -> FileKind:
    return FILE_KINDS.get(path.name, "flow")


def read_folder(folder: Path) -> list[Document]:
    """Every YAML file at the top of ``folder`` (flows, ui.yaml, signposts.yaml, glossary.yaml)
    with its translatable texts; not ``stories/`` or ``local/``."""
    if not folder.is_dir():
        raise TranslationError(f"{folder}: no such folder. Fix: pass --flows with the folder that holds the "
                               "flow files.")
    paths = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if not paths:
        raise TranslationError(f"{folder}: no YAML files here. Fix: pass --flows with the folder that holds the "
                               "flow files.")
    documents = []
    for path in paths:
        try:
            source = path.read_bytes().decode("utf-8")
            data = _yaml().load(source)
        except UnicodeDecodeError:
            raise TranslationError(f"{path}: not UTF-8 text. Fix: save the file as UTF-8.") from None
        except MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
            raise TranslationError(f"{where}: not valid YAML ({exc.problem}). Fix: correct the file (referral-bot "
                                   f"validate {folder} shows every problem), then run this again.") from None
        except YAMLError as exc:
            raise TranslationError(f"{path}: not valid YAML ({exc}). Fix: correct the file, then run this "
                                   "again.") from None
        document = Document(path, _kind(path), source, data)
        _collect(document)
        documents.append(document)
    return documents
