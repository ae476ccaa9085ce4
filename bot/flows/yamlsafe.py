"""Compose YAML into position-carrying nodes, safely.

PyYAML's own loaders throw away positions and silently keep the last of two
duplicate keys. Here we only *compose* (never construct arbitrary objects),
refuse aliases (so "billion laughs" files cannot expand), cap nesting depth
and turn every failure into a :class:`Problem` with ``file:line:column``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from bot.flows.model import Mark
from bot.flows.problems import Problem

__all__ = ["MAX_BYTES", "MAX_DEPTH", "USE_LIBYAML", "compose_file", "compose_text", "is_plain", "mark_of",
           "scalar_value"]

try:  # libyaml's C parser, when PyYAML was built with it
    from yaml._yaml import CParser

    HAVE_LIBYAML = True
except ImportError:  # pragma: no cover - depends on the PyYAML build
    HAVE_LIBYAML = False

MAX_BYTES = 1_000_000
MAX_DEPTH = 40
USE_LIBYAML = True


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class _Guards(Composer):
    """Composer hooks shared by both parsers: no aliases, bounded depth."""

    _path: str
    _depth: int
    check_event: Callable[..., bool]
    peek_event: Callable[[], Any]

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise _Refused(
                Problem(
                    _mark(self._path, event.start_mark),
                    "YAML aliases (*name) are not allowed in flow files.",
                    "write the value out in full instead of referring to an anchor.",
                )
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()
                raise _Refused(
                    Problem(
                        _mark(self._path, event.start_mark),
                        f"the YAML is nested more than {MAX_DEPTH} levels deep.",
                        "flatten the structure; flow files need only a few levels.",
                    )
                )
            node: Node | None = super().compose_node(parent, index)
            return node
        finally:
            self._depth -= 1


class _PureComposer(_Guards, Reader, Scanner, Parser, Resolver):
    """PyYAML's pure-Python scanner and parser."""

    def __init__(self, text: str, path: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        Resolver.__init__(self)
        self._path, self._depth = path, 0


if HAVE_LIBYAML:

    class _FastComposer(_Guards, CParser, Resolver):
        """libyaml's C scanner and parser (about eight times faster); our Python composer.

        ``_Guards`` comes first, so composing (and its alias and depth checks) stays in Python;
        only the events come from C.
        """

        def __init__(self, text: str, path: str) -> None:
            CParser.__init__(self, text)
            Composer.__init__(self)
            Resolver.__init__(self)
            self._path, self._depth = path, 0


def _composer(text: str, path: str) -> _Guards:
    if USE_LIBYAML and HAVE_LIBYAML:
        return _FastComposer(text, path)
    return _PureComposer(text, path)


def _mark(path: str, mark: Any) -> Mark:
    if mark is None:
        return Mark(path, 1, 1)
    return Mark(path, int(mark.line) + 1, int(mark.column) + 1)


def mark_of(node: Node, path: str) -> Mark:
    """The 1-based position where a node starts."""
    return _mark(path, node.start_mark)


def _line_col(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    line = before.count("\n") + 1
    column = index - (before.rfind("\n") + 1) + 1
    return line, column


def compose_text(text: str, path: str) -> Node | Problem:
    """Compose one YAML document, or return the problem that stops it."""
    if not text.strip() or all(
        line.strip() == "" or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        return Problem(
            Mark(path, 1, 1),
            "the file is empty.",
            "write the flow's fields (id, title, version, status, ...); see flows/README.md.",
        )
    composer: _Guards | None = None
    try:
        composer = _composer(text, path)
        node = composer.get_single_node()
    except _Refused as refused:
        return refused.problem
    except yaml.MarkedYAMLError as exc:
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        if "maximum nesting depth" in what:  # libyaml's own limit (1000) comes before ours
            return Problem(
                _mark(path, exc.problem_mark or exc.context_mark),
                f"the YAML is nested more than {MAX_DEPTH} levels deep.",
                "flatten the structure; flow files need only a few levels.",
            )
        return Problem(
            _mark(path, exc.problem_mark or exc.context_mark),
            f"this is not valid YAML: {what}.",
            "check the indentation and quoting here; quote text that contains ': ' or "
            "starts with a special character such as '*', '&', '[' or '{'.",
        )
    except yaml.reader.ReaderError as exc:
        line, column = _line_col(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        return Problem(
            Mark(path, line, column),
            f"the file contains a character YAML does not allow (U+{code:04X}).",
            "remove control characters; save the file as plain UTF-8 text.",
        )
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error is one of the above
        return Problem(Mark(path, 1, 1), f"this is not valid YAML: {exc}.", "fix the YAML syntax.")
    except RecursionError:
        return Problem(
            Mark(path, 1, 1),
            "the YAML is nested too deeply to read.",
            "flatten the structure; flow files need only a few levels.",
        )
    finally:
        if composer is not None:
            composer.dispose()  # type: ignore[attr-defined]
    if node is None:
        return Problem(
            Mark(path, 1, 1),
            "the file is empty.",
            "write the flow's fields (id, title, version, status, ...); see flows/README.md.",
        )
    return node


def compose_file(path: str, display: str | None = None, cache: dict[str, Node | Problem] | None = None,
                 ) -> Node | Problem:
    """Read a file and compose it; never raises for bad content. With ``cache`` (one load of a
    folder, in every language), each file is read and composed once."""
    if cache is not None:
        if path not in cache:
            cache[path] = compose_file(path, display)
        return cache[path]
    shown = display or path
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        return Problem(
            Mark(shown, 1, 1),
            f"the file cannot be read ({exc.strerror or exc}).",
            "check that the path exists and is readable.",
        )
    if len(data) > MAX_BYTES:
        return Problem(
            Mark(shown, 1, 1),
            f"the file is larger than {MAX_BYTES:,} bytes.",
            "split the content; a flow file should be a few kilobytes.",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8", errors="replace")
        line, column = _line_col(prefix, len(prefix))
        return Problem(
            Mark(shown, line, column),
            "the file is not UTF-8 text (it may be binary).",
            "save it as UTF-8 text; flow files are YAML.",
        )
    if "\x00" in text:
        line, column = _line_col(text, text.index("\x00"))
        return Problem(
            Mark(shown, line, column),
            "the file contains a NUL byte (it may be binary).",
            "save it as UTF-8 text; flow files are YAML.",
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    return compose_text(text, shown)


_CONSTRUCTOR = SafeConstructor()


def scalar_value(node: ScalarNode) -> Any:
    """Resolve a scalar node as YAML's safe loader would (int, bool, date, str...)."""
    return _CONSTRUCTOR.construct_object(node, deep=True)


def is_plain(node: ScalarNode) -> bool:
    """True for an unquoted scalar (the C parser says '' where the Python one says None)."""
    return not node.style


def kind_name(node: Node) -> str:
    """A reader-friendly name for what a node holds."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode):
        if node.tag.endswith(":null"):
            return "nothing"
        try:
            value = scalar_value(node)
        except Exception:
            return "text"
        if isinstance(value, bool):
            return "true/false"
        if isinstance(value, (int, float)):
            return "a number"
        return "text"
    return "something else"  # pragma: no cover
