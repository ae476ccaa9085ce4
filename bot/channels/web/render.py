"""Jinja2 templates (with the govuk-frontend-jinja macros) and the compiled assets' names."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape
from markupsafe import Markup, escape

from bot.flows.i18n import BASE, own_texts

__all__ = ["ASSET_PREFIX", "TEXT", "all_texts", "asset_names", "asset_path", "environment", "in_language", "render",
           "static_dir", "texts"]

ASSET_PREFIX = "/assets/"
TEXTS_FILE = "texts.yaml"


@cache
def all_texts() -> dict[str, dict[str, str]]:
    """The web pages' own words by language: ``texts.yaml`` beside this module (labels, buttons
    and short messages, never guidance: guidance and the shared interface texts come from the
    flows and flows/ui.yaml). A text a language lacks is shown in English."""
    return own_texts("bot.channels.web", TEXTS_FILE)


def texts(language: str | None = None) -> dict[str, str]:
    """The web pages' own words in ``language`` (English for a language they are not in)."""
    every = all_texts()
    return every.get(language or BASE, every[BASE])


TEXT: dict[str, str] = texts(BASE)
"""The English words (the default; pages in another language use :func:`texts`)."""


def in_language(text: str, language: str | None) -> Markup:
    """``text`` escaped; inside ``<span lang="...">`` when ``language`` is given, for words in
    another language than the page's (English fallback in a Welsh page, issue 15)."""
    if not language:
        return escape(text)
    return Markup('<span lang="{}">{}</span>').format(language, text)  # format() escapes both


def static_dir() -> Path:
    """The folder of compiled assets shipped in the package."""
    return Path(str(files("bot.channels.web") / "static"))


@cache
def asset_names() -> dict[str, str]:
    """Logical asset name (``referral-guide.css``) to its hashed file name."""
    manifest = json.loads((static_dir() / "manifest.json").read_text(encoding="utf-8"))
    names: dict[str, str] = manifest["files"]
    return names


def asset_path(name: str, prefix: str = ASSET_PREFIX) -> str:
    """The URL of an asset by its logical name."""
    return prefix + asset_names()[name]


@cache
def environment() -> Environment:
    """The template environment: our templates, then the GOV.UK Frontend macros."""
    env = Environment(
        loader=ChoiceLoader([
            PackageLoader("bot.channels.web", "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
        ]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals["t"] = TEXT
    env.filters["in_language"] = in_language
    return env


def render(template: str, **context: Any) -> str:
    """Render one page."""
    return environment().get_template(template).render(**context)
