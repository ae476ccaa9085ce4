"""A copy of the shipped flows with a little Welsh, for the web, export and handbook tests.

Until the Welsh content lands, the tests build their own: ``ui.yaml`` declares ``cy`` with
``complete: false`` (a missing Welsh text is a warning and shows in English) and a few
interface texts get Welsh; ``report_concern`` declares ``cy`` and has its title and first
question in Welsh. Every other flow stays English only: a Welsh page shows it in English.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.conftest import FLOWS

RECORD = """languages: [en, cy]
translation:
  cy: {translated_by: test, translated_on: 2026-12-03, complete: false}
"""
UI_TEXTS = {
    "language_label": ("Cymraeg", "English"),
    "not_translated": ("This guide is in English only.",
                       "Mae'r canllaw hwn yn Saesneg yn unig."),
    "emergency_back": ("Back to where I was", "Yn ôl i ble roeddwn i"),
    "role_public": ("Member of the public", "Aelod o'r cyhoedd"),
}
UNREVIEWED_CY = "Nid yw siaradwr Cymraeg rhugl wedi adolygu'r testunau Cymraeg eto."
FLOW_TEXTS = {
    "title: Report a concern about someone":
        ("title", "Report a concern about someone", "Rhoi gwybod am bryder am rywun", ""),
    "    text: Is anyone in immediate danger, or is a crime happening right now?":
        ("text", "Is anyone in immediate danger, or is a crime happening right now?",
         "A oes unrhyw un mewn perygl uniongyrchol, neu a oes trosedd yn digwydd ar hyn o bryd?", "    "),
    "        label: Yes, someone is in danger now":
        ("label", "Yes, someone is in danger now", "Oes, mae rhywun mewn perygl nawr", "        "),
    "        label: No, not right now":
        ("label", "No, not right now", "Nac oes, ddim ar hyn o bryd", "        "),
}
WELSH_TITLE = "Rhoi gwybod am bryder am rywun"
WELSH_QUESTION = FLOW_TEXTS["    text: Is anyone in immediate danger, or is a crime happening right now?"][2]
NOT_TRANSLATED_CY = UI_TEXTS["not_translated"][1]


def _both(key: str, en: str, cy: str, indent: str) -> str:
    return f'{indent}{key}:\n{indent}  en: "{en}"\n{indent}  cy: "{cy}"'


def welsh_flows(folder: Path) -> Path:
    """Copy the shipped flows into ``folder`` and give them some Welsh; returns ``folder``."""
    shutil.copytree(FLOWS, folder, dirs_exist_ok=True)
    ui = folder / "ui.yaml"
    text = ui.read_text(encoding="utf-8").replace("texts:\n", RECORD + "texts:\n", 1)
    for key, (en, cy) in UI_TEXTS.items():
        line = f"  {key}: {en}\n"
        assert line in text, line
        text = text.replace(line, _both(key, en, cy, "  ") + "\n", 1)
    def unreviewed(found: re.Match[str]) -> str:
        english = "".join("  " + line for line in found.group(1).splitlines(keepends=True))
        return f'  translation_unreviewed:\n    en: >-\n{english}    cy: "{UNREVIEWED_CY}"\n'

    text, count = re.subn(r"  translation_unreviewed: >-\n((?:    .*\n)+)", unreviewed, text)
    assert count == 1
    ui.write_text(text, encoding="utf-8")
    flow = folder / "report_concern.yaml"
    text = flow.read_text(encoding="utf-8").replace("id: report_concern\n", "id: report_concern\n" + RECORD, 1)
    for line, (key, en, cy, indent) in FLOW_TEXTS.items():
        assert line + "\n" in text, line
        text = text.replace(line + "\n", _both(key, en, cy, indent) + "\n", 1)
    flow.write_text(text, encoding="utf-8")
    return folder
