"""The handbook's own words in each language (``texts.yaml`` beside this module, issue 15), and
the ``lang`` mark on English inside a page in another language."""

from __future__ import annotations

from functools import cache
from html import escape

from bot.flows.i18n import BASE, own_texts

__all__ = ["all_words", "foreign", "lang_attr", "plain", "say"]


@cache
def all_words() -> dict[str, dict[str, str]]:
    """The handbook's own words by language (a text a language lacks is its English)."""
    return own_texts("bot.handbook")


def plain(language: str, key: str, /, **values: str) -> str:
    """Text ``key`` in ``language`` with its ``{name}`` places filled, not escaped (for ``page()``'s title)."""
    every = all_words()
    return every.get(language, every[BASE])[key].format(**values)


def say(language: str, key: str, /, **parts: str) -> str:
    """Text ``key`` in ``language`` as HTML: escaped, then its ``{name}`` places filled with the HTML ``parts``."""
    every = all_words()
    return escape(every.get(language, every[BASE])[key], quote=False).format(**parts)


def lang_attr(language: str, page: str) -> str:
    """`` lang="..."`` for an element whose text is in ``language`` on a page in ``page``; nothing when they match."""
    return "" if language == page else f' lang="{escape(language)}"'


def foreign(html: str, language: str, page: str) -> str:
    """``html`` inside ``<span lang="...">`` when it is in another language than the page's."""
    attr = lang_attr(language, page)
    return f"<span{attr}>{html}</span>" if attr else html
