"""The channel-neutral session store: what any channel (terminal, web, Telegram) relies on.

Real SQLite files; a channel's own columns live in the same row and do not disturb
another channel's rows; databases written by earlier versions still open.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from bot.channels.telegram.stored import ChatRecord
from bot.engine import Engine, FlowEvent, Session
from bot.engine.store import SessionStore
from bot.engine.stored import Column, Row, StoredSession

NOON = datetime(2026, 11, 29, 12, 34, tzinfo=UTC)


class Counted(StoredSession):
    """A toy channel that keeps one integer beside the session."""

    COLUMNS: ClassVar[tuple[Column, ...]] = (Column("toy_counter", "INTEGER", "0"),)
    __slots__ = ("counter",)

    def __init__(self, session: Session, counter: int = 0) -> None:
        super().__init__(session)
        self.counter = counter

    def extra(self) -> Row:
        return (self.counter,)

    def restore(self, values: Sequence[Any]) -> None:
        self.counter = int(values[0] or 0)


def test_load_save_delete_with_an_opaque_key(tmp_path: Path, engine: Engine) -> None:
    """save() commits at once; load() returns an equal session; delete() forgets it."""
    store = SessionStore(tmp_path / "sessions.db")
    key = store.key("web", "b1f0c2")
    assert len(key) == 32
    assert "b1f0c2" not in key
    assert store.load(key) is None
    session = engine.new_session(channel="web", role="public")
    session.language = "cy"
    engine.start(session, "report_concern")
    assert store.save(key, session)
    assert store.pending == 0
    store.close()
    again = SessionStore(tmp_path / "sessions.db")
    loaded = again.load(key)
    assert loaded == session
    assert loaded is not None
    assert loaded.language == "cy"
    assert again.delete(key)
    assert again.load(key) is None
    again.close()


def test_an_expired_session_loads_as_none_and_the_sweep_abandons_it(tmp_path: Path, engine: Engine) -> None:
    """Past the TTL, load() gives None; sweep() records the run as abandoned and deletes it."""
    events: list[FlowEvent] = []
    engine.subscribe(events.append)
    store = SessionStore(tmp_path / "sessions.db", ttl=timedelta(hours=1))
    session = engine.new_session(channel="web")
    engine.start(session, "report_concern")
    assert store.save("k", session, now=NOON - timedelta(hours=3))
    assert store.load("k", now=NOON) is None
    assert store.load("k", now=NOON - timedelta(hours=3)) == session
    events.clear()
    assert store.sweep(engine, now=NOON) == 1
    assert [e.kind for e in events] == ["abandoned"]
    assert len(store) == 0
    store.close()


def test_channels_share_one_table_without_touching_each_others_columns(tmp_path: Path, engine: Engine) -> None:
    """A channel's columns are added on first use; a neutral save leaves them alone; a row
    of one channel read as another channel's record gets that channel's defaults."""
    path = tmp_path / "sessions.db"
    store = SessionStore(path, records=(ChatRecord,))
    toy = Counted(engine.new_session(channel="toy"), counter=7)
    assert store.save_record("toy", toy)
    assert store.save("web", engine.new_session(channel="web"))
    chat = ChatRecord(engine.new_session(channel="telegram"), messages=[3], active_message=3)
    assert store.save_record("tg", chat)
    session = engine.new_session(channel="toy", role="officer")
    assert store.save("toy", session)  # neutral: the counter stays
    store.close()
    again = SessionStore(path)
    loaded = again.load_record("toy", Counted)
    assert loaded is not None
    assert loaded.counter == 7
    assert loaded.session == session
    web = again.load_record("web", ChatRecord)
    assert web is not None
    assert (web.messages, web.active_message, web.recent_updates) == ([], None, [])
    assert again.load_record("tg", ChatRecord).messages == [3]  # type: ignore[union-attr]
    again.close()


def test_a_database_from_an_earlier_version_opens_and_takes_other_channels(tmp_path: Path) -> None:
    """The old schema (channel columns NOT NULL, made by the first migration) is relaxed once,
    so rows of a channel without those columns can be added; old rows keep everything."""
    path = tmp_path / "sessions.db"
    conn = sqlite3.connect(path)
    conn.executescript("""
        create table sessions (key text primary key, session text not null, version text not null,
            last_active text not null, messages text not null, active_message integer,
            recent_updates text not null);
        create index idx_sessions_last_active on sessions (last_active);
        create table _sqlite_migrations (id integer primary key, migration_set text, name text,
            applied_at text);
        insert into _sqlite_migrations (migration_set, name, applied_at)
            values ('referral_bot_sessions', 'm001_sessions', '2026-11-01');
    """)
    old = Session(channel="telegram", role="public")
    conn.execute("insert into sessions values (?, ?, ?, ?, ?, ?, ?)",
                 ["old", json.dumps(old.to_dict()), "", "2026-11-29T12:00", "[1,2]", 2, "[9]"])
    conn.commit()
    conn.close()
    store = SessionStore(path)
    assert store.save("web", Session(channel="web"))
    loaded = store.load_record("old", ChatRecord)
    assert loaded is not None
    assert loaded.session == old
    assert (loaded.messages, loaded.active_message, loaded.recent_updates) == ([1, 2], 2, [9])
    indexes = {i.name for i in store.db.table("sessions").indexes}
    assert "idx_sessions_last_active" in indexes
    store.close()


def test_old_rows_without_a_language_load_in_english() -> None:
    """Rows written before sessions had a language read as English; unknown keys are ignored."""
    data = Session(channel="web").to_dict()
    del data["language"]
    data["from_the_future"] = True
    assert Session.from_dict(data).language == "en"
