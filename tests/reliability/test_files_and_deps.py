"""Security checks that need no Telegram: database file modes, and dependency ranges.

* The statistics database written by a real ``referral-bot chat`` process, with its ``-wal``
  and ``-shm`` files, is mode 0600 and its new folder 0700, even under ``umask 000``.
* The session store's database, its WAL files and its key file are 0600 (the Telegram
  bot's own files are also checked through the real bot process in ``test_security.py``).
* Every runtime dependency in ``pyproject.toml`` (and every runtime extra) has both a lower
  and an upper bound, so an install never jumps to an untested major version.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.conftest import ROOT, cli_command

DEV_EXTRAS = {"dev"}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def wait_for(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def test_stats_files_are_private_even_with_umask_000(demo_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "new-folder" / "stats.db"
    env = {**os.environ, "REFERRAL_BOT_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    command = " ".join(f"'{part}'" for part in [*cli_command(), "chat", "--json", "--flows", str(demo_dir), "demo"])
    proc = subprocess.Popen(["/bin/sh", "-c", f"umask 000; exec {command}"], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdin is not None
        proc.stdin.write(b"no\n")
        proc.stdin.flush()
        # While the process runs, the recorder has the database open in WAL mode.
        wal, shm = db.with_name("stats.db-wal"), db.with_name("stats.db-shm")
        wait_for(lambda: wal.exists() and shm.exists())
        found = {p.name: oct(mode(p)) for p in (db, wal, shm)}
        assert found == {"stats.db": "0o600", "stats.db-wal": "0o600", "stats.db-shm": "0o600"}
        assert oct(mode(db.parent)) == "0o700"
    finally:
        _out, err = proc.communicate(timeout=30)
    assert (proc.returncode, err) == (0, b"")


def test_session_store_files_are_private_even_with_umask_000(tmp_path: Path) -> None:
    script = (
        "import os, sys\n"
        "os.umask(0)\n"
        "from bot.engine.store import SessionStore\n"
        "from bot.engine import Session\n"
        "store = SessionStore(sys.argv[1])\n"
        "store.save(store.key('telegram', 42), Session(channel='telegram'))\n"
        "names = sorted(p.name for p in os.scandir(os.path.dirname(sys.argv[1])))\n"
        "print(' '.join(f'{n}={oct(os.stat(os.path.join(os.path.dirname(sys.argv[1]), n)).st_mode & 0o777)}'"
        " for n in names))\n"
        "store.close()\n"
    )
    db = tmp_path / "sessions" / "sessions.db"
    result = subprocess.run([sys.executable, "-c", script, str(db)], capture_output=True, text=True,
                            cwd=ROOT, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    modes = dict(pair.split("=") for pair in result.stdout.split())
    assert modes == {"sessions.db": "0o600", "sessions.db-shm": "0o600", "sessions.db-wal": "0o600",
                     "sessions.key": "0o600"}
    assert oct(mode(db.parent)) == "0o700"


def pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def runtime_requirements() -> list[Requirement]:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    found = [Requirement(r) for r in project["dependencies"]]
    for extra, requirements in project.get("optional-dependencies", {}).items():
        if extra not in DEV_EXTRAS:
            found += [Requirement(r) for r in requirements]
    return found


@pytest.mark.parametrize("requirement", runtime_requirements(), ids=str)
def test_runtime_dependency_has_lower_and_upper_bounds(requirement: Requirement) -> None:
    operators = {spec.operator for spec in requirement.specifier}
    lower = operators & {">=", ">", "~=", "=="}
    upper = operators & {"<", "<=", "~=", "=="}
    assert lower, f"{requirement}: add a lower bound such as >=X.Y (the version tested)"
    assert upper, f"{requirement}: add an upper bound such as <NEXT_MAJOR"
    assert "===" not in operators, f"{requirement}: use a version range"
    assert not requirement.url, f"{requirement}: use a version range, not a URL"


def test_the_runtime_dependencies_are_the_documented_ones() -> None:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    names = sorted(Requirement(r).name.lower() for r in project["dependencies"])
    # The web channel (#14) adds starlette, uvicorn, jinja2 and govuk-frontend-jinja.
    assert names == ["click", "govuk-frontend-jinja", "jinja2", "platformdirs", "python-telegram-bot", "pyyaml",
                     "sqlite-utils", "starlette", "transitions", "uvicorn"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    dependencies = readme[readme.index("## Dependencies"):readme.index("Optional extras")]
    documented = ("python-telegram-bot 22", "transitions 0.9", "PyYAML 6", "sqlite-utils 4", "click 8",
                  "platformdirs 4", "Starlette 1.10", "uvicorn", "Jinja2 3.1", "govuk-frontend-jinja 4.1.0")
    for name in documented:
        assert f"| {name}" in dependencies, f"README's Dependencies table lacks {name}"
    assert not any(Requirement(r).name == "pip-audit" for r in project["dependencies"])
