"""Shared fixtures: the shipped flows, an engine on them, and the real CLI as a subprocess.

Also the suite's own rules, in one place:

- the ``slow`` marker goes on the subprocess- and timing-heavy tests listed in :data:`SLOW`
  (``scripts/test --fast`` leaves them out);
- tests marked ``full`` (minutes of real waiting) run only with ``RELIABILITY_FULL=1``;
- runtime files of every program the tests start go to a temporary per-user data directory,
  never to the real one;
- the content cross-checks against ``../shared/`` (not part of the project) skip when it is
  absent, and the end of the run names them in one line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Engine
from bot.flows import Catalogue, FlowSet, load_catalogue, load_flows

ROOT = Path(__file__).resolve().parents[1]
FLOWS = ROOT / "flows"
SHARED = ROOT.parent / "shared"

CliRunner = Callable[..., subprocess.CompletedProcess[str]]

SLOW = (
    "tests/reliability/",  # real bot processes, fault injection, SIGKILLs, load
    "tests/telegram/",  # the real bot as a subprocess against tests/botapi
    "tests/test_stats_privacy_telegram.py",
    "tests/test_benchmarks.py",  # runs the benchmarks
    "tests/test_fuzz_validator.py",  # hypothesis, hundreds of broken flow files
    "tests/test_botapi.py",  # long polling and webhooks with real waits
    "tests/test_handbook.py::test_headless_chromium",  # a real browser
    "tests/test_image_install.py",  # builds and installs the wheel (also marked in the module)
    "tests/web/test_web_browser.py",  # the web channel in a real browser, axe on every state
    "tests/web/test_web_cli.py",  # 'referral-bot web' as a subprocess
    "tests/web/test_web_export.py::test_the_pack_walks_to_an_outcome",  # the offline pack in a browser
    "tests/web/test_web_export.py::test_offline_pages_have_no_axe_violation",
)
"""Paths (relative to the repository, a prefix of the test id) whose tests are marked ``slow``."""

FULL_ENV = "RELIABILITY_FULL"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow tests; leave out the ``full`` ones unless ``RELIABILITY_FULL=1``."""
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
    if os.environ.get(FULL_ENV, "") not in ("", "0"):
        return
    full = [item for item in items if item.get_closest_marker("full")]
    if full:
        config.hook.pytest_deselected(items=full)
        items[:] = [item for item in items if not item.get_closest_marker("full")]
        config.stash[_FULL_LEFT_OUT] = [item.nodeid for item in full]


_FULL_LEFT_OUT = pytest.StashKey[list[str]]()


def _is_cross_check(report: pytest.TestReport) -> bool:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return str(SHARED) in reason or "../shared" in reason


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """One line naming the content cross-checks that skipped, and one for the long tests left out."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if _is_cross_check(r)]
    if skipped:
        names = ", ".join(sorted({r.nodeid.split("::")[-1] for r in skipped}))
        terminalreporter.write_line(f"Content cross-checks skipped ({len(skipped)}; ../shared/domain and "
                                    f"../shared/seed are not beside the repository): {names}")
    left_out = config.stash.get(_FULL_LEFT_OUT, [])
    if left_out:
        names = ", ".join(nodeid.split("::")[-1] for nodeid in left_out)
        terminalreporter.write_line(f"Long versions not run ({len(left_out)}; {FULL_ENV}=1 runs them): {names}")


_DATA_HOME = pytest.StashKey[tempfile.TemporaryDirectory[str]]()


def pytest_configure(config: pytest.Config) -> None:
    """Runtime files default to the per-user data directory: for this run, a temporary one."""
    folder = tempfile.TemporaryDirectory(prefix="referral-guide-data-")
    config.stash[_DATA_HOME] = folder
    os.environ["XDG_DATA_HOME"] = folder.name


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_DATA_HOME, None)
    if folder is not None:
        folder.cleanup()


@pytest.fixture(scope="session")
def flowset() -> FlowSet:
    """The shipped flows, loaded and validated once."""
    return load_flows(FLOWS)


@pytest.fixture
def engine(flowset: FlowSet) -> Engine:
    """An engine on the shipped flows, with no listeners."""
    return Engine(flowset)


def english_only(node: Any) -> Any:
    """Plain data from a shipped file as it was before its translation: the English of each
    {en, cy} text, without ``languages`` and ``translation`` (issue 15)."""
    if isinstance(node, dict):
        if "en" in node and set(node) <= {"en", "cy"}:
            return node["en"]
        return {k: english_only(v) for k, v in node.items() if k not in ("languages", "translation")}
    if isinstance(node, list):
        return [english_only(v) for v in node]
    return node


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


@pytest.fixture(scope="session")
def welsh_flows_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped flows with a little Welsh (``tests/web/welsh.py``), made once; read only."""
    from tests.web.welsh import welsh_flows  # here, not on top: it imports this module

    return welsh_flows(tmp_path_factory.mktemp("cy") / "flows")


@pytest.fixture(scope="session")
def welsh_catalogue(welsh_flows_dir: Path) -> Catalogue:
    """Every language of :func:`welsh_flows_dir`, loaded once; read only."""
    return load_catalogue(welsh_flows_dir)
