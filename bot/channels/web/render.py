"""Jinja2 templates (with the govuk-frontend-jinja macros) and the compiled assets' names."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape

__all__ = ["ASSET_PREFIX", "TEXT", "asset_names", "asset_path", "environment", "render", "static_dir"]

ASSET_PREFIX = "/assets/"
SERVICE_NAME = "Referral Guide"

# The web pages' own interface words (labels and short messages, never guidance: guidance
# and the shared interface texts come from the flows and flows/ui.yaml).
TEXT: dict[str, str] = {
    "service": SERVICE_NAME,
    "continue": "Continue",
    "start_now": "Start now",
    "back": "Back",
    "start_again": "Start again",
    "your_answers": "Your answers",
    "change": "Change",
    "problem": "There is a problem",
    "select_one": "Select an answer",
    "unknown_option": "That answer is not one of the options for this step. Select one of the answers below.",
    "stale_step": "That answer was for an earlier step, so nothing was changed. This is where you are now.",
    "form_expired": "This page had expired, so nothing was changed. Please answer again.",
    "no_session": ("Your session had ended, or your browser blocked its cookie, so nothing was changed. "
                   "You can start again below."),
    "too_large": "That form was too large to read, so nothing was changed. Please answer again.",
    "select_all": "Select all that apply.",
    "danger_now": "In danger now?",
    "call": "Call",
    "emergency_page": "What to do in an emergency",
    "emergency_title": "Emergency",
    "exit": "Exit this page",
    "guides": "Guides",
    "choose_guide": "Choose a guide",
    "change_role": "Change who you are",
    "privacy": "Privacy",
    "related": "Related guides",
    "services": "Who to contact",
    "why": "Why this step is asked",
    "training_notes": "Training notes: why this step is asked",
    "all_guides": "All guides",
    "offline_checklist": "Then follow the line that matches what you ticked:",
    "source": "Source",
    "diagram": "Diagram of this guide, with the current step highlighted",
    "trainer_view": "Trainer view",
    "not_found": "Page not found",
    "not_found_text": "There is no page at this address. Choose a guide from the list.",
    "unavailable": "Sorry, the service is unavailable",
    "unavailable_text": "Your place could not be read just now. Please try again in a few minutes.",
    "no_answers": "You have not answered any questions in this guide yet.",
    "version": "Content version",
    "reviewed": "reviewed",
    "review_due": "next review due",
}


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
    return env


def render(template: str, **context: Any) -> str:
    """Render one page."""
    return environment().get_template(template).render(**context)
