"""Read composed YAML nodes into typed values, collecting problems as we go."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.flows.model import Mark
from bot.flows.problems import Problem
from bot.flows.yamlsafe import is_plain, kind_name, mark_of, scalar_value

__all__ = ["ID_PATTERN", "Reader"]

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _resolved(node: Node) -> Any:
    """A scalar's value as YAML resolves it (a date, a number...); None for anything else."""
    if not isinstance(node, ScalarNode):
        return None
    try:
        return scalar_value(node)
    except Exception:  # e.g. month 13: the caller reports it, nothing raises
        return None


class Reader:
    """Turns nodes into values; every mistake becomes a :class:`Problem`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def mark(self, node: Node) -> Mark:
        return mark_of(node, self.path)

    def error(self, node: Node | Mark, message: str, fix: str) -> None:
        mark = node if isinstance(node, Mark) else self.mark(node)
        self.problems.append(Problem(mark, message, fix))

    def warning(self, node: Node | Mark, message: str, fix: str) -> None:
        mark = node if isinstance(node, Mark) else self.mark(node)
        self.problems.append(Problem(mark, message, fix, "warning"))

    # -- mappings -------------------------------------------------------------------------

    def mapping(
        self,
        node: Node,
        what: str,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> dict[str, Node] | None:
        """Fields of a mapping; reports wrong type, duplicates, unknown and missing fields."""
        if not isinstance(node, MappingNode):
            self.error(
                node,
                f"{what} should be a mapping of fields, but it is {kind_name(node)}.",
                f"write {what} as 'field: value' lines; see flows/README.md.",
            )
            return None
        allowed = required + optional
        fields: dict[str, Node] = {}
        first_seen: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, f"a key in {what} is not plain text.", "use a plain word as the key.")
                continue
            key = str(key_node.value)
            if key in first_seen:
                first = self.mark(first_seen[key])
                self.error(
                    key_node,
                    f"duplicate key '{key}' in {what} (first at line {first.line}).",
                    "keep one of them; YAML would silently use only the last.",
                )
                continue
            first_seen[key] = key_node
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                self.error(
                    key_node,
                    f"unknown field '{key}' in {what}.",
                    f"{hint}allowed fields are: {', '.join(allowed)}.",
                )
                continue
            fields[key] = value_node
        for key in required:
            if key not in fields and key not in first_seen:
                self.error(
                    node,
                    f"{what} is missing the required field '{key}'.",
                    f"add '{key}: ...' to {what}.",
                )
        return fields

    # -- scalars --------------------------------------------------------------------------

    def text(self, node: Node | None, what: str, *, allow_empty: bool = False) -> str | None:
        """A string. Plain scalars are taken as written, so `yes` stays "yes"."""
        if node is None:
            return None
        if not isinstance(node, ScalarNode) or (
            node.tag.endswith(":null") and is_plain(node) and not allow_empty
        ):
            self.error(
                node,
                f"{what} should be text, but it is {kind_name(node)}.",
                f"write {what} as text on the same line, in quotes if it has special characters.",
            )
            return None
        value = str(node.value)
        if not allow_empty and not value.strip():
            self.error(node, f"{what} is empty.", f"write {what}.")
            return None
        return value.strip() if is_plain(node) else value

    def identifier(self, node: Node | None, what: str) -> str | None:
        """A lower_snake_case id of at most 40 characters."""
        value = self.text(node, what)
        if value is None or node is None:
            return None
        if not ID_PATTERN.match(value):
            self.error(
                node,
                f"{what} '{value}' is not a valid id.",
                "use 1 to 40 lower-case letters, digits and underscores, starting with a letter.",
            )
            return None
        return value

    def day(self, node: Node | None, what: str) -> date | None:
        """A calendar date written as YYYY-MM-DD."""
        if node is None:
            return None
        value = _resolved(node)
        if not isinstance(value, date):
            self.error(
                node,
                f"{what} should be a date like 2026-11-29.",
                "write the date as YYYY-MM-DD without quotes.",
            )
            return None
        return value

    def integer(self, node: Node | None, what: str, minimum: int = 0) -> int | None:
        """A whole number of at least ``minimum``."""
        if node is None:
            return None
        value = _resolved(node)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.error(node, f"{what} should be a whole number of at least {minimum}.", f"write {what} as a number.")
            return None
        return value

    def sequence(self, node: Node | None, what: str, *, allow_empty: bool = False) -> list[Node]:
        """The items of a list (an empty list when it is not one)."""
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            self.error(
                node,
                f"{what} should be a list, but it is {kind_name(node)}.",
                f"write {what} as a list, one '- ' item per line or [a, b].",
            )
            return []
        if not node.value and not allow_empty:
            self.error(node, f"{what} is an empty list.", f"add at least one item to {what}.")
        return list(node.value)

    def id_list(self, node: Node | None, what: str, *, allow_empty: bool = False) -> list[tuple[str, Node]]:
        """A list of ids, each with its node for error positions."""
        found: list[tuple[str, Node]] = []
        for item in self.sequence(node, what, allow_empty=allow_empty):
            value = self.identifier(item, f"an entry of {what}")
            if value is not None:
                found.append((value, item))
        return found


def unique(reader: Reader, items: list[tuple[str, Node]], what: str) -> Iterator[tuple[str, Node]]:
    """Yield items with unseen ids; report the duplicates."""
    seen: dict[str, Node] = {}
    for value, node in items:
        if value in seen:
            first = reader.mark(seen[value])
            noun = what.removesuffix(" id")
            reader.error(
                node,
                f"duplicate {what} '{value}' (first at line {first.line}).",
                f"give each {noun} a different id.",
            )
            continue
        seen[value] = node
        yield value, node
