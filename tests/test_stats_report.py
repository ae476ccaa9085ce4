"""Reports, filters, rounding, renderers and purge, on real databases filled by the engine."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from test_stats_fixtures import TO_ADVICE, TO_ANONYMOUS, TO_CALL_NOW, TO_CHILD, load_demo, run

from bot.engine import Engine
from bot.flows import FlowSet
from bot.stats import (
    CSV_HEADER,
    MENU_FLOW,
    Recorder,
    StatsError,
    build_report,
    purge,
    render_chart,
    render_csv,
    render_table,
    summary_text,
)


def at(day: int, hour: int = 12, minute: int = 0) -> float:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC).timestamp()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> FlowSet:
    return load_demo(tmp_path_factory.mktemp("flows"))


@pytest.fixture(scope="module")
def filled(demo: FlowSet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with runs on three days, two channels, four roles and training runs."""
    path = tmp_path_factory.mktemp("db") / "stats.db"
    now = [at(1)]
    recorder = Recorder(path, clock=lambda: now[0])
    engine = Engine(demo, listeners=[recorder])
    # 1 November: 6 public terminal runs to call_now, 2 left at 'child'.
    for _ in range(6):
        run(engine, TO_CALL_NOW)
    for _ in range(2):
        run(engine, ("no",))
    # 2 November: 5 officer telegram runs to advice, 1 partner to child_outcome, 3 emergencies.
    now[0] = at(2)
    for _ in range(5):
        run(engine, TO_ADVICE, channel="telegram", role="officer")
    session = run(engine, TO_CHILD, channel="telegram", role="partner")
    for _ in range(3):
        engine.emergency(session)
    # A run that starts at 23:30 on 2 November and is left after midnight counts on the 2nd.
    now[0] = at(2, 23, 30)
    late = run(engine, ("no",), channel="telegram", role="officer", finish=False)
    now[0] = at(3, 0, 30)
    engine.choose(late, "no")
    engine.abandon(late)
    # 3 November: 4 training runs by a trainer, and Emergency from the menu.
    for _ in range(4):
        run(engine, TO_ANONYMOUS, role="trainer", training=True)
    engine.emergency(engine.new_session(channel="telegram"))
    recorder.close()
    return path


def flow_row(path: Path, **filters: object) -> dict[str, Any]:
    report = build_report(path, suppress=False, **filters)  # type: ignore[arg-type]
    found = [f for f in report["flows"] if f["flow"] == "stats_demo"]
    return dict(found[0]) if found else {}


def test_whole_report_unsuppressed(filled: Path) -> None:
    assert build_report(filled, suppress=False) == {
        "flows": [
            {"flow": MENU_FLOW, "started": 0, "completed": 0, "abandoned": 0,
             "completion_rate": None, "median_steps": None, "outcomes": {}, "dropoff": {},
             "emergency": 1},
            {"flow": "stats_demo", "started": 15, "completed": 12, "abandoned": 3,
             # steps per completed run: 2 (x6), 3 (x1), 4 (x5)
             "completion_rate": 0.8, "median_steps": 2.5,
             "outcomes": {"advice_outcome": 5, "call_now": 6, "child_outcome": 1},
             "dropoff": {"anonymous": 1, "child": 2}, "emergency": 3},
        ],
        "suppressed_below": None,
        "rounded_to": None,
    }


def test_every_count_is_rounded_to_the_nearest_five(filled: Path) -> None:
    """15, 12, 3 and 6 become 15, 10, 5 and 5; 1 and 2 become 0, and a cell or row that
    would show only zeros is left out (the menu's single emergency); the rate is 10/15."""
    report = build_report(filled)
    assert report["flows"] == [{
        "flow": "stats_demo", "started": 15, "completed": 10, "abandoned": 5,
        "completion_rate": 0.667, "median_steps": 2.5,
        "outcomes": {"advice_outcome": 5, "call_now": 5},
        "dropoff": {}, "emergency": 5,
    }]
    assert (report["suppressed_below"], report["rounded_to"]) == (5, 5)


def test_suppression_hides_rates_built_on_small_counts(filled: Path) -> None:
    report = build_report(filled, since=date(2026, 11, 1), until=date(2026, 11, 1))
    assert report["flows"] == [{
        "flow": "stats_demo", "started": 10, "completed": 5, "abandoned": 0,
        "completion_rate": 0.5, "median_steps": 2.0, "outcomes": {"call_now": 5},
        "dropoff": {}, "emergency": 0,
    }]
    training = build_report(filled, role="trainer", include_training=True)["flows"][0]
    assert training["started"] == training["completed"] == 5
    assert training["completion_rate"] == 1.0, "from the rounded counts"
    assert training["median_steps"] is None, "fewer than 5 completed runs: no median"
    assert flow_row(filled, role="trainer", include_training=True)["median_steps"] == 4.0


def test_date_filters_are_inclusive_and_count_runs_on_the_day_they_started(filled: Path) -> None:
    second = flow_row(filled, since=date(2026, 11, 2), until=date(2026, 11, 2))
    assert (second["started"], second["completed"], second["abandoned"]) == (7, 6, 1)
    assert second["dropoff"] == {"anonymous": 1}  # the run left just after midnight
    assert second["emergency"] == 3
    assert flow_row(filled, since=date(2026, 11, 3)) == {}  # training runs only
    assert flow_row(filled, since=date(2026, 11, 3), include_training=True)["started"] == 4
    assert flow_row(filled, until=date(2026, 11, 1))["started"] == 8
    assert flow_row(filled, since=date(2026, 11, 4)) == {}


def test_flow_role_channel_and_training_filters(filled: Path) -> None:
    assert flow_row(filled, role="officer")["started"] == 6
    assert flow_row(filled, role="partner")["outcomes"] == {"child_outcome": 1}
    assert flow_row(filled, channel="terminal")["started"] == 8
    assert flow_row(filled, channel="telegram")["started"] == 7
    assert flow_row(filled, include_training=True)["started"] == 19
    assert flow_row(filled, include_training=True)["outcomes"]["anonymous_outcome"] == 4
    assert flow_row(filled, role="nobody") == {}
    only = build_report(filled, flow="stats_demo", suppress=False)["flows"]
    assert [f["flow"] for f in only] == ["stats_demo"]
    menu = build_report(filled, flow=MENU_FLOW, suppress=False)["flows"]
    assert [(f["flow"], f["emergency"]) for f in menu] == [(MENU_FLOW, 1)]
    assert build_report(filled, flow="unknown")["flows"] == []


def test_bad_inputs_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(StatsError, match=r"no statistics database at .*missing\.db; it is created"):
        build_report(tmp_path / "missing.db")
    (tmp_path / "other.db").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StatsError, match="cannot read the statistics database"):
        build_report(tmp_path / "other.db")
    conn = sqlite3.connect(tmp_path / "empty.db")
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(StatsError, match="is not a statistics database"):
        build_report(tmp_path / "empty.db")
    with pytest.raises(StatsError, match="is after --until"):
        build_report(tmp_path / "empty.db", since=date(2026, 2, 1), until=date(2026, 1, 1))


def test_render_table(filled: Path) -> None:
    text = render_table(build_report(filled))
    lines = text.splitlines()
    assert lines[0].split() == ["flow", "started", "completed", "abandoned", "completion",
                                "median", "steps", "emergency"]
    assert lines[1].split() == ["stats_demo", "15", "10", "5", "67%", "2.5", "5"]
    assert "call_now           5" in text
    assert "child_outcome" not in text
    assert lines[-1] == ("Counts are rounded to the nearest 5 and rates come from the rounded counts; "
                         "a median needs 5 completed runs.")
    assert render_table({"flows": [], "suppressed_below": 5, "rounded_to": 5}) == "No runs match these filters.\n"


def test_render_csv(filled: Path) -> None:
    parsed = list(csv.reader(io.StringIO(render_csv(build_report(filled)))))
    assert tuple(parsed[0]) == CSV_HEADER
    demo_rows = [r for r in parsed[1:] if r[0] == "stats_demo"]
    assert demo_rows == [
        ["stats_demo", "started", "", "15"], ["stats_demo", "completed", "", "10"],
        ["stats_demo", "abandoned", "", "5"], ["stats_demo", "completion_rate", "", "0.667"],
        ["stats_demo", "median_steps", "", "2.5"], ["stats_demo", "emergency", "", "5"],
        ["stats_demo", "outcome", "advice_outcome", "5"], ["stats_demo", "outcome", "call_now", "5"],
    ]


def test_summary_text_fits_a_telegram_message(filled: Path) -> None:
    report = build_report(filled)
    text = summary_text(report, limit=4096)
    assert "stats_demo: 15 started, 10 completed (67%), 5 abandoned, median 2.5 steps, 5 emergency" in text
    assert "outcomes: advice_outcome 5, call_now 5" in text
    many = {"flows": report["flows"] * 200, "suppressed_below": 5, "rounded_to": 5}
    long_text = summary_text(many, limit=4096)  # type: ignore[arg-type]
    assert len(long_text) <= 4096
    assert "more flows: run referral-bot stats for them." in long_text
    assert summary_text({"flows": [], "suppressed_below": 5, "rounded_to": 5},
                        limit=4096) == "Flow statistics: no runs recorded yet."


def test_render_chart_writes_a_png(filled: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "chart.png"
    render_chart(build_report(filled), out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 5_000


def test_purge_deletes_whole_old_runs(demo: FlowSet, tmp_path: Path) -> None:
    path = tmp_path / "stats.db"
    now = [at(1, 23, 10)]
    recorder = Recorder(path, clock=lambda: now[0])
    engine = Engine(demo, listeners=[recorder])
    old = run(engine, ("no",), finish=False)  # 3 events on the 1st ...
    now[0] = at(2, 0, 20)
    engine.choose(old, "yes")  # ... and 2 on the 2nd: the run started on the 1st
    run(engine, TO_CALL_NOW)  # 4 events, started on the 2nd
    now[0] = at(5)
    run(engine, TO_CALL_NOW)  # 4 events, started on the 5th
    recorder.close()

    assert purge(path, 10, now=at(5)) == 0
    assert purge(path, 3, now=at(5, 0, 30)) == 5  # before 2 Nov 00:00: the whole first run
    assert flow_row(path)["started"] == 2
    assert purge(path, 0, now=at(5, 13)) == 8
    assert build_report(path)["flows"] == []
    with pytest.raises(StatsError, match="no statistics database"):
        purge(tmp_path / "missing.db", 1)
    with pytest.raises(StatsError, match="0 or more days"):
        purge(path, -1)
