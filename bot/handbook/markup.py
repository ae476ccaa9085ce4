"""Small HTML helpers for the handbook: escaping, links and the page frame."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from bot.flows.i18n import BASE
from bot.flows.model import FlowSet, Signpost
from bot.handbook.style import CSS
from bot.handbook.words import say

__all__ = ["Switch", "audience", "esc", "external_link", "page", "paragraphs", "phone_link", "signpost_item"]

Switch = tuple[str, str, str]
"""A link to the same page in another language: address, language code, link text."""


def esc(text: object) -> str:
    """Text made safe for HTML content and attribute values."""
    return escape(str(text), quote=True)


def paragraphs(text: str) -> str:
    """Plain text as ``<p>`` paragraphs (blank lines) with ``<br>`` for single newlines."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    return "".join(f"<p>{'<br>'.join(esc(line) for line in block.splitlines())}</p>" for block in blocks)


def audience(flowset: FlowSet, roles: Sequence[str]) -> str:
    """Who a flow is for: the role ids in English; in another language, the roles' names from
    ``ui.yaml`` (``role_<id>``, issue 15), an id without one marked ``lang="en"``."""
    if flowset.language == BASE:
        return esc(", ".join(roles))
    names = (flowset.ui.get(f"role_{r}") for r in roles)
    return ", ".join(esc(n) if n else f'<span lang="en">{esc(r)}</span>' for r, n in zip(roles, names, strict=True))


def external_link(url: str, text: str, lang: str = "") -> str:
    """A link to a source or service on the web (the only network addresses in the handbook);
    ``lang`` is a ``lang`` attribute (from :func:`~bot.handbook.words.lang_attr`) for its text."""
    return f'<a href="{esc(url)}" rel="noopener"{lang}>{esc(text)}</a>'


def phone_link(phone: str) -> str:
    """A ``tel:`` link that dials from a phone and prints as the number."""
    digits = re.sub(r"[^\d+]", "", phone)
    return f'<a href="tel:{esc(digits)}">{esc(phone)}</a>' if digits else esc(phone)


def signpost_item(signpost: Signpost, language: str = BASE) -> str:
    """One service as a list item: name, phone, web address, how to reach it, review note;
    the handbook's words in ``language``."""
    parts = [f"<strong>{esc(signpost.name)}</strong>"]
    if signpost.phone:
        parts.append(say(language, "phone", phone=phone_link(signpost.phone)))
    if signpost.url:
        parts.append(say(language, "web", link=external_link(signpost.url, signpost.url)))
    if signpost.how:
        parts.append(esc(signpost.how))
    if signpost.when:
        parts.append(f"<span class=\"from\">{say(language, 'when', when=esc(signpost.when))}</span>")
    if signpost.review_note:
        note = say(language, "check_before_use", note=esc(signpost.review_note))
        parts.append(f"<span class=\"review\">{note}</span>")
    return "<li>" + "<br>".join(parts) + "</li>"


def _emergency_banner(flowset: FlowSet) -> str:
    contacts = []
    for signpost_id in flowset.emergency_signposts[:2]:
        signpost = flowset.signposts.get(signpost_id)
        if signpost is not None and signpost.phone:
            contacts.append(f"{esc(signpost.name)}: {phone_link(signpost.phone)}")
    if not contacts:
        return ""
    return f'<div class="emergency" role="note">{" · ".join(contacts)}</div>'


def page(flowset: FlowSet, title: str, body: str, *, home: bool = False, generated: str = "",
         switch: Switch | None = None) -> str:
    """A complete, self-contained HTML5 page in ``flowset``'s language with the shared style and
    the emergency contacts; ``switch`` links to the same page in the other language (issue 15)."""
    code = flowset.language
    nav = "" if home else f'<a href="index.html">{say(code, "all_flows")}</a>'
    if switch is not None:
        href, other, text = switch
        nav += f' <a href="{esc(href)}" lang="{esc(other)}" hreflang="{esc(other)}" data-language="{esc(other)}">' \
               f"{esc(text)}</a>"
    footer = f"<footer><p>{generated}</p></footer>" if generated else ""
    lang = "en-GB" if code == "en" else code
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header class="topbar"><div><span>{say(code, "handbook")}</span>{nav}</div></header>\n'
        f"{_emergency_banner(flowset)}\n<main>\n{body}\n</main>\n{footer}\n</body>\n</html>\n"
    )
