"""The handbook's glossary (issue #13): every term with what it stands for, its definition and
its source."""

from __future__ import annotations

from bot.flows.model import FlowSet
from bot.handbook.markup import esc

__all__ = ["render_glossary"]


def render_glossary(flowset: FlowSet) -> str:
    """A definition list of the glossary, or nothing when the folder has none."""
    glossary = flowset.glossary
    if glossary is None or not glossary.terms:
        return ""
    items = []
    for term in glossary.terms:
        meaning = f" ({esc(term.meaning)})" if term.meaning else ""
        aliases = f' <span class="from">also written {esc(", ".join(term.aliases))}</span>' if term.aliases else ""
        items.append(f'<dt id="term-{esc(term.term.replace(" ", "-"))}">{esc(term.term)}{meaning}{aliases}</dt>'
                     f'<dd>{esc(term.definition)} <a href="{esc(term.source)}">Source</a></dd>')
    return f'<h2 id="glossary">Glossary</h2>\n<dl class="glossary">{"".join(items)}</dl>'
