"""A flows folder offered in English and Welsh, for the Telegram tests of issue 15.

It is a copy of the shipped flows (offered in Welsh: ``ui.yaml`` declares it) plus one small flow
written in both languages, ``tests/fixtures/dwy_iaith.yaml``. The shipped ``nrm_referral`` is
not translated, so it shows how a guide not yet in Welsh is offered to a Welsh-language user.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tgkit import FLOWS

from bot.engine import Engine
from bot.flows import load_catalogue

__all__ = ["BILINGUAL_FLOW", "welsh_engine", "welsh_flows"]

BILINGUAL = Path(__file__).resolve().parents[1] / "fixtures" / "dwy_iaith.yaml"
BILINGUAL_FLOW = "dwy_iaith"


def welsh_flows(tmp_path: Path) -> Path:
    """Write the folder under ``tmp_path`` and return it."""
    folder = tmp_path / "flows"
    shutil.copytree(FLOWS, folder)
    shutil.copy(BILINGUAL, folder / f"{BILINGUAL_FLOW}.yaml")
    return folder


def welsh_engine(folder: Path) -> Engine:
    """The engine the bot builds from ``folder`` (every language)."""
    return Engine.from_catalogue(load_catalogue(folder))
