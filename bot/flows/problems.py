"""Problems found in flow files, and the exception that carries them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.flows.model import Mark

__all__ = ["FlowError", "Problem"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: where, how bad, what is wrong and how to fix it."""

    mark: Mark
    message: str
    fix: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.mark}: {self.severity}: {self.message} Fix: {self.fix}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class FlowError(Exception):
    """Raised when flows cannot be loaded. ``problems`` says where and how to fix each one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.is_error]
        super().__init__("\n".join(str(p) for p in errors) or "invalid flows")
