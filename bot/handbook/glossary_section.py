"""The handbook's glossary (issue #13): every term with what it stands for, its definition and
its source."""

from __future__ import annotations

from bot.flows.i18n import BASE
from bot.flows.model import FlowSet
from bot.handbook.markup import esc
from bot.handbook.words import foreign, say

__all__ = ["render_glossary"]


def render_glossary(flowset: FlowSet) -> str:
    """A definition list of the glossary, or nothing when the folder has none; the terms stay as
    written (English: marked so in another language's page)."""
    glossary, language = flowset.glossary, flowset.language
    if glossary is None or not glossary.terms:
        return ""
    items = []
    for term in glossary.terms:
        meaning = f" ({esc(term.meaning)})" if term.meaning else ""
        written = ", ".join(foreign(esc(a), BASE, language) for a in term.aliases)
        aliases = f' <span class="from">{say(language, "also_written", aliases=written)}</span>' if term.aliases else ""
        name = foreign(esc(term.term), BASE, language)
        items.append(f'<dt id="term-{esc(term.term.replace(" ", "-"))}">{name}{meaning}{aliases}</dt>'
                     f'<dd>{esc(term.definition)} <a href="{esc(term.source)}">{say(language, "source")}</a></dd>')
    return f'<h2 id="glossary">{say(language, "glossary")}</h2>\n<dl class="glossary">{"".join(items)}</dl>'
