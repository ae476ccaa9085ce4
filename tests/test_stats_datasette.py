"""The Datasette metadata file opens the real statistics database (skipped without Datasette)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_stats_fixtures import TO_ADVICE, TO_CALL_NOW, load_demo, run

from bot.engine import Engine
from bot.stats import Recorder

ROOT = Path(__file__).resolve().parents[1]
METADATA = ROOT / "data" / "datasette-metadata.yml"
COLUMNS = ["id", "kind", "flow", "version", "state", "outcome", "channel", "role", "training",
           "hour", "run_id", "step"]


def test_metadata_describes_every_column() -> None:
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    database = metadata["databases"]["referral-bot"]
    assert list(database["tables"]["events"]["columns"]) == COLUMNS
    assert database["tables"]["_sqlite_migrations"] == {"hidden": True}
    assert set(database["queries"]) == {"runs_by_flow", "outcomes_by_flow", "dropoff_by_state", "runs_by_day"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("datasette")
    path = folder / "referral-bot.db"  # Datasette names the database after the file
    recorder = Recorder(path)
    engine = Engine(load_demo(folder / "flows"), listeners=[recorder])
    for _ in range(3):
        run(engine, TO_CALL_NOW)
    run(engine, TO_ADVICE)
    run(engine, ("no",))
    recorder.close()
    return path


def datasette_get(db: Path, url: str) -> object:
    exe = shutil.which("datasette", path=str(Path(sys.executable).parent)) or shutil.which("datasette")
    if exe is None:
        pytest.skip("Datasette is optional and not installed (pip install datasette)")
    result = subprocess.run([exe, str(db), "-m", str(METADATA), "--get", url],
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_datasette_opens_the_database_with_the_metadata(db: Path) -> None:
    info = datasette_get(db, "/referral-bot.json")
    assert isinstance(info, dict)
    tables = {t["name"]: t for t in info["tables"]}
    assert tables["events"]["columns"] == COLUMNS
    assert tables["_sqlite_migrations"]["hidden"] is True
    runs = datasette_get(db, "/referral-bot/runs_by_flow.json?_shape=array")
    assert runs == [{"flow": "stats_demo", "started": 5, "completed": 4, "abandoned": 1, "emergency": 0}]
    outcomes = datasette_get(db, "/referral-bot/outcomes_by_flow.json?_shape=array")
    assert outcomes == [{"flow": "stats_demo", "outcome": "call_now", "runs": 3},
                        {"flow": "stats_demo", "outcome": "advice_outcome", "runs": 1}]
    dropoff = datasette_get(db, "/referral-bot/dropoff_by_state.json?_shape=array")
    assert dropoff == [{"flow": "stats_demo", "state": "child", "runs": 1}]
