"""The vendored Bot API specification: licensed, described, and refreshed by scripts/refresh-botapi-spec."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from botapi import DEFAULT_SPEC_PATH, load_spec

from tests.conftest import ROOT

SPEC = ROOT / "tests" / "botapi" / "api-spec"
SCRIPT = ROOT / "scripts" / "refresh-botapi-spec"


def test_the_spec_is_in_the_repository_with_its_licence_source_version_and_date() -> None:
    assert DEFAULT_SPEC_PATH == SPEC / "api.json"
    spec = load_spec()
    assert spec.version.startswith("Bot API ")
    assert "sendMessage" in spec.methods
    assert "MIT License" in (SPEC / "LICENSE").read_text(encoding="utf-8")
    readme = (SPEC / "README.md").read_text(encoding="utf-8")
    assert "PaulSonOfLars/telegram-bot-api-spec" in readme
    assert f"| Bot API version | {spec.version} (released " in readme
    assert hashlib.sha256((SPEC / "api.json").read_bytes()).hexdigest() in readme, "README and api.json disagree"
    assert "| copied on | 20" in readme


def _refresh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60,
                          check=False)


def test_the_refresh_script_copies_a_spec_and_describes_it(tmp_path: Path) -> None:
    source = tmp_path / "upstream"
    source.mkdir()
    raw = json.loads((SPEC / "api.json").read_text(encoding="utf-8"))
    raw["version"] = "Bot API 99.0"
    (source / "api.json").write_text(json.dumps(raw), encoding="utf-8")
    (source / "LICENSE").write_bytes((SPEC / "LICENSE").read_bytes())
    into = tmp_path / "spec"
    done = _refresh(str(source), "--into", str(into))
    assert done.returncode == 0, done.stderr
    assert "Bot API 99.0" in done.stdout
    assert (into / "api.json").read_bytes() == (source / "api.json").read_bytes()
    readme = (into / "README.md").read_text(encoding="utf-8")
    assert "| Bot API version | Bot API 99.0 (released " in readme
    assert hashlib.sha256((into / "api.json").read_bytes()).hexdigest() in readme


def test_the_refresh_script_writes_nothing_from_a_bad_source(tmp_path: Path) -> None:
    source = tmp_path / "upstream"
    source.mkdir()
    (source / "api.json").write_text('{"hello": "world"}', encoding="utf-8")
    (source / "LICENSE").write_text("MIT License", encoding="utf-8")
    into = tmp_path / "spec"
    done = _refresh(str(source), "--into", str(into))
    assert done.returncode == 1
    assert "nothing written" in done.stderr
    assert not into.exists()
    missing = _refresh(str(tmp_path / "nowhere"), "--into", str(into))
    assert missing.returncode == 1
    assert "cannot read" in missing.stderr
