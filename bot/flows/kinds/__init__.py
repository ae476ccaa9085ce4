"""State kinds: a registry from the YAML ``kind:`` name to the class that defines the kind.

Each kind is one module here: a :class:`~bot.flows.model.State` subclass whose methods
build, check and run it (docs/kinds.md says why methods plus a registry). Layers that
must not be imported by the flow model (diagrams, handbook, channels) use the same
methods, and the handbook adds a renderer per kind through single dispatch.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bot.flows.kinds.checklist import DONE, Checklist, ChecklistRule, Item
from bot.flows.kinds.info import CONTINUE, Info
from bot.flows.kinds.outcome import Outcome
from bot.flows.kinds.question import Option, Question
from bot.flows.model import State

__all__ = [
    "CONTINUE",
    "DONE",
    "KINDS",
    "Checklist",
    "ChecklistRule",
    "Info",
    "Item",
    "Option",
    "Outcome",
    "Question",
    "kind_names",
    "register_kind",
    "registered",
]

KINDS: dict[str, type[State]] = {cls.kind: cls for cls in (Question, Checklist, Info, Outcome)}
"""Every kind the loader builds, by its YAML name, in the order error messages list them."""


def kind_names() -> tuple[str, ...]:
    """The YAML names of every registered kind."""
    return tuple(KINDS)


def register_kind(cls: type[State]) -> type[State]:
    """Let flow files use ``kind: <cls.kind>`` (usable as a class decorator).

    Raises:
        ValueError: when the name is empty or already taken by another class.
    """
    if not cls.kind or KINDS.get(cls.kind, cls) is not cls:
        raise ValueError(f"state kind {cls.kind!r} is empty or already registered")
    KINDS[cls.kind] = cls
    return cls


@contextmanager
def registered(cls: type[State]) -> Iterator[type[State]]:
    """Register ``cls`` for the length of a ``with`` block (tests, experiments)."""
    register_kind(cls)
    try:
        yield cls
    finally:
        KINDS.pop(cls.kind, None)
