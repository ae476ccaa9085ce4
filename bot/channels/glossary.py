"""Texts every channel shares for issue #13: the glossary, a step's terms, and the short
/about summary. Words come from the glossary and ``flows/ui.yaml``; this only lays them out."""

from __future__ import annotations

from collections.abc import Iterable

from bot.engine import Engine, TurnTerm
from bot.flows.model import Flow

__all__ = ["about_summary", "flow_line", "glossary_list", "glossary_reply", "sources_text", "terms_text",
           "unreviewed"]


def _term(term: str, meaning: str | None, definition: str) -> str:
    named = f"{term} ({meaning})" if meaning else term
    return f"{named}: {definition}"


def terms_text(terms: tuple[TurnTerm, ...]) -> str:
    """A step's terms with their definitions, one paragraph each."""
    return "\n\n".join(_term(t.term, t.meaning, t.definition) for t in terms)


def glossary_list(engine: Engine, bullet: str = "•") -> str:
    """The glossary's intro line, then every term (with what it stands for)."""
    glossary = engine.flowset.glossary
    if glossary is None:
        return engine.ui("glossary_unknown")
    lines = [engine.ui("glossary")]
    lines += [f"{bullet} {t.term} ({t.meaning})" if t.meaning else f"{bullet} {t.term}" for t in glossary.terms]
    return "\n".join(lines)


def glossary_reply(engine: Engine, word: str, bullet: str = "•") -> str:
    """``glossary`` (every term) or ``glossary WORD`` (that term's definition)."""
    if not word.strip():
        return glossary_list(engine, bullet)
    glossary = engine.flowset.glossary
    term = glossary.lookup(word) if glossary is not None else None
    if term is None:
        return engine.ui("glossary_unknown")
    return _term(term.term, term.meaning, term.definition)


def flow_line(engine: Engine, flow: Flow, *, owner: bool = True) -> str:
    """One flow for /about: title, review dates and (unless every flow has the same) owner."""
    status = "" if flow.status == "published" else f" ({engine.ui('draft')})"
    by = f"; {engine.ui('about_owner')}: {flow.owner}" if owner else ""
    return (f"{flow.title}{status}: {engine.ui('about_reviewed')} {flow.reviewed_on.isoformat()}, "
            f"{engine.ui('about_review_due')} {flow.review_due.isoformat()}{by}")


def unreviewed(engine: Engine, flows: Iterable[Flow] | None = None) -> bool:
    """True when the engine's language is a translation no fluent speaker has reviewed yet: its
    interface texts, or one of ``flows`` (every flow when None) in that language."""
    flowset = engine.flowset
    if flowset.ui_translation is None:
        return False
    flows = flowset.flows.values() if flows is None else flows
    records = [flowset.ui_translation, *(f.translation[f.language] for f in flows
                                         if f.language == flowset.language and f.language in f.translation)]
    return any(not record.reviewed for record in records)


def about_summary(engine: Engine, bullet: str = "•") -> str:
    """The disclaimer, the force (when a local profile is set) and every flow's line; one
    owner line when every flow has the same owner."""
    parts = [engine.ui("about")]
    if unreviewed(engine):  # issue 15: say so until a fluent speaker has reviewed the translation
        parts.append(engine.ui("translation_unreviewed"))
    local = engine.flowset.local
    if local is not None:
        parts.append(f"{engine.ui('local_force')} {local.force}")
    flows = list(engine.flowset.flows.values())
    owners = {flow.owner for flow in flows}
    lines = [f"{bullet} {flow_line(engine, f, owner=len(owners) > 1)}" for f in flows]
    if len(owners) == 1:
        lines.append(f"{engine.ui('about_every_owner')} {owners.pop()}")
    parts.append("\n".join(lines))
    return "\n\n".join(parts)


def sources_text(flow: Flow, bullet: str = "•") -> str:
    """A flow's sources: the title, then each source with its address."""
    return "\n".join([f"{flow.title}:", *(f"{bullet} {s.title}: {s.url}" for s in flow.sources)])
