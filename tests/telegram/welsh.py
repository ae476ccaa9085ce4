"""A flows folder offered in English and Welsh, for the Telegram tests of issue 15.

It is a copy of the shipped flows whose ``ui.yaml`` declares Welsh (``complete: false``: a text
without Welsh is shown in English) with the Welsh of ``tests/fixtures/welsh_ui.yaml`` beside the
English, plus one small flow written in both languages. The shipped flows stay English only, so
they show how a guide not yet translated is offered to a Welsh-language user.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from tgkit import FLOWS

from bot.engine import Engine
from bot.flows import load_catalogue

__all__ = ["BILINGUAL_FLOW", "WELSH_UI", "welsh_engine", "welsh_flows"]

WELSH_UI = Path(__file__).resolve().parents[1] / "fixtures" / "welsh_ui.yaml"
BILINGUAL_FLOW = "dwy_iaith"

_FLOW = """\
id: dwy_iaith
title: {en: Two languages, cy: Dwy iaith}
version: "1.0.0"
status: published
audience: [public, partner, officer, trainer]
owner: Welsh tests
reviewed_on: 2026-11-01
review_due: 2099-01-01
sources:
  - id: S1
    title: Test source
    url: https://example.org/source
languages: [en, cy]
translation:
  cy: {translated_by: Welsh tests, translated_on: 2026-12-03}
start: danger
states:
  - id: danger
    kind: question
    text:
      en: Is anyone in danger right now?
      cy: Oes unrhyw un mewn perygl nawr?
    options:
      - {id: "yes", label: {en: "Yes", cy: "Oes"}, next: call_now}
      - {id: "no", label: {en: "No", cy: "Nac oes"}, next: adult}
  - id: adult
    kind: question
    text:
      en: Is the person an adult?
      cy: Ydy'r person yn oedolyn?
    options:
      - {id: "yes", label: {en: "Yes", cy: "Ydy"}, next: later}
      - {id: "no", label: {en: "No", cy: "Nac ydy"}, next: later}
  - id: call_now
    kind: outcome
    text:
      en: Call {phone:police_emergency} now.
      cy: Ffoniwch {phone:police_emergency} nawr.
    signposts: [police_emergency]
  - id: later
    kind: outcome
    text:
      en: Call the police non-emergency line.
      cy: Ffoniwch linell yr heddlu nad yw'n un brys.
    signposts: [police_non_emergency]
"""


def welsh_flows(tmp_path: Path) -> Path:
    """Write the folder under ``tmp_path`` and return it."""
    folder = tmp_path / "flows"
    shutil.copytree(FLOWS, folder)
    ui: dict[str, Any] = yaml.safe_load((folder / "ui.yaml").read_text(encoding="utf-8"))
    texts = ui["texts"]
    for key, welsh in yaml.safe_load(WELSH_UI.read_text(encoding="utf-8")).items():
        if isinstance(texts.get(key), str):
            texts[key] = {"en": texts[key], "cy": welsh}
    if "languages" not in ui:
        record = {"translated_by": "Telegram tests", "translated_on": date(2026, 12, 3), "complete": False}
        ui = {"languages": ["en", "cy"], "translation": {"cy": record}, **ui}
    (folder / "ui.yaml").write_text(yaml.safe_dump(ui, allow_unicode=True, sort_keys=False, width=10_000),
                                    encoding="utf-8")
    (folder / f"{BILINGUAL_FLOW}.yaml").write_text(_FLOW, encoding="utf-8")
    return folder


def welsh_engine(folder: Path) -> Engine:
    """The engine the bot builds from ``folder`` (every language)."""
    return Engine.from_catalogue(load_catalogue(folder))
