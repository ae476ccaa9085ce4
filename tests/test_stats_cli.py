"""``referral-bot stats`` and the terminal chat's recording, through the real CLI subprocess."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from test_stats_fixtures import CliRunner, cli_command, make_flows_dir

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_flows_dir(tmp_path_factory.mktemp("flows"))


@pytest.fixture(scope="module")
def recorded_once(flows: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seven terminal conversations through the real ``chat --json`` (one in training mode)."""
    db = tmp_path_factory.mktemp("db") / "stats.db"
    env = {**os.environ, "REFERRAL_BOT_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    scripts = [("no\nno\nyes\n", ())] * 5 + [("no\nemergency\nback\n", ()), ("yes\n", ("--training",))]
    for script, extra in scripts:
        result = subprocess.run([*cli_command(), "chat", "--json", *extra, "stats_demo", "--flows", str(flows)],
                                input=script, capture_output=True, text=True, env=env, cwd=ROOT,
                                check=False, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert json.loads(result.stdout.splitlines()[-1])["state"] in (
            "anonymous_outcome", "child", "call_now")
    return db


@pytest.fixture
def recorded(recorded_once: Path, tmp_path: Path) -> Path:
    """A copy of the recorded database at the path ``run_cli`` uses (REFERRAL_BOT_DB)."""
    copy = tmp_path / "stats.db"
    shutil.copy(recorded_once, copy)
    return copy


def test_terminal_chat_records_to_referral_bot_db(recorded: Path, run_cli: CliRunner) -> None:
    conn = sqlite3.connect(recorded)
    try:
        kinds = conn.execute("SELECT DISTINCT channel, role FROM events").fetchall()
        training = conn.execute("SELECT count(DISTINCT run_id) FROM events WHERE training = 1").fetchone()[0]
    finally:
        conn.close()
    assert kinds == [("terminal", None)]
    assert training == 1

    result = run_cli("stats", "--json", "--no-suppress")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "flows": [{
            "flow": "stats_demo", "started": 6, "completed": 5, "abandoned": 1,
            "completion_rate": 0.833, "median_steps": 4.0, "outcomes": {"anonymous_outcome": 5},
            "dropoff": {"child": 1}, "emergency": 1,
        }],
        "suppressed_below": None,
        "rounded_to": None,
    }


def test_json_shape_with_suppression(recorded: Path, run_cli: CliRunner) -> None:
    result = run_cli("stats", "--json", "--include-training")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report) == ["flows", "suppressed_below", "rounded_to"]
    assert (report["suppressed_below"], report["rounded_to"]) == (5, 5)
    (row,) = report["flows"]
    assert list(row) == ["flow", "started", "completed", "abandoned", "completion_rate",
                         "median_steps", "outcomes", "dropoff", "emergency"]
    assert row == {
        "flow": "stats_demo", "started": 5, "completed": 5, "abandoned": 0,
        "completion_rate": 1.0, "median_steps": 4.0,
        "outcomes": {"anonymous_outcome": 5}, "dropoff": {},
        "emergency": 0,
    }


def test_table_csv_and_filters(recorded: Path, run_cli: CliRunner) -> None:
    table = run_cli("stats")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[1].split() == ["stats_demo", "5", "5", "0", "100%", "4", "0"]
    csv_out = run_cli("stats", "--csv", "--channel", "terminal", "--since", "2000-01-01")
    assert csv_out.stdout.splitlines()[:3] == [
        "flow,measure,item,value", "stats_demo,started,,5", "stats_demo,completed,,5"]
    none = run_cli("stats", "--channel", "telegram")
    assert none.stdout == "No runs match these filters.\n"
    assert run_cli("stats", "--until", "2000-01-01", "--json").stdout.startswith('{\n  "flows": []')


@pytest.mark.parametrize(("args", "message"), [
    (("stats",), "Error: no statistics database at {db}; it is created when the bot or chat runs"),
    (("stats", "purge", "--older-than", "30"), "Error: no statistics database at {db}"),
    (("stats", "--since", "2026-13-01"), "'2026-13-01' is not a date. Use YYYY-MM-DD, for example 2026-11-29."),
    (("stats", "--until", "yesterday"), "'yesterday' is not a date. Use YYYY-MM-DD"),
    (("stats", "--json", "--csv"), "use --json or --csv, not both."),
    (("stats", "purge"), "Missing option '--older-than'"),
    (("stats", "purge", "--older-than", "-3"), "-3 is not in the range x>=0"),
])
def test_bad_input_gets_a_clear_message(run_cli: CliRunner, tmp_path: Path,
                                        args: tuple[str, ...], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode in (1, 2)
    assert message.format(db=tmp_path / "stats.db") in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_purge_command(recorded: Path, run_cli: CliRunner) -> None:
    kept = run_cli("stats", "purge", "--older-than", "1")
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.startswith("Deleted 0 event(s) of runs that started more than 1 day(s) ago")
    gone = run_cli("stats", "purge", "--older-than", "0", "--db", str(recorded))
    assert gone.returncode == 0, gone.stderr
    conn = sqlite3.connect(recorded)
    left = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    conn.close()
    # Runs that started before this hour are gone (none, unless the hour just turned).
    assert gone.stdout.startswith("Deleted ")
    assert left + int(gone.stdout.split()[1]) == 5 * 6 + 5 + 4


def test_chart_without_matplotlib_names_the_extra(recorded: Path, tmp_path: Path) -> None:
    code = "import sys; sys.modules['matplotlib'] = None; from bot.cli import main; main()"
    env = {**os.environ, "REFERRAL_BOT_DB": str(recorded)}
    result = subprocess.run([sys.executable, "-c", code, "stats", "--chart", str(tmp_path / "c.png")],
                            capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: charts need matplotlib, which is not installed; "
        "install it with pip install 'referral-guide[charts]'"]
    assert not (tmp_path / "c.png").exists()


def test_chart_is_written(recorded: Path, run_cli: CliRunner, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "funnel.png"
    result = run_cli("stats", "--chart", str(out), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["flows"][0]["flow"] == "stats_demo"
    assert out.read_bytes()[:4] == b"\x89PNG"
    bad = run_cli("stats", "--chart", str(tmp_path / "no" / "such" / "dir.png"))
    assert bad.returncode == 1
    assert "cannot write the chart to" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize("args", [("stats",), ("stats", "purge")])
def test_help_ends_with_an_example(run_cli: CliRunner, args: tuple[str, ...]) -> None:
    result = run_cli(*args, "--help")
    assert result.returncode == 0
    description = result.stdout.split("Options:")[0]
    assert "Example:" in description
    assert "referral-bot stats" in description.split("Example:")[1]


def _read_only_runner() -> list[str] | None:
    """A command prefix under which file permissions apply (root ignores them), or None."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
    return prefix if probe.returncode == 0 else None


@pytest.mark.parametrize("case", ["read-only file", "read-only folder"])
def test_read_only_database_does_not_stop_the_chat(recorded_once: Path, flows: Path, tmp_path: Path,
                                                   case: str) -> None:
    prefix = _read_only_runner()
    if prefix is None:
        pytest.skip("running as root without setpriv: file permissions cannot be enforced")
    folder = tmp_path / "locked"
    folder.mkdir()
    db = folder / "stats.db"
    if case == "read-only file":
        shutil.copy(recorded_once, db)
        db.chmod(0o444)
    folder.chmod(0o555)
    try:
        env = {**os.environ, "REFERRAL_BOT_DB": str(db)}
        result = subprocess.run(
            [*prefix, *cli_command(), "chat", "--json", "stats_demo", "--flows", str(flows)],
            input="no\nno\nno\n", capture_output=True, text=True, env=env, cwd=ROOT, check=False,
            timeout=60)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 0, result.stderr
    turns = [json.loads(line) for line in result.stdout.splitlines()]
    assert [t["state"] for t in turns] == ["danger", "child", "anonymous", "advice_outcome"]
    warnings = result.stderr.splitlines()
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith(f"statistics: cannot write to {db} (")
    assert "the conversation goes on" in warnings[0]
    if case == "read-only folder":
        assert not db.exists()
