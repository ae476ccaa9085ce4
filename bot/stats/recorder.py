"""The recorder: an engine listener that writes anonymised events off the conversation's path.

``Recorder.__call__`` only puts the event on a queue. One background thread owns the
SQLite connection and writes the queue in batches, one transaction per batch.

Failure policy (documented in ``docs/statistics.md``): when a batch cannot be written
(database locked, read-only, disk full, folder missing), ONE warning is logged, the events
are kept in memory and retried about every second; if more than ``max_queue`` events are
waiting, the oldest are dropped. On close there is one last attempt; what still cannot be
written is dropped. The conversation is never slowed down or stopped.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import queue
import sqlite3
import threading
import time
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
    }


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
        self._queue: queue.Queue[object] = queue.Queue(maxsize=self._max_queue)
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
        """Queue ``event``. Never blocks and never raises."""
        try:
            if self._closed:
                return
            self._queue.put_nowait((event, self._clock()))
        except queue.Full:
            self.dropped += 1
            if not self._warned_full:
                self._warned_full = True
                log.warning("statistics: the event queue is full (%d events), so events are "
                            "being dropped; the conversation goes on", self._max_queue)
        except Exception:  # a listener must never break guidance
            if not self._warned_full:
                self._warned_full = True
                log.warning("statistics: an event could not be queued; the conversation goes on")

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is written; False if that took too long."""
        if self._closed or not self._thread.is_alive():
            return self._clean and self._queue.empty()
        done = threading.Event()
        deadline = time.monotonic() + timeout
        try:
            self._queue.put(done, timeout=timeout)
        except queue.Full:
            return False
        return done.wait(max(0.0, deadline - time.monotonic()))

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued and stop the writer. Safe to call more than once."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        atexit.unregister(self.close)
        deadline = time.monotonic() + timeout
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            self._clean = False
            return
        self._thread.join(max(0.0, deadline - time.monotonic()))

    # -- the writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        db: Any = None
        pending: list[Row] = []
        markers: list[threading.Event] = []
        due: float | None = None  # when the waiting events should be written
        retry_at = 0.0
        stop = False
        try:
            db = self._open()
            while not stop:
                wait = None if due is None else max(0.0, due - time.monotonic())
                items = self._take(wait)
                force = False
                for item in items:
                    if item is _STOP:
                        stop = True
                    elif isinstance(item, threading.Event):
                        markers.append(item)
                        force = True
                    elif isinstance(item, tuple):
                        pending.append(event_row(*item))
                now = time.monotonic()
                if pending and due is None:
                    due = now + self._interval
                ready = stop or force or len(pending) >= self._batch_size or (
                    due is not None and now >= due)
                if pending and ready and (stop or force or now >= retry_at):
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
                    due = None
                    for marker in markers:
                        marker.set()
                    markers.clear()
                elif ready:
                    due = retry_at
            if pending:
                self._clean = False
                self.dropped += len(pending)
        except Exception as exc:  # the writer must not die silently
            self._clean = False
            self._warn_write(exc)
        finally:
            self._forget(db)

    def _take(self, wait: float | None) -> list[object]:
        """The next item (waiting up to ``wait`` seconds) plus whatever else is queued."""
        try:
            items = [self._queue.get(timeout=wait)]
        except queue.Empty:
            return []
        while len(items) < self._batch_size:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return items

    def _open(self) -> Any:
        try:
            return open_database(self.path, busy_timeout=self._busy_timeout)
        except (sqlite3.Error, OSError) as exc:
            self._warn_write(exc)
            return None

    def _write(self, db: Any, rows: list[Row]) -> bool:
        try:
            with db.atomic():
                db[EVENTS_TABLE].insert_all(rows, batch_size=self._batch_size)
        except (sqlite3.Error, OSError) as exc:
            self._warn_write(exc)
            return False
        if self._failing:
            self._failing = False
            log.info("statistics: the database can be written again")
        return True

    def _trim(self, pending: list[Row]) -> None:
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
