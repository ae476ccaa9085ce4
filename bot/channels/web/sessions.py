"""The web channel's one contact with the shared session store.

Everything the web channel does with stored sessions goes through :class:`WebSessions`, so a
change of store touches this module only. A browser's cookie holds a random token; the store
key is derived from it by the store (an HMAC), so the database never holds the cookie itself.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable

from bot.engine import Engine, Session
from bot.engine.store import SessionStore, StoreError

__all__ = ["CHANNEL", "StoreError", "WebSessions", "new_token", "valid_token"]

log = logging.getLogger(__name__)

CHANNEL = "web"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    """A fresh random cookie token (256 bits)."""
    return secrets.token_urlsafe(32)


def valid_token(token: str | None) -> bool:
    """True for a token this channel could have made (anything else is ignored)."""
    return token is not None and _TOKEN.fullmatch(token) is not None


class WebSessions:
    """Load, save and delete browser sessions; expire the inactive ones."""

    def __init__(self, store: SessionStore | Callable[[], SessionStore], engine: Engine) -> None:
        self._store = store if isinstance(store, SessionStore) else None
        self._open = store if not isinstance(store, SessionStore) else None
        self.engine = engine

    @property
    def store(self) -> SessionStore:
        """The store, opened on first use (so in the thread that serves requests: SQLite
        connections belong to the thread that made them)."""
        if self._store is None:
            assert self._open is not None
            self._store = self._open()
        return self._store

    @property
    def ttl_seconds(self) -> int:
        """How long an inactive session lives (the cookie's lifetime too)."""
        return int(self.store.ttl.total_seconds())

    def _key(self, token: str) -> str:
        return self.store.key(CHANNEL, token)

    def load(self, token: str) -> Session | None:
        """The session for ``token``; None when there is none or it expired (the sweep records
        expired sessions as abandoned).

        Raises:
            StoreError: the store cannot be read.
        """
        return self.store.load(self._key(token))

    def save(self, token: str, session: Session) -> bool:
        """Commit the session now; False when the disk failed (it is kept in memory and retried)."""
        return self.store.save(self._key(token), session)

    def delete(self, token: str) -> bool:
        """Forget the session now."""
        return self.store.delete(self._key(token))

    def sweep(self) -> int:
        """Expire inactive sessions (each recorded as abandoned); returns how many."""
        return self.store.sweep(self.engine)

    def flush(self) -> bool:
        """Write what is held in memory."""
        return self.store.flush()

    def close(self) -> None:
        """Write what is held and close the store, if this adapter opened it (a store handed
        in, such as the Telegram bot's, is closed by its owner)."""
        if self._store is not None and self._open is not None:
            self._store.close()
            self._store = None
