"""The committed compiled assets: built from the pinned npm packages, fresh, and brand-free."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.channels.web.render import static_dir
from tests.conftest import ROOT

MANIFEST = json.loads((static_dir() / "manifest.json").read_text(encoding="utf-8"))
BUILD = "scripts/build-web-assets"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_committed_build_is_not_stale() -> None:
    """Every input of the build (script, package.json, lock file, sources) is what was built."""
    inputs = {BUILD, "web/package.json", "web/package-lock.json",
              *(str(p.relative_to(ROOT)) for p in (ROOT / "web" / "src").iterdir())}
    assert set(MANIFEST["inputs"]) == inputs, "inputs were added or removed: run scripts/build-web-assets"
    stale = [name for name, digest in MANIFEST["inputs"].items() if sha256(ROOT / name) != digest]
    assert stale == [], f"changed since the last build: {stale}. Run scripts/build-web-assets and commit the result."


def test_file_names_carry_their_content_hash_and_nothing_else_is_shipped() -> None:
    files = MANIFEST["files"]
    assert set(files) == {"referral-guide.css", "referral-guide.js"}
    for hashed in files.values():
        path = static_dir() / hashed
        assert sha256(path)[:12] == re.search(r"\.([0-9a-f]{12})\.", hashed).group(1)  # type: ignore[union-attr]
    assert {p.name for p in static_dir().iterdir()} == {"manifest.json", *files.values()}


def test_the_pins_are_exact_and_match_the_macros() -> None:
    package = json.loads((ROOT / "web" / "package.json").read_text(encoding="utf-8"))
    for name, version in package["devDependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned exactly: {version}"
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/govuk-frontend"]["version"] == package["devDependencies"]["govuk-frontend"]
    # govuk-frontend-jinja 4.1.0's macros target GOV.UK Frontend 6.3.0.
    assert package["devDependencies"]["govuk-frontend"] == "6.3.0" == MANIFEST["govuk-frontend"]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"govuk-frontend-jinja==4.1.0"' in pyproject


def test_no_gov_uk_brand_and_no_other_origin_in_the_assets() -> None:
    css = (static_dir() / MANIFEST["files"]["referral-guide.css"]).read_text(encoding="utf-8")
    js = (static_dir() / MANIFEST["files"]["referral-guide.js"]).read_text(encoding="utf-8")
    assert "GDS Transport" not in css
    assert "@font-face" not in css
    assert "crest" not in css
    assert "crown" not in css
    assert "url(" not in css, "the stylesheet would fetch an image or font"
    assert "system-ui" in css
    assert not re.search(r"https?://", re.sub(r"\[href\^=\"https?://\"\]", "", css)), "an address in the stylesheet"
    assert "import " not in js.split("\n")[0], "the script must be a classic script, not an ES module"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None or not (ROOT / "web" / "node_modules").is_dir(),
                    reason="npm packages not installed (scripts/build-web-assets installs them)")
def test_rebuilding_gives_the_committed_files(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    for part in ("scripts", "web/src", "bot/channels/web/static"):
        shutil.copytree(ROOT / part, copy / part)
    for name in ("web/package.json", "web/package-lock.json"):
        shutil.copy(ROOT / name, copy / name)
    (copy / "web" / "node_modules").symlink_to(ROOT / "web" / "node_modules")
    subprocess.run([str(copy / BUILD)], check=True, capture_output=True, cwd=copy, env=dict(os.environ))
    built = copy / "bot" / "channels" / "web" / "static"
    assert sorted(p.name for p in built.iterdir()) == sorted(p.name for p in static_dir().iterdir())
    for path in built.iterdir():
        assert path.read_bytes() == (static_dir() / path.name).read_bytes(), path.name
