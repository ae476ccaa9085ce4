"""Disclosure control that holds: no count from 1 to 4 can be worked out from a report.

Every published count is rounded to the nearest 5 and rates come from the rounded counts
(docs/statistics.md). Hypothesis builds random event sets in a real statistics database;
for every true count from 1 to 4, no sum or difference of the published cells of the same
flow equals it. The Must-show case (8 started, 7 completed) goes through the real CLI.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_stats_fixtures import TO_ANONYMOUS, TO_CALL_NOW, CliRunner, load_demo, run

from bot.engine import Engine
from bot.stats import ROUND_TO, Recorder, build_report, open_database, render_csv, render_table, summary_text
from bot.stats.report import FlowStats

OUTCOMES = ("call_now", "advice", "child")
STATES = ("danger", "child", "anonymous")
Run = tuple[str, str, str, int]  # flow, fate (outcome / abandoned / open), where, steps

runs = st.lists(st.tuples(st.sampled_from(("alpha", "beta")), st.sampled_from(("outcome", "abandoned", "open")),
                          st.sampled_from(OUTCOMES + STATES), st.integers(1, 6)), max_size=40)
emergencies = st.lists(st.sampled_from(("alpha", "beta", None)), max_size=8)


def _write(path: Path, runs: list[Run], emergencies: list[str | None]) -> None:
    db = open_database(path, busy_timeout=2.0)
    rows: list[dict[str, Any]] = []
    base = {"version": "1", "channel": "terminal", "role": "public", "training": 0, "hour": "2026-11-01T10:00Z"}
    for number, (flow, fate, where, steps) in enumerate(runs):
        run_id = f"r{number}"
        rows.append({**base, "kind": "started", "flow": flow, "state": "start", "run_id": run_id, "step": 1})
        rows += [{**base, "kind": "step", "flow": flow, "state": "s", "run_id": run_id, "step": n}
                 for n in range(1, steps + 1)]
        if fate == "outcome":
            rows.append({**base, "kind": "outcome", "flow": flow, "state": where, "outcome": where,
                         "run_id": run_id, "step": steps})
        elif fate == "abandoned":
            rows.append({**base, "kind": "abandoned", "flow": flow, "state": where, "run_id": run_id,
                         "step": steps})
    for n, flow in enumerate(emergencies):
        rows.append({**base, "kind": "emergency", "flow": flow, "state": "menu", "run_id": "", "step": n})
    if rows:
        db["events"].insert_all(rows)
    db.conn.close()


def _cells(row: FlowStats | None) -> dict[str, int]:
    """Every count of a flow's row, by name (a row or cell left out was published as 0)."""
    if row is None:
        return {}
    cells = {m: row[m] for m in ("started", "completed", "abandoned", "emergency")}  # type: ignore[literal-required]
    cells |= {f"outcome:{k}": v for k, v in row["outcomes"].items()}
    cells |= {f"dropoff:{k}": v for k, v in row["dropoff"].items()}
    return cells


def _reachable(values: list[int]) -> set[int]:
    """Every sum of the values, each added, subtracted or left out."""
    sums = {0}
    for value in values:
        sums = {s + sign * value for s in sums for sign in (-1, 0, 1)}
    return sums


def assert_nothing_small_is_recoverable(exact: dict[str, FlowStats], published: dict[str, FlowStats]) -> None:
    for flow, row in exact.items():
        shown = published.get(flow)
        cells = _cells(shown)
        assert all(value % ROUND_TO == 0 for value in cells.values()), cells
        sums = _reachable(list(cells.values()))
        for name, value in _cells(row).items():
            if 1 <= value <= 4:
                assert value not in sums, f"{flow} {name} = {value} is recoverable from {cells}"
        if shown is not None:
            started, completed = shown["started"], shown["completed"]
            expected = round(min(completed / started, 1.0), 3) if started else None
            assert shown["completion_rate"] == expected, "the rate comes from the rounded counts only"
            if row["completed"] < 5:
                assert shown["median_steps"] is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs=runs, emergencies=emergencies)
def test_no_small_count_can_be_recovered_by_adding_or_subtracting_cells(
        runs: list[Run], emergencies: list[str | None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stats.db"
        _write(path, runs, emergencies)
        exact = {f["flow"]: f for f in build_report(path, suppress=False)["flows"]}
        report = build_report(path)
    published = {f["flow"]: f for f in report["flows"]}
    assert_nothing_small_is_recoverable(exact, published)
    outputs = [render_table(report), render_csv(report), summary_text(report, limit=4096)]
    for flow, row in exact.items():
        for name, value in _cells(row).items():
            if 1 <= value <= 4 and flow in published and name.partition(":")[2]:
                assert all(f"{name.partition(':')[2]} {value}" not in text for text in outputs)


def test_eight_started_seven_completed_reveals_no_single_abandoned_run(
        tmp_path: Path, run_cli: CliRunner) -> None:
    """The issue's case, through ``referral-bot stats --json`` and ``--csv``."""
    db = tmp_path / "stats.db"  # where run_cli points REFERRAL_BOT_DB
    recorder = Recorder(db)
    engine = Engine(load_demo(tmp_path / "flows"), listeners=[recorder])
    for answers in [TO_CALL_NOW] * 4 + [TO_ANONYMOUS] * 3:
        run(engine, answers)
    run(engine, ("no",))  # started, then left without an outcome
    recorder.close()
    exact = build_report(db, suppress=False)["flows"][0]
    assert (exact["started"], exact["completed"], exact["abandoned"]) == (8, 7, 1)

    result = run_cli("stats", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    (row,) = report["flows"]
    assert (row["started"], row["completed"], row["abandoned"]) == (10, 5, 0)
    assert row["completion_rate"] == 0.5
    assert 1 not in _reachable(list(_cells(row).values())), "no sum or difference of cells gives 1"
    assert_nothing_small_is_recoverable({exact["flow"]: exact}, {row["flow"]: row})

    table = run_cli("stats", "--csv")
    values = [r[3] for r in csv.reader(io.StringIO(table.stdout)) if r[1] in ("started", "completed", "abandoned")]
    assert values == ["10", "5", "0"]
    exact_json = json.loads(run_cli("stats", "--json", "--no-suppress").stdout)
    assert exact_json["flows"][0]["abandoned"] == 1, "--no-suppress still gives exact figures"


def test_a_database_row_is_never_touched(tmp_path: Path) -> None:
    """Rounding happens in the report only: the stored events stay exact."""
    path = tmp_path / "stats.db"
    _write(path, [("alpha", "outcome", "call_now", 2)], [])
    build_report(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("select count(*) from events").fetchone()[0] == 4
