"""Problems found in flow files, and the exception that carries them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot.flows.model import Mark

__all__ = ["FlowError", "Problem", "few", "suggest"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: where, how bad, what is wrong and how to fix it."""

    mark: Mark
    message: str
    fix: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.mark}: {self.severity}: {_one_line(self.message)} Fix: {_one_line(self.fix)}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_LONGEST = 400


def _one_line(text: str) -> str:
    """Problems print on one line: control characters escaped, echoed junk clipped."""
    text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"


class FlowError(Exception):
    """Raised when flows cannot be loaded. ``problems`` says where and how to fix each one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.is_error]
        super().__init__("\n".join(str(p) for p in errors) or "invalid flows")


def suggest(value: str, ids: Iterable[str]) -> str:
    """"did you mean 'x'? " for the closest id, or nothing."""
    close = difflib.get_close_matches(value, list(ids), n=1)
    return f"did you mean '{close[0]}'? " if close else ""


def few(ids: Iterable[str]) -> str:
    """At most eight ids, sorted, then how many more."""
    listed = sorted(ids)
    more = f" and {len(listed) - 8} more" if len(listed) > 8 else ""
    return ", ".join(listed[:8]) + more
