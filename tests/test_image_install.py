"""The Docker image's install, replayed without Docker (Docker cannot run here).

As the Dockerfile does: copy the build stage's files, install the build backend from
``requirements-build.lock``, build the wheel; then install ``requirements.lock`` and the wheel
into a fresh virtual environment and ``pip check`` it. Then, from an empty directory with no
setting in the environment and a fresh home: ``referral-bot validate``, the first prompt of
``chat``, ``figures`` in ``chat --training``, ``about`` and ``health``, and nothing is written to
that directory (the statistics go to the per-user data directory).

pip's own cache keeps the repeated installs quick; the first run on a machine downloads the
locked packages from PyPI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.figures import load_figures
from bot.flows import load_flows

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
_SETTINGS = re.compile(r"^(REFERRAL_BOT_|TELEGRAM_|XDG_|PYTHON)")


@dataclass
class Installed:
    """The installed image: its virtual environment, the wheel, and where to run from."""

    venv: Path
    wheel: Path
    home: Path
    empty: Path
    env: dict[str, str]

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / "referral-bot"), *args], input=stdin, capture_output=True,
                              text=True, cwd=self.empty, env=self.env, timeout=120, check=False)


def _build_stage_copies() -> list[str]:
    """The sources of the build stage's COPY lines in the Dockerfile (what the image builds from)."""
    build_stage = (ROOT / "Dockerfile").read_text(encoding="utf-8").split("\nFROM ")[1]
    sources: list[str] = []
    for line in build_stage.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            sources += line.split()[1:-1]
    return sources


def _pip(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run([*PIP, *args], capture_output=True, text=True, cwd=cwd, timeout=600, check=False)
    assert done.returncode == 0, f"pip {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("image")
    context = base / "src"
    context.mkdir()
    sources = _build_stage_copies()
    assert {"pyproject.toml", "bot", "flows", "data/figures", "requirements-build.lock"} <= set(sources)
    for source in sources:
        origin, target = ROOT / source, context / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, target, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, target)
    builder = base / "build-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(builder)], check=True, timeout=120)
    _pip("--python", str(builder / "bin" / "python"), "install", "--quiet", "--require-hashes",
         "-r", str(context / "requirements-build.lock"))
    wheels = base / "wheels"
    output = _pip("--python", str(builder / "bin" / "python"), "wheel", "--verbose", "--no-deps",
                  "--no-build-isolation", "--wheel-dir", str(wheels), ".", cwd=context)
    warnings = [line for line in output.splitlines() if re.search(r"\w+Warning\b", line)]
    assert warnings == [], "building the wheel printed warnings"
    (wheel,) = wheels.glob("referral_guide-*.whl")

    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    lock = str(ROOT / "requirements.lock")
    # --no-compile only saves time: the image compiles bytecode, which changes no behaviour.
    _pip("--python", python, "install", "--quiet", "--no-compile", "--require-hashes", "--no-deps", "-r", lock)
    _pip("--python", python, "install", "--quiet", "--no-compile", "--no-deps", str(wheel))
    _pip("--python", python, "check")

    home, empty = base / "home", base / "empty"
    home.mkdir()
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not _SETTINGS.match(k)}
    env.update(HOME=str(home), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", PYTHONIOENCODING="utf-8")
    yield Installed(venv, wheel, home, empty, env)
    assert sorted(os.listdir(empty)) == [], "the installed tool wrote into the directory it was run from"


def test_the_wheel_carries_every_shipped_file_and_the_licence(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        meta = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    for folder, inside in ((ROOT / "flows", "bot/shipped-flows"), (ROOT / "data" / "figures", "bot/shipped-figures")):
        files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
        assert files
        missing = [f for f in files if f"{inside}/{f}" not in names]
        assert missing == [], f"the wheel lacks {missing}"
    assert "bot/shipped-flows/schema.json" in names
    web = ROOT / "bot" / "channels" / "web"
    for folder in (web / "templates", web / "static"):
        files = [p.relative_to(ROOT).as_posix() for p in folder.iterdir() if p.is_file()]
        assert files
        missing = [f for f in files if f not in names]
        assert missing == [], f"the wheel lacks the web channel's {missing}"
    assert {"bot/channels/web/texts.yaml", "bot/handbook/texts.yaml"} <= names, "the pages' own words (issue 15)"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: MIT" in meta
    assert re.search(r"^Requires-Dist: click", meta, re.MULTILINE)


def test_validate_reads_the_shipped_flows_from_any_directory(installed: Installed) -> None:
    done = installed.run("validate")
    assert done.returncode == 0, done.stderr
    assert "no errors" in done.stdout


def test_chat_reaches_the_first_prompt_and_about_says_where_files_are(installed: Installed) -> None:
    done = installed.run("chat", stdin="about\nquit\n")
    assert done.returncode == 0, done.stderr
    for flow in load_flows(ROOT / "flows").flows.values():
        assert flow.title in done.stdout
    assert "Files on this computer:" in done.stdout
    files = done.stdout.split("Files on this computer:")[1].split("\n\n")[0]
    data = installed.home / ".local" / "share" / "referral-guide"
    site = next((installed.venv / "lib").glob("python3*/site-packages"))
    assert f"Flows: {site / 'bot' / 'shipped-flows'}" in files, files
    assert f"Figures: {site / 'bot' / 'shipped-figures'}" in files, files
    assert f"Statistics database: {data / 'referral-bot.db'}" in files, files
    assert (data / "referral-bot.db").is_file(), "the chat's statistics went to the per-user data directory"


def test_training_mode_shows_the_figures(installed: Installed) -> None:
    done = installed.run("chat", "--training", stdin="figures\nfigures 1\nquit\n")
    assert done.returncode == 0, done.stderr
    figures = load_figures(ROOT / "data" / "figures")
    for figure in figures:
        assert figure.title in done.stdout
    assert f"Source: {figures[0].source}" in done.stdout
    assert "cannot be shown" not in done.stdout


def test_the_installed_web_channel_renders_its_pages(installed: Installed) -> None:
    pack = installed.home / "pack"
    done = installed.run("export-site", str(pack))
    assert done.returncode == 0, done.stderr
    home = (pack / "index.html").read_text(encoding="utf-8")
    assert "Referral Guide" in home
    for flow in load_flows(ROOT / "flows").flows.values():
        if flow.status == "published":
            assert (pack / flow.id / "index.html").is_file(), flow.id
    css = next((ROOT / "bot" / "channels" / "web" / "static").glob("referral-guide.*.css"))
    assert 'href="assets/referral-guide.css"' in home
    assert (pack / "assets" / "referral-guide.css").read_bytes() == css.read_bytes()


def test_health_says_where_the_files_are(installed: Installed) -> None:
    done = installed.run("health")
    assert done.returncode == 1, "no bot is running, so it is unhealthy"
    data = installed.home / ".local" / "share" / "referral-guide"
    assert f"no heartbeat at {data / 'sessions.heartbeat'}" in done.stderr
    assert f"Session database: {data / 'sessions.db'}" in done.stderr
    assert "Traceback" not in done.stderr
