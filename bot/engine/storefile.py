"""The session database's files: created private (0600 in a 0700 folder), the key secret
beside it, and the thread that checkpoints its write-ahead log off the event loop."""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from pathlib import Path

__all__ = ["Checkpointer", "create_private", "secret_for"]


def secret_for(path: Path) -> bytes:
    """The key-derivation secret kept beside the database (created once, mode 0600)."""
    key_file = path.with_name(path.stem + ".key")
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip().encode()


def create_private(path: Path) -> None:
    """Create the file (and its folder) readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class Checkpointer:
    """Copies the write-ahead log into the database every ``every`` seconds, off the event loop.

    Left to itself, SQLite checkpoints inside whichever commit fills the log, with an fsync
    that stalls that update for milliseconds. Here a thread with its own connection does it
    (the sqlite3 module lets other threads run meanwhile). Commits stay synchronous: a
    checkpoint only copies pages that are already in the log. Should this thread fall
    behind, SQLite's own checkpoint (``wal_autocheckpoint``, set by the store) still bounds the log.
    """

    def __init__(self, path: Path, every: float) -> None:
        self._stop = threading.Event()
        uri = path.resolve().as_uri() + "?mode=rw"  # never creates a file
        self._thread = threading.Thread(target=self._run, args=(uri, every, self._stop),
                                        name="sessions-checkpoint", daemon=True)
        self._thread.start()

    @staticmethod
    def _run(uri: str, every: float, stop: threading.Event) -> None:
        conn: sqlite3.Connection | None = None
        while not stop.wait(every):
            try:
                if conn is None:
                    conn = sqlite3.connect(uri, uri=True, timeout=0.5, isolation_level=None)
                    conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                if conn is not None:
                    conn.close()
                conn = None  # tried again next time; SQLite's own checkpoint is the fallback
        if conn is not None:
            conn.close()

    def stop(self) -> None:
        """Stop the thread (it finishes any checkpoint under way first)."""
        self._stop.set()
        self._thread.join(5.0)
