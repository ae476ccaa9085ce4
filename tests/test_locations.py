"""Where the tool reads and writes: the shipped files through importlib.resources, runtime files in
the per-user data directory, every environment override, and what health and about show."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bot import paths
from bot.channels.telegram.config import load_config
from bot.figures import load_figures
from bot.flows import load_flows
from bot.stats import default_db_path
from tests.conftest import FLOWS, ROOT, cli_command

TOKEN = "123456789:" + "A" * 35
SETTINGS = ("REFERRAL_BOT_DB", "REFERRAL_BOT_SESSIONS_DB", "REFERRAL_BOT_FLOWS", "REFERRAL_BOT_FIGURES")


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No setting in the environment, and a per-user data directory under ``tmp_path``."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "referral-guide"


def test_the_checkout_reads_the_very_files_at_the_top_of_the_repository(clean: Path) -> None:
    assert paths.default_flows_dir() == paths.shipped_flows_dir() == FLOWS.resolve()
    assert paths.default_figures_dir() == paths.shipped_figures_dir() == (ROOT / "data" / "figures").resolve()
    for link, target in (("shipped-flows", "../flows"), ("shipped-figures", "../data/figures")):
        assert os.readlink(ROOT / "bot" / link) == target, "a relative link, so that every clone resolves it"
    assert sorted(load_flows().flows) == sorted(load_flows(FLOWS).flows)
    assert [f.id for f in load_figures()] == [f.id for f in load_figures(ROOT / "data" / "figures")]


def test_runtime_files_default_to_the_per_user_data_directory(clean: Path) -> None:
    assert paths.data_dir() == clean
    assert paths.stats_db_path() == default_db_path() == clean / "referral-bot.db"
    assert paths.sessions_db_path() == clean / "sessions.db"
    assert paths.heartbeat_path(paths.sessions_db_path()) == clean / "sessions.heartbeat"
    config = load_config({"TELEGRAM_BOT_TOKEN": TOKEN, "XDG_DATA_HOME": str(clean.parent)})
    assert (config.stats_db, config.sessions_db) == (clean / "referral-bot.db", clean / "sessions.db")


def test_every_setting_overrides_its_default(clean: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFERRAL_BOT_DB", str(tmp_path / "elsewhere" / "stats.db"))
    assert paths.sessions_db_path() == tmp_path / "elsewhere" / "sessions.db", "sessions go beside the statistics"
    monkeypatch.setenv("REFERRAL_BOT_SESSIONS_DB", str(tmp_path / "s" / "chats.db"))
    monkeypatch.setenv("REFERRAL_BOT_FLOWS", str(tmp_path / "my-flows"))
    monkeypatch.setenv("REFERRAL_BOT_FIGURES", str(tmp_path / "my-figures"))
    where = paths.locations()
    assert where.stats_db == tmp_path / "elsewhere" / "stats.db"
    assert where.sessions_db == tmp_path / "s" / "chats.db"
    assert where.heartbeat == tmp_path / "s" / "chats.heartbeat"
    assert (where.flows, where.figures) == (tmp_path / "my-flows", tmp_path / "my-figures")
    config = load_config({"TELEGRAM_BOT_TOKEN": TOKEN, **{k: os.environ[k] for k in SETTINGS}})
    assert (config.stats_db, config.sessions_db) == (where.stats_db, where.sessions_db)


def _run(args: list[str], cwd: Path, xdg: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS and k != "TELEGRAM_BOT_TOKEN"}
    env.update(XDG_DATA_HOME=str(xdg), PYTHONIOENCODING="utf-8")
    return subprocess.run([*cli_command(), *args], input=stdin, capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=60, check=False)


def test_health_and_about_show_where_the_files_are_and_nothing_lands_in_the_cwd(tmp_path: Path) -> None:
    empty, xdg = tmp_path / "empty", tmp_path / "xdg"
    empty.mkdir()
    data = xdg / "referral-guide"
    health = _run(["health"], empty, xdg)
    assert health.returncode == 1
    assert health.stderr.splitlines() == [
        f"unhealthy: no heartbeat at {data / 'sessions.heartbeat'}; is 'referral-bot run' running here?",
        f"Flows: {FLOWS.resolve()}",
        f"Figures: {(ROOT / 'data' / 'figures').resolve()}",
        f"Statistics database: {data / 'referral-bot.db'}",
        f"Session database: {data / 'sessions.db'}",
        f"Heartbeat: {data / 'sessions.heartbeat'}",
    ]
    chat = _run(["chat"], empty, xdg, stdin="about\nquit\n")
    assert chat.returncode == 0, chat.stderr
    files = chat.stdout.split("Files on this computer:\n")[1].split("\n\n")[0].splitlines()
    assert [line.strip() for line in files] == health.stderr.splitlines()[1:]
    assert (data / "referral-bot.db").is_file()
    assert os.listdir(empty) == []


def test_health_is_healthy_with_a_fresh_heartbeat(tmp_path: Path) -> None:
    data = tmp_path / "xdg" / "referral-guide"
    data.mkdir(parents=True)
    (data / "sessions.heartbeat").touch()
    done = _run(["health"], tmp_path, tmp_path / "xdg")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("healthy: heartbeat")
    assert f"Heartbeat: {data / 'sessions.heartbeat'}" in done.stdout
