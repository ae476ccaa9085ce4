"""The recorder: an engine listener that writes anonymised events off the conversation's path.

``Recorder.__call__`` only appends the event to a deque; one background thread writes what
waits in batches, one transaction per batch. When the disk fails, events wait in memory
(the oldest dropped past ``max_queue``); the conversation is never slowed down or stopped.
The failure policy in full: docs/statistics.md.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.engine.events import FlowEvent
from bot.stats.schema import EVENTS_TABLE, hour_bucket, open_database

__all__ = ["Recorder", "event_row"]

log = logging.getLogger(__name__)

_STOP = object()
Row = dict[str, Any]


def event_row(event: FlowEvent, timestamp: float) -> Row:
    """The stored row for one event: no ids of people, no text, no exact time."""
    return {
        "kind": event.kind,
        "flow": event.flow,
        "version": event.version,
        "state": event.state,
        "outcome": event.outcome,
        "channel": event.channel,
        "role": event.role,
        "training": 1 if event.training else 0,
        "hour": hour_bucket(timestamp),
        "run_id": event.run_id,
        "step": event.step,
        "language": event.language,
    }


_COLUMNS = ("kind", "flow", "version", "state", "outcome", "channel", "role", "training", "hour", "run_id", "step",
            "language")
# A whole batch goes in as one JSON array through one statement: executemany would release
# and retake the GIL for every row, and each time the conversation's thread waits for it.
_VALUES = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(_COLUMNS)))
_INSERT = f"INSERT INTO {EVENTS_TABLE} ({', '.join(_COLUMNS)}) SELECT {_VALUES} FROM json_each(?)"  # noqa: S608 - constants


class _Hours:
    """``hour_bucket`` with the current hour remembered: formatting a date costs microseconds."""

    def __init__(self) -> None:
        self._hour = -1
        self._text = ""

    def __call__(self, timestamp: float) -> str:
        hour = int(timestamp) // 3600
        if hour != self._hour:
            self._hour, self._text = hour, hour_bucket(timestamp)
        return self._text


class Recorder:
    """Record :class:`~bot.engine.FlowEvent` objects into the statistics database.

    Args:
        path: the SQLite file; created with mode 0600 (folders 0700) when missing.
        batch_size: write as soon as this many events are waiting.
        interval: otherwise write this many seconds after the first waiting event.
        max_queue: the most events held in memory (queued or waiting for a retry).
        busy_timeout: seconds to wait for a lock held by another connection.
        retry_delay: seconds between attempts after a failed write.
        clock: returns the current POSIX time; only its hour is stored.
    """

    def __init__(self, path: Path | str, *, batch_size: int = 200, interval: float = 0.2,
                 max_queue: int = 10_000, busy_timeout: float = 2.0, retry_delay: float = 1.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._batch_size = max(1, batch_size)
        self._interval = interval
        self._max_queue = max(1, max_queue)
        self._busy_timeout = busy_timeout
        self._retry_delay = retry_delay
        self._clock = clock
        self._items: deque[object] = deque()
        self._wake = threading.Event()
        self._closed = False
        self._close_lock = threading.Lock()
        self._warned_full = False
        self._warned_write = False
        self._failing = False
        self._clean = True
        self.dropped = 0
        """How many events were dropped (queue full, or unwritable at close)."""
        self._thread = threading.Thread(target=self._run, name="stats-writer", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    # -- the listener (conversation thread) ------------------------------------------------

    def __call__(self, event: FlowEvent) -> None:
        """Queue ``event``. Never blocks and never raises.

        This runs on every turn, so it does as little as possible: one ``deque.append``
        (atomic in CPython). The writer wakes by itself every ``interval`` seconds, and is
        woken early only when a full batch is waiting.
        """
        try:
            items = self._items
            if self._closed:
                return
            if len(items) >= self._max_queue:
                self._drop_full()
                return
            items.append((event, self._clock()))
            if len(items) >= self._batch_size:
                self._wake.set()
        except Exception:  # a listener must never break guidance
            if not self._warned_full:
                self._warned_full = True
                log.warning("statistics: an event could not be queued; the conversation goes on")

    def _drop_full(self) -> None:
        self.dropped += 1
        if not self._warned_full:
            self._warned_full = True
            log.warning("statistics: the event queue is full (%d events), so events are "
                        "being dropped; the conversation goes on", self._max_queue)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is written; False if that took too long."""
        if self._closed or not self._thread.is_alive():
            return self._clean and not self._items
        done = threading.Event()
        self._items.append(done)
        self._wake.set()
        return done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued and stop the writer. Safe to call more than once."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        atexit.unregister(self.close)
        self._items.append(_STOP)
        self._wake.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._clean = False

    # -- the writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        db: Any = None
        pending: list[tuple[Any, ...]] = []
        markers: list[threading.Event] = []
        hours = _Hours()
        retry_at = 0.0
        stop = False
        try:
            db = self._open()
            while not stop:
                self._wake.wait(self._interval)
                self._wake.clear()
                while self._items:
                    item = self._items.popleft()
                    if item is _STOP:
                        stop = True
                    elif isinstance(item, threading.Event):
                        markers.append(item)
                    elif isinstance(item, tuple):
                        event, timestamp = item
                        pending.append((event.kind, event.flow, event.version, event.state, event.outcome,
                                        event.channel, event.role, 1 if event.training else 0,
                                        hours(timestamp), event.run_id, event.step, event.language))
                now = time.monotonic()
                if pending and (stop or markers or now >= retry_at):
                    if db is None:
                        db = self._open()
                    if db is not None and self._write(db, pending):
                        pending.clear()
                    else:
                        self._forget(db)
                        db = None
                        retry_at = now + self._retry_delay
                        self._trim(pending)
                if not pending:
                    for marker in markers:
                        marker.set()
                    markers.clear()
            if pending:
                self._clean = False
                self.dropped += len(pending)
        except Exception as exc:  # the writer must not die silently
            self._clean = False
            self._warn_write(exc)
        finally:
            self._forget(db)

    def _open(self) -> Any:
        try:
            return open_database(self.path, busy_timeout=self._busy_timeout)
        except (sqlite3.Error, OSError) as exc:
            self._warn_write(exc)
            return None

    def _write(self, db: Any, rows: list[tuple[Any, ...]]) -> bool:
        # One transaction through sqlite-utils; the rows go in with one prepared statement
        # (insert_all inspects every row in Python, which cost 20 µs of GIL time per event).
        try:
            with db.atomic():
                db.conn.execute(_INSERT, (json.dumps(rows),))
        except (sqlite3.Error, OSError) as exc:
            self._warn_write(exc)
            return False
        if self._failing:
            self._failing = False
            log.info("statistics: the database can be written again")
        return True

    def _trim(self, pending: list[tuple[Any, ...]]) -> None:
        excess = len(pending) - self._max_queue
        if excess > 0:
            del pending[:excess]
            self.dropped += excess

    def _forget(self, db: Any) -> None:
        if db is not None:
            with contextlib.suppress(sqlite3.Error):
                db.close()

    def _warn_write(self, exc: BaseException) -> None:
        self._failing = True
        if self._warned_write:
            return
        self._warned_write = True
        reason = exc.args[0] if isinstance(exc, sqlite3.Error) and exc.args else type(exc).__name__
        if isinstance(exc, OSError) and exc.strerror:
            reason = exc.strerror
        log.warning("statistics: cannot write to %s (%s); events are kept in memory and retried, "
                    "and the conversation goes on", self.path, reason)
