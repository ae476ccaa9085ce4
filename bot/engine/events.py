"""Engine events: what happened in a run, with nothing about who it happened to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["EVENT_KINDS", "EventKind", "FlowEvent", "Listener"]

EventKind = Literal["started", "step", "back", "restart", "emergency", "outcome", "abandoned"]
EVENT_KINDS: tuple[EventKind, ...] = (
    "started", "step", "back", "restart", "emergency", "outcome", "abandoned",
)


@dataclass(slots=True)
class FlowEvent:
    """One event of one run. ``run_id`` is random; there is no user or chat id here.

    Treat it as read-only. It is not ``frozen`` only because a frozen dataclass costs five
    times as much to build, and one is built on every turn.
    """

    kind: EventKind
    flow: str | None
    version: str
    state: str
    run_id: str
    channel: str
    role: str | None
    training: bool
    step: int
    outcome: str | None = None
    language: str = "en"
    """The language the run is shown in (issue 15)."""


Listener = Callable[[FlowEvent], None]
