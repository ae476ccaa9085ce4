"""Logging for the bot: INFO without personal data, and the token redacted from everything.

httpx logs every request URL at INFO, and a Bot API URL contains the token, so httpx is
held at WARNING. As a second line of defence, a filter on every root handler replaces the
token (and its secret part) in each record's message, arguments and traceback text.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["REDACTED", "RedactToken", "setup_logging"]

REDACTED = "[token]"
QUIET = ("httpx", "httpcore", "apscheduler", "tornado.access", "transitions")


class RedactToken(logging.Filter):
    """Replace the bot token in any log record, including tracebacks."""

    def __init__(self, token: str) -> None:
        super().__init__()
        secret = token.partition(":")[2]
        self.secrets = [s for s in (token, secret) if len(s) >= 8]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: log what we can
            message = str(record.msg)
        record.msg, record.args = self._clean(message), None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, self._clean(text)
        elif record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


def setup_logging(token: str, level: int = logging.INFO) -> RedactToken:
    """Log to stderr at ``level`` with the token redacted; returns the filter."""
    root = logging.getLogger()
    if not root.handlers:
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    redact = RedactToken(token)
    for each in root.handlers:
        each.addFilter(redact)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return redact
