"""A user's place in a flow: small, plain and serialisable."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MENU", "Session", "new_run_id"]

MENU = "menu"


def new_run_id() -> str:
    """A random run id. It is never derived from any user identifier."""
    return secrets.token_hex(8)


@dataclass(slots=True)
class Session:
    """Where one user is. ``state`` is the transitions model attribute.

    ``history`` holds the earlier steps (state id and the checklist ticks it had),
    so ``back`` can undo one step at a time, right back to the start.
    """

    flow: str | None = None
    state: str = MENU
    version: str = ""
    history: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    emergency: bool = False
    role: str | None = None
    training: bool = False
    language: str = "en"
    channel: str = "terminal"
    run_id: str = ""
    steps: int = 0
    finished: bool = False
    facts: dict[str, str] = field(default_factory=dict)
    """Remembered answers, such as ``nation`` (issue 13): kept until the session ends."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy for a session store."""
        return {
            "flow": self.flow,
            "state": self.state,
            "version": self.version,
            "history": [[state, list(ticks)] for state, ticks in self.history],
            "selected": list(self.selected),
            "emergency": self.emergency,
            "role": self.role,
            "training": self.training,
            "language": self.language,
            "channel": self.channel,
            "run_id": self.run_id,
            "steps": self.steps,
            "finished": self.finished,
            "facts": dict(self.facts),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        """Rebuild a session stored with :meth:`to_dict`; unknown keys are ignored."""
        return cls(
            flow=data.get("flow"),
            state=str(data.get("state", MENU)),
            version=str(data.get("version", "")),
            history=[(str(s), tuple(str(t) for t in ticks)) for s, ticks in data.get("history", [])],
            selected=[str(t) for t in data.get("selected", [])],
            emergency=bool(data.get("emergency", False)),
            role=data.get("role"),
            training=bool(data.get("training", False)),
            language=str(data.get("language", "en")),
            channel=str(data.get("channel", "terminal")),
            run_id=str(data.get("run_id", "")),
            steps=int(data.get("steps", 0)),
            finished=bool(data.get("finished", False)),
            facts={str(k): str(v) for k, v in dict(data.get("facts") or {}).items()},
        )
