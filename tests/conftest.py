"""Shared fixtures: the shipped flows, an engine on them, and the real CLI as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.flows import FlowSet, load_flows

ROOT = Path(__file__).resolve().parents[1]
FLOWS = ROOT / "flows"
SHARED = ROOT.parent / "shared"

CliRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def flowset() -> FlowSet:
    """The shipped flows, loaded and validated once."""
    return load_flows(FLOWS)


@pytest.fixture
def engine(flowset: FlowSet) -> Engine:
    """An engine on the shipped flows, with no listeners."""
    return Engine(flowset)


def cli_command() -> list[str]:
    """The installed ``referral-bot`` console script, or ``python -m bot``."""
    script = Path(sys.executable).with_name("referral-bot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


@pytest.fixture
def run_cli(tmp_path: Path) -> CliRunner:
    """Run ``referral-bot ARGS`` as a real subprocess; stats go to a temporary database."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "REFERRAL_BOT_DB": str(tmp_path / "stats.db"), "PYTHONIOENCODING": "utf-8"}
        full_env.pop("TELEGRAM_BOT_TOKEN", None)
        full_env.update(env or {})
        return subprocess.run(
            [*cli_command(), *args], input=input, capture_output=True, text=True,
            env=full_env, cwd=cwd or ROOT, timeout=timeout, check=False,
        )

    return run


FIXTURE_FLOWS = ROOT / "tests" / "fixtures" / "flows"


@pytest.fixture
def demo_dir(tmp_path: Path) -> Path:
    """A flows folder with the fixture flows and the real signposts and interface texts."""
    import shutil

    folder = tmp_path / "flows"
    folder.mkdir()
    for name in ("signposts.yaml", "ui.yaml"):
        shutil.copy(FLOWS / name, folder / name)
    for path in FIXTURE_FLOWS.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture
def demo_engine(demo_dir: Path) -> Engine:
    """An engine on the fixture flows."""
    return Engine(load_flows(demo_dir))


NATIONS = ROOT / "tests" / "fixtures" / "nations"
PROFILE = ROOT / "tests" / "fixtures" / "local.yaml"


@pytest.fixture
def nation_dir(tmp_path: Path) -> Path:
    """Issue 13's fixture folder: two flows with a nation question, a small directory, a glossary
    and the shipped interface texts."""
    import shutil

    folder = tmp_path / "nations"
    folder.mkdir()
    shutil.copy(FLOWS / "ui.yaml", folder / "ui.yaml")
    for path in NATIONS.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return folder
