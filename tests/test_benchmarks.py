"""The benchmark harness runs for real (smallest mode) and reports in the documented shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.core import MODES, TARGETS

ROOT = Path(__file__).resolve().parents[1]


def _bench(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def tiny() -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """One real ``--tiny --json`` run on the shipped flows, shared by the tests below."""
    done = _bench("--tiny", "--json", timeout=180)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return done, json.loads(last) if last.startswith("{") else {}


def test_tiny_run_exits_zero_even_when_targets_are_missed(tiny: tuple[subprocess.CompletedProcess[str], Any]) -> None:
    done, report = tiny
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert report, "the last line of stdout must be the JSON object"


def test_json_is_the_last_line_with_exactly_the_documented_keys(tiny: tuple[Any, dict[str, Any]]) -> None:
    _, report = tiny
    assert set(report) == {"targets_met", "results", "targets"}
    assert isinstance(report["targets_met"], bool)
    assert set(report["targets"]) == {t.result for t in TARGETS}
    for name, target in report["targets"].items():
        assert set(target) == {"op", "limit", "text", "value", "met"}
        assert target["value"] == report["results"][name]
        assert target["met"] in (True, False), f"{name} was not measured"
    assert report["targets_met"] == all(t["met"] for t in report["targets"].values())


def test_every_measure_produced_plausible_figures(tiny: tuple[Any, dict[str, Any]]) -> None:
    _, report = tiny
    results = report["results"]
    for name in ("engine_turn_median_us", "engine_floor_median_us", "e2e_updates_per_s", "baseline_updates_per_s",
                 "memory_per_session_bytes_tracemalloc", "stats_events_per_s", "chat_first_prompt_s",
                 "load_validate_ms", "terminal_import_ms"):
        assert isinstance(results[name], int | float), name
        assert results[name] > 0, name
    # The floor does less than the engine, and the ratio is the two medians side by side.
    assert results["engine_floor_median_us"] < results["engine_turn_median_us"]
    assert results["engine_ratio"] == pytest.approx(
        results["engine_turn_median_us"] / results["engine_floor_median_us"], rel=0.05)
    # Both bots made the same Bot API calls and showed the same messages and buttons.
    assert results["baseline_same_messages"] is True
    assert results["e2e_calls_per_update"] == results["baseline_calls_per_update"] >= 2
    assert results["e2e_updates"] == MODES["tiny"].e2e_updates
    assert results["e2e_events_recorded"] > 0
    # Every event reached the SQLite file, and every held session was mid-flow.
    assert results["stats_events"] == MODES["tiny"].stats_events
    assert results["memory_sessions_mid_flow"] == results["memory_sessions"] == MODES["tiny"].sessions
    assert results["terminal_imports_telegram"] is False
    # The web channel: real steps through the real server beside the floor, nothing lost.
    assert results["web_steps_per_s"] > 0
    assert results["web_floor_steps_per_s"] > 0
    assert results["web_vs_floor"] == pytest.approx(results["web_steps_per_s"] / results["web_floor_steps_per_s"],
                                                    rel=0.05)
    assert results["web_load_5xx"] == 0
    assert results["web_load_crossed_sessions"] == 0
    assert 0 < results["web_step_html_max_kb"] < results["web_first_visit_kb"]


def test_table_lists_each_measure_and_every_missed_target(tiny: tuple[Any, dict[str, Any]]) -> None:
    done, report = tiny
    table = done.stdout
    assert "measure" in table
    assert "floor/baseline" in table
    assert "met?" in table
    assert "Machine: " in table
    assert " cores (" in table
    for name, target in report["targets"].items():
        if not target["met"]:
            assert f"({name} = " in table, f"missed target {name} is not named in the table"


def test_unknown_group_is_a_clear_usage_error() -> None:
    done = _bench("--only", "engine,speed")
    assert done.returncode == 2
    assert "unknown measure group(s) speed; choose from engine" in done.stderr
    assert "Traceback" not in done.stderr


def test_flows_with_errors_are_reported_without_a_traceback(tmp_path: Path) -> None:
    done = _bench("--tiny", "--flows", str(tmp_path / "missing"))
    assert done.returncode == 1
    assert "the flows folder does not exist" in done.stderr
    assert "Cannot benchmark" in done.stderr
    assert "--flows DIR" in done.stderr
    assert "Traceback" not in done.stderr
