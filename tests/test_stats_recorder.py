"""The recorder: real engine, real Recorder, real SQLite files in a temporary folder."""

from __future__ import annotations

import logging
import sqlite3
import stat
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_stats_fixtures import TO_ADVICE, TO_CALL_NOW, TO_CHILD, load_demo, run

from bot.engine import Engine, FlowEvent
from bot.flows import FlowSet
from bot.stats import Recorder, build_report, default_db_path, hour_bucket

WARNING_PREFIX = "statistics:"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> FlowSet:
    return load_demo(tmp_path_factory.mktemp("flows"))


def stats_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.WARNING and r.getMessage().startswith(WARNING_PREFIX)]


def rows(path: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM events ORDER BY id").fetchall()
    finally:
        conn.close()


def test_events_are_stored_with_an_hour_bucket_and_no_exact_time(demo: FlowSet, tmp_path: Path) -> None:
    moment = datetime(2026, 11, 29, 15, 42, 17, tzinfo=UTC).timestamp()
    recorder = Recorder(tmp_path / "s.db", clock=lambda: moment)
    engine = Engine(demo, listeners=[recorder])
    session = run(engine, TO_CHILD, channel="telegram", role="partner", training=True)
    assert recorder.flush()
    recorder.close()

    stored = [dict(r) for r in rows(tmp_path / "s.db")]
    run_id = session.run_id
    base: dict[str, object] = {"flow": "stats_demo", "version": "1.0.0", "channel": "telegram", "role": "partner",
            "training": 1, "hour": "2026-11-29T15:00Z", "run_id": run_id, "language": "en"}
    expected: list[dict[str, object]] = [
        {"kind": "started", "state": "danger", "outcome": None, "step": 1},
        {"kind": "step", "state": "danger", "outcome": None, "step": 1},
        {"kind": "step", "state": "child", "outcome": None, "step": 2},
        {"kind": "step", "state": "child_outcome", "outcome": None, "step": 3},
        {"kind": "outcome", "state": "child_outcome", "outcome": "child_outcome", "step": 3},
    ]
    assert [{k: v for k, v in r.items() if k != "id"} for r in stored] == [
        {**base, **e} for e in expected]
    # abandon() after an outcome records nothing: the run is finished.


def test_hour_bucket_truncates_to_the_utc_hour() -> None:
    assert hour_bucket(datetime(2026, 1, 2, 3, 59, 59, tzinfo=UTC).timestamp()) == "2026-01-02T03:00Z"
    assert hour_bucket(datetime(2026, 1, 2, 4, 0, 0, tzinfo=UTC).timestamp()) == "2026-01-02T04:00Z"


def test_exact_counts_after_scripted_conversations(demo: FlowSet, tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "s.db")
    engine = Engine(demo, listeners=[recorder])
    for _ in range(6):
        run(engine, TO_CALL_NOW)
    for _ in range(5):
        run(engine, TO_ADVICE)
    for _ in range(2):
        run(engine, ("no",))  # left at 'child'
    for _ in range(3):
        run(engine, ())  # left at 'danger'
    session = run(engine, ("no",), finish=False)
    engine.emergency(session)
    engine.back(session)
    engine.back(session)  # back to 'danger'
    engine.choose(session, "yes")  # reaches call_now after going back
    recorder.close()

    report = build_report(tmp_path / "s.db", suppress=False)
    assert report == {
        "flows": [{
            "flow": "stats_demo", "started": 17, "completed": 12, "abandoned": 5,
            # step events per completed run: 2 (x6), 4 (x5) and 3 (the one that went back)
            "completion_rate": round(12 / 17, 3), "median_steps": 2.5,
            "outcomes": {"advice_outcome": 5, "call_now": 7}, "dropoff": {"child": 2, "danger": 3},
            "emergency": 1,
        }],
        "suppressed_below": None,
        "rounded_to": None,
    }


def test_database_file_is_private_wal_and_migrated(demo: FlowSet, tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "stats.db"
    recorder = Recorder(path)
    run(Engine(demo, listeners=[recorder]), TO_CALL_NOW)
    assert recorder.flush()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        migrations = conn.execute("SELECT migration_set, name, applied_at FROM _sqlite_migrations").fetchall()
    finally:
        conn.close()
    recorder.close()
    assert [(s, n) for s, n, _ in migrations] == [("referral_bot_stats", "m001_events"),
                                                   ("referral_bot_stats", "m002_language")]
    # The migration log keeps the day only: an exact time would date the first conversation.
    assert [len(applied) for _, _, applied in migrations] == [len("2026-11-29")] * 2
    # Opening again applies nothing twice.
    again = Recorder(path)
    assert again.flush()
    again.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == 2
    conn.close()


def test_close_is_idempotent_and_later_events_are_ignored(demo: FlowSet, tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "s.db")
    engine = Engine(demo, listeners=[recorder])
    run(engine, TO_CALL_NOW)
    recorder.close()
    recorder.close()
    run(engine, TO_CALL_NOW)  # after close: dropped quietly, guidance unaffected
    assert recorder.flush()
    assert len(rows(tmp_path / "s.db")) == 4


def test_default_db_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REFERRAL_BOT_DB", str(tmp_path / "x.db"))
    assert default_db_path() == tmp_path / "x.db"
    monkeypatch.delenv("REFERRAL_BOT_DB")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "referral-guide" / "referral-bot.db"


def test_locked_database_does_not_stop_a_conversation(
        demo: FlowSet, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "s.db"
    recorder = Recorder(path, busy_timeout=0.1, retry_delay=0.05)
    engine = Engine(demo, listeners=[recorder])
    assert recorder.flush()  # the writer has created the database
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        sessions = [run(engine, TO_ADVICE) for _ in range(3)]
        assert time.monotonic() - started < 0.5
        assert all(s.finished and s.state == "advice_outcome" for s in sessions)
        assert not recorder.flush(timeout=0.5)
        assert not recorder.flush(timeout=0.3)
        assert len(stats_warnings(caplog)) == 1
        assert "database is locked" in stats_warnings(caplog)[0]
    finally:
        other.execute("ROLLBACK")
        other.close()
    # Once the lock is gone the kept events are written: nothing was lost.
    assert recorder.flush(timeout=5)
    recorder.close()
    assert len(rows(path)) == 3 * 6
    assert len(stats_warnings(caplog)) == 1


def test_full_queue_drops_events_and_warns_once(
        demo: FlowSet, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "s.db"
    recorder = Recorder(path, max_queue=5, batch_size=1, busy_timeout=0.5, retry_delay=0.05)
    engine = Engine(demo, listeners=[recorder])
    assert recorder.flush()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        sessions = [run(engine, TO_ADVICE) for _ in range(20)]  # 120 events
        assert all(s.state == "advice_outcome" for s in sessions)
    finally:
        other.execute("ROLLBACK")
        other.close()
    recorder.close()
    full = [m for m in stats_warnings(caplog) if "queue is full" in m]
    assert len(full) == 1
    assert recorder.dropped > 0
    assert len(rows(path)) == 120 - recorder.dropped


def test_a_listener_never_raises_even_with_odd_events(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "s.db")
    odd = FlowEvent(kind="emergency", flow=None, version="", state="menu", run_id="",
                    channel="terminal", role=None, training=False, step=0)
    recorder(odd)
    assert recorder.flush()
    recorder.close()
    assert [(r["kind"], r["flow"], r["run_id"]) for r in rows(tmp_path / "s.db")] == [("emergency", None, "")]
