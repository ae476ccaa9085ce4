"""Small HTML helpers for the handbook: escaping, links and the page frame."""

from __future__ import annotations

import re
from html import escape

from bot.flows.model import FlowSet, Signpost
from bot.handbook.style import CSS

__all__ = ["Switch", "esc", "external_link", "page", "paragraphs", "phone_link", "signpost_item"]

Switch = tuple[str, str, str]
"""A link to the same page in another language: address, language code, link text."""


def esc(text: object) -> str:
    """Text made safe for HTML content and attribute values."""
    return escape(str(text), quote=True)


def paragraphs(text: str) -> str:
    """Plain text as ``<p>`` paragraphs (blank lines) with ``<br>`` for single newlines."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    return "".join(f"<p>{'<br>'.join(esc(line) for line in block.splitlines())}</p>" for block in blocks)


def external_link(url: str, text: str) -> str:
    """A link to a source or service on the web (the only network addresses in the handbook)."""
    return f'<a href="{esc(url)}" rel="noopener">{esc(text)}</a>'


def phone_link(phone: str) -> str:
    """A ``tel:`` link that dials from a phone and prints as the number."""
    digits = re.sub(r"[^\d+]", "", phone)
    return f'<a href="tel:{esc(digits)}">{esc(phone)}</a>' if digits else esc(phone)


def signpost_item(signpost: Signpost) -> str:
    """One service as a list item: name, phone, web address, how to reach it, review note."""
    parts = [f"<strong>{esc(signpost.name)}</strong>"]
    if signpost.phone:
        parts.append(f"Phone: {phone_link(signpost.phone)}")
    if signpost.url:
        parts.append(f"Web: {external_link(signpost.url, signpost.url)}")
    if signpost.how:
        parts.append(esc(signpost.how))
    if signpost.when:
        parts.append(f"<span class=\"from\">When: {esc(signpost.when)}</span>")
    if signpost.review_note:
        parts.append(f"<span class=\"review\">Check before use: {esc(signpost.review_note)}</span>")
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
         switch: Switch | None = None, language: str | None = None) -> str:
    """A complete, self-contained HTML5 page with the shared style and the emergency contacts;
    ``switch`` links to the same page in the other language (issue 15), ``language`` is the
    page's when it is not the flow set's (a flow not yet translated)."""
    nav = "" if home else '<a href="index.html">← All flows</a>'
    if switch is not None:
        href, code, text = switch
        nav += f' <a href="{esc(href)}" lang="{esc(code)}" hreflang="{esc(code)}" data-language="{esc(code)}">' \
               f"{esc(text)}</a>"
    footer = f"<footer><p>{generated}</p></footer>" if generated else ""
    code = language or flowset.language
    lang = "en-GB" if code == "en" else code
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header class="topbar"><div><span>Referral Guide · trainers\' handbook</span>{nav}</div></header>\n'
        f"{_emergency_banner(flowset)}\n<main>\n{body}\n</main>\n{footer}\n</body>\n</html>\n"
    )
