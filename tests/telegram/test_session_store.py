"""The SQLite session store on real files: keys, expiry, redelivery, and a disk that fails."""

from __future__ import annotations

import json
import sqlite3
import stat
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.channels.telegram.stored import MAX_MESSAGES, MAX_RECENT_UPDATES
from bot.channels.telegram.stored import ChatRecord as StoredSession
from bot.engine import Engine, FlowEvent, Session
from bot.engine.store import MAX_STAGED, SessionStore, StoreError, hour_bucket, ttl_from_env
from bot.flows import FlowSet

NOON = datetime(2026, 11, 29, 12, 34, 56, tzinfo=UTC)


def test_round_trip_keeps_everything(tmp_path: Path, engine: Engine) -> None:
    """A saved session comes back equal, stamped with the hour only."""
    store = SessionStore(tmp_path / "sessions.db")
    session = engine.new_session(channel="telegram", role="officer")
    flow_id = sorted(engine.flowset.flows)[0]
    engine.start(session, flow_id)
    stored = StoredSession(session, messages=[5, 6], active_message=6, recent_updates=[41, 42])
    key = store.key("telegram", 123456789)
    assert store.save_record(key, stored, now=NOON)
    store.close()

    again = SessionStore(tmp_path / "sessions.db").load_record(key, StoredSession)
    assert again is not None
    assert again.session == session
    assert (again.messages, again.active_message, again.recent_updates) == ([5, 6], 6, [41, 42])
    assert again.last_active == datetime(2026, 11, 29, 12, tzinfo=UTC)


def test_files_are_private_and_hold_no_chat_id(tmp_path: Path, engine: Engine) -> None:
    """Mode 0600 for the database, its WAL files and the key; the chat id is not stored."""
    store = SessionStore(tmp_path / "sessions.db")
    chat_id = 987654321
    key = store.key("telegram", chat_id)
    assert str(chat_id) not in key
    assert key == store.key("telegram", chat_id) != store.key("telegram", chat_id + 1)
    assert key != store.key("terminal", chat_id)
    store.save_record(key, StoredSession(engine.new_session(channel="telegram")))
    for path in tmp_path.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    conn = sqlite3.connect(tmp_path / "sessions.db")
    dump = "\n".join(conn.iterdump())
    conn.close()
    assert str(chat_id) not in dump
    other = SessionStore(tmp_path / "elsewhere.db")
    assert other.key("telegram", chat_id) != key, "each installation has its own secret"


def test_redelivered_updates_are_recognised() -> None:
    """The last few update ids are remembered, and only those."""
    stored = StoredSession(Session())
    for update_id in range(100, 100 + MAX_RECENT_UPDATES + 5):
        stored.note_update(update_id)
    assert stored.seen(100 + MAX_RECENT_UPDATES + 4)
    assert not stored.seen(100)
    assert len(stored.recent_updates) == MAX_RECENT_UPDATES


def test_expiry_abandons_then_deletes(tmp_path: Path, flowset: FlowSet) -> None:
    """Sessions idle for longer than the TTL are recorded as abandoned, then deleted."""
    events: list[FlowEvent] = []
    engine = Engine(flowset, listeners=[events.append])
    store = SessionStore(tmp_path / "sessions.db", ttl=timedelta(hours=24))
    flow_id = sorted(flowset.flows)[0]
    old, fresh = engine.new_session(channel="telegram"), engine.new_session(channel="telegram")
    engine.start(old, flow_id)
    engine.start(fresh, flow_id)
    store.save_record("old", StoredSession(old), now=NOON - timedelta(hours=26))
    store.save_record("fresh", StoredSession(fresh), now=NOON - timedelta(hours=2))
    old_row = store.load_record("old", StoredSession)
    assert old_row is not None
    assert store.is_expired(old_row, NOON)
    events.clear()
    assert store.sweep(engine, now=NOON) == 1
    assert [(e.kind, e.run_id) for e in events] == [("abandoned", old.run_id)]
    assert store.load_record("old", StoredSession) is None
    assert store.load_record("fresh", StoredSession) is not None
    assert len(store) == 1


def test_a_failing_disk_keeps_sessions_in_memory_until_it_recovers(
        tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    """While another process holds the write lock, saves stay in memory; then they land."""
    path = tmp_path / "sessions.db"
    store = SessionStore(path, busy_timeout=0.05)
    session = engine.new_session(channel="telegram", role="public")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        assert not store.save_record("k", StoredSession(session))
        session.role = "trainer"
        assert not store.save_record("k", StoredSession(session))
        assert store.pending == 1
        loaded = store.load_record("k", StoredSession)
        assert loaded is not None
        assert loaded.session.role == "trainer", "the newest place is served from memory"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    warnings = [r for r in caplog.records if "keeping 1 session(s) in memory" in r.getMessage()]
    assert len(warnings) == 1, "the failure is logged once, not per write"
    assert store.flush()
    assert store.pending == 0
    reread = SessionStore(path).load_record("k", StoredSession)
    assert reread is not None
    assert reread.session.role == "trainer"


def test_an_unopenable_database_is_a_clear_error(tmp_path: Path) -> None:
    """A folder where the file should be: StoreError naming the path and the fix."""
    (tmp_path / "sessions.db").mkdir()
    with pytest.raises(StoreError, match="REFERRAL_BOT_SESSIONS_DB"):
        SessionStore(tmp_path / "sessions.db")


def test_a_corrupt_row_is_discarded(tmp_path: Path, engine: Engine) -> None:
    """Unreadable JSON is treated as no session, not a crash."""
    store = SessionStore(tmp_path / "sessions.db")
    store.save_record("k", StoredSession(engine.new_session()))
    store.db.execute("update sessions set session = 'not json' where key = 'k'")
    assert store.load_record("k", StoredSession) is None


@pytest.mark.parametrize(("raw", "hours"), [("", 24.0), ("48", 48.0), (" 0.5 ", 0.5)])
def test_ttl_from_env(raw: str, hours: float) -> None:
    """REFERRAL_BOT_SESSION_TTL_HOURS: hours as a number; empty means the default."""
    assert ttl_from_env({"REFERRAL_BOT_SESSION_TTL_HOURS": raw}) == timedelta(hours=hours)


@pytest.mark.parametrize("raw", ["0", "-1", "soon", "nan", "inf", "100000"])
def test_bad_ttl_is_explained(raw: str) -> None:
    """A bad TTL names the variable and gives an example."""
    with pytest.raises(ValueError, match=r"REFERRAL_BOT_SESSION_TTL_HOURS must be .* such as 24"):
        ttl_from_env({"REFERRAL_BOT_SESSION_TTL_HOURS": raw})


def test_hour_bucket_drops_minutes_and_seconds() -> None:
    """Only the hour is kept, in UTC."""
    assert hour_bucket(NOON) == datetime(2026, 11, 29, 12, tzinfo=UTC)


def _row(path: Path, key: str) -> tuple[str, str, int | None, str] | None:
    """(session, messages, active_message, last_active) as another process reads them."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = conn.execute("select session, messages, active_message, last_active from sessions where key = ?",
                           [key]).fetchone()
    finally:
        conn.close()
    return None if row is None else (str(row[0]), str(row[1]), row[2], str(row[3]))


def test_bookkeeping_is_staged_and_goes_with_the_next_commit(tmp_path: Path, engine: Engine) -> None:
    """stage() writes nothing; the chat's next save() (or flush) writes everything at once."""
    path = tmp_path / "sessions.db"
    store = SessionStore(path)
    session = engine.new_session(channel="telegram", role="public")
    engine.start(session, "report_concern")
    stored = StoredSession(session, messages=[10], active_message=10)
    assert store.save_record("k", stored)
    stored.active_message = 11
    stored.note_message(11)
    store.stage("k", stored)
    on_disk = _row(path, "k")
    assert on_disk is not None
    assert (on_disk[1], on_disk[2]) == ("[10]", 10), "staging wrote nothing"
    assert store.pending == 1
    loaded = store.load_record("k", StoredSession)
    assert loaded is stored, "the newest row is served from memory"
    engine.choose(session, engine.current(session).options[0].id)
    assert stored.place_changed()
    assert store.save_record("k", stored)
    on_disk = _row(path, "k")
    assert on_disk is not None
    assert (json.loads(on_disk[0])["state"], on_disk[1], on_disk[2]) == (session.state, "[10,11]", 11)
    assert store.pending == 0
    assert not stored.place_changed()
    other = StoredSession(engine.new_session(channel="telegram"))
    store.stage("other", other)
    assert _row(path, "other") is None
    assert store.flush()
    assert _row(path, "other") is not None
    store.close()


def test_too_many_staged_rows_are_written_together(tmp_path: Path, engine: Engine) -> None:
    """Memory stays bounded: past MAX_STAGED rows, everything staged is written at once."""
    path = tmp_path / "sessions.db"
    store = SessionStore(path)
    for n in range(MAX_STAGED):
        store.stage(f"k{n}", StoredSession(engine.new_session(channel="telegram")))
    assert store.pending == MAX_STAGED
    assert _row(path, "k0") is None
    store.stage("one-more", StoredSession(engine.new_session(channel="telegram")))
    assert store.pending == 0
    assert _row(path, "k0") is not None
    assert len(store) == MAX_STAGED + 1
    store.close()


def test_message_ids_keep_the_newest_in_order_without_repeats(tmp_path: Path) -> None:
    """Ids stay sorted and unique, at most MAX_MESSAGES (the newest), through the database."""
    stored = StoredSession(Session())
    for message_id in range(1000, 1000 + MAX_MESSAGES + 10):
        stored.note_message(message_id)
    assert stored.messages == list(range(1010, 1000 + MAX_MESSAGES + 10))
    stored.note_message(1200)  # a repeat
    stored.note_message(1005)  # older than all: it would be the oldest, so it is dropped at once
    stored.note_message(1250 + MAX_MESSAGES)  # newer
    assert stored.messages == [*range(1011, 1000 + MAX_MESSAGES + 10), 1250 + MAX_MESSAGES]
    store = SessionStore(tmp_path / "sessions.db")
    store.save_record("k", stored)
    store.close()
    again = SessionStore(tmp_path / "sessions.db").load_record("k", StoredSession)
    assert again is not None
    assert again.messages == stored.messages
    again.note_message(1)
    again.note_message(2_000_000)
    assert again.messages == [*stored.messages[1:], 2_000_000]


def test_rows_written_before_are_read_and_extended(tmp_path: Path, engine: Engine) -> None:
    """A row as earlier versions wrote it (spaced JSON, ids in arrival order) still works."""
    path = tmp_path / "sessions.db"
    store = SessionStore(path, records=(StoredSession,))
    session = engine.new_session(channel="telegram", role="officer")
    store.db.execute(
        "insert into sessions (key, session, version, last_active, messages, active_message, recent_updates)"
        " values (?, ?, ?, ?, ?, ?, ?)",
        ["old", json.dumps(session.to_dict()), "", "2026-11-29T12:00", "[7, 9, 8]", 9, "[1, 2]"])
    loaded = store.load_record("old", StoredSession)
    assert loaded is not None
    assert loaded.session == session
    assert (loaded.messages, loaded.active_message, loaded.recent_updates) == ([7, 8, 9], 9, [1, 2])
    assert not loaded.place_changed(), "an unchanged place needs no commit"
    loaded.note_message(10)
    assert store.save_record("old", loaded, now=NOON)
    assert SessionStore(path).load_record("old", StoredSession).messages == [7, 8, 9, 10]  # type: ignore[union-attr]
    store.close()


def test_the_hour_is_written_when_it_changes(tmp_path: Path, engine: Engine) -> None:
    """Saves within the hour keep the stored hour; a new hour, or a row deleted meanwhile,
    gets the new one (expiry depends on it)."""
    path = tmp_path / "sessions.db"
    store = SessionStore(path)
    stored = StoredSession(engine.new_session(channel="telegram"))
    store.save_record("k", stored, now=NOON)
    store.save_record("k", stored, now=NOON + timedelta(minutes=20))
    assert _row(path, "k")[3] == "2026-11-29T12:00"  # type: ignore[index]
    store.save_record("k", stored, now=NOON + timedelta(hours=2))
    assert _row(path, "k")[3] == "2026-11-29T14:00"  # type: ignore[index]
    assert store.delete("k")
    store.save_record("k", stored, now=NOON + timedelta(hours=2, minutes=5))
    assert _row(path, "k")[3] == "2026-11-29T14:00"  # type: ignore[index]
    conn = sqlite3.connect(path)
    indexed = conn.execute("select count(*) from sessions indexed by idx_sessions_last_active "
                           "where last_active = '2026-11-29T14:00'").fetchone()[0]
    conn.close()
    assert indexed == 1, "the last_active index agrees with the table"


def test_checkpoints_run_in_the_background_and_stop_on_close(tmp_path: Path, engine: Engine) -> None:
    """The write-ahead log is copied into the database by the store's own thread (no commit
    waits for it), and close() stops that thread."""
    path = tmp_path / "sessions.db"
    before = set(threading.enumerate())
    store = SessionStore(path, checkpoint_every=0.05)
    (thread,) = [t for t in set(threading.enumerate()) - before if t.name == "sessions-checkpoint"]
    for n in range(200):
        store.save_record(f"k{n}", StoredSession(engine.new_session(channel="telegram"), messages=range(n, n + 300)))
    deadline = time.monotonic() + 10
    while path.stat().st_size < 200 * 1024 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert path.stat().st_size >= 200 * 1024, "the rows reached the database file"
    store.close()
    assert not thread.is_alive()
    assert len(SessionStore(path).load_record("k7", StoredSession).messages) == 300  # type: ignore[union-attr]
