"""The shipped flows, offered in English and Welsh, for the web, export and handbook tests.

``ui.yaml``, ``report_concern`` and the other public guides are translated (issue 15); guides
such as ``nrm_referral`` are English only, so a Welsh page shows them in English with the
Welsh notice. The expected Welsh texts below are read from the shipped files, so the tests keep
holding when a fluent speaker revises the Welsh.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.flows import load_catalogue
from tests.conftest import FLOWS

_WELSH = load_catalogue(FLOWS)["cy"]
_CONCERN = _WELSH.flows["report_concern"]
WELSH_TITLE = _CONCERN.title
WELSH_QUESTION = _CONCERN.states[_CONCERN.start].text
NOT_TRANSLATED_CY = _WELSH.ui["not_translated"]
UNREVIEWED_CY = _WELSH.ui["translation_unreviewed"]


def welsh_flows(folder: Path) -> Path:
    """Copy the shipped flows into ``folder``; returns ``folder``."""
    shutil.copytree(FLOWS, folder, dirs_exist_ok=True)
    return folder
