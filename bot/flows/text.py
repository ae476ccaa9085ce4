"""Text rules shared by the validator and the engine.

Flow text never holds a phone number or a web address: those live in the
signpost directory and are placed into text with ``{phone:ID}`` or
``{name:ID}``. Each channel declares its own length limits (``bot.flows.limits``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.flows.model import Signpost

__all__ = ["PLACEHOLDER", "contacts_in", "expand", "placeholders", "signpost_lines"]

PLACEHOLDER = re.compile(r"\{(?P<field>[a-z_]+):(?P<id>[^{}\s]*)\}")
PLACEHOLDER_FIELDS = ("phone", "name")


def placeholders(text: str) -> list[str]:
    """The ``{phone:ID}``/``{name:ID}`` placeholders of ``text``, sorted."""
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text))

_CONTACT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("web address", re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)),
    ("email address", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    (
        "web address",
        re.compile(
            r"\b(?:[a-z0-9-]+\.)+(?:uk|org|com|net|info|io|gov)\b(?!\.\w)", re.IGNORECASE
        ),
    ),
    ("phone number", re.compile(r"\+\d[\d ()-]{7,}\d")),
    ("phone number", re.compile(r"(?<![\w.])0\d(?:[ -]?\d){7,10}(?![\w])")),
    (
        "phone number",
        re.compile(r"(?<![\w.£$])(?:999|101|111|112|105|116 ?123|61016|18000|18001)(?![\w.]\w|\w)"),
    ),
)


def contacts_in(text: str) -> list[tuple[int, str, str]]:
    """Phone numbers, web and email addresses written into text: (offset, kind, match)."""
    plain = PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text)
    found: dict[int, tuple[int, str, str]] = {}
    for kind, pattern in _CONTACT_PATTERNS:
        for match in pattern.finditer(plain):
            if not any(start <= match.start() < start + len(m) for start, (_, _, m) in found.items()):
                found[match.start()] = (match.start(), kind, match.group(0))
    return sorted(found.values())


def expand(text: str, signposts: Mapping[str, Signpost]) -> str:
    """Replace ``{phone:ID}`` and ``{name:ID}`` with the directory's values."""

    def replace(match: re.Match[str]) -> str:
        signpost = signposts.get(match.group("id"))
        if signpost is None:
            return match.group(0)
        if match.group("field") == "phone":
            return signpost.phone or signpost.name
        return signpost.name

    return PLACEHOLDER.sub(replace, text)


def signpost_lines(signposts: list[Signpost]) -> list[str]:
    """How signposts read as plain text: name, then phone and address when present."""
    lines = []
    for signpost in signposts:
        contact = " · ".join(part for part in (signpost.phone, signpost.url, signpost.how) if part)
        line = f"• {signpost.name}: {contact}" if contact else f"• {signpost.name}"
        if signpost.review_note:
            line += f" (check before use: {signpost.review_note})"
        lines.append(line)
    return lines
