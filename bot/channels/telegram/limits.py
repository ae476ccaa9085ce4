"""Telegram's flood limits for every Bot API call: a python-telegram-bot rate limiter.

Telegram lets a bot send about 30 messages a second in all and 20 a minute to any one
group, and answers ``429 Too Many Requests`` with ``retry_after`` when a bot goes faster.
:class:`RateLimiter` keeps to both limits and, after a 429, holds back every call for
``retry_after`` (plus a tenth of a second) and tries again, like PTB's ``AIORateLimiter``.

It does so with a little arithmetic per call (the generic cell rate algorithm: each
limit remembers when its next call is due, and a call waits only when it comes earlier
than the allowed burst), where ``AIORateLimiter`` enters two asynchronous context managers
and an event per call: about 15 µs of a 0.5 ms update, on every one of its three calls.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

__all__ = ["GROUP_PERIOD", "GROUP_RATE", "PAUSE_MARGIN", "RateLimiter"]

log = logging.getLogger(__name__)

GROUP_RATE = 20
"""Messages Telegram allows to one group in ``GROUP_PERIOD`` seconds."""
GROUP_PERIOD = 60.0
PAUSE_MARGIN = 0.1
"""Seconds added to Telegram's ``retry_after`` before calls go out again."""
_MAX_GROUPS = 512

Result = bool | dict[str, Any] | list[dict[str, Any]]


def _seconds(exc: RetryAfter) -> float:
    """``retry_after`` in seconds, whichever type PTB gives it as."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _group_of(chat_id: object) -> int | str | None:
    """The group a chat id names: a negative id or an ``@name``; None for a private chat."""
    if isinstance(chat_id, str):
        try:
            chat_id = int(chat_id)
        except ValueError:
            return chat_id
    return chat_id if isinstance(chat_id, int) and chat_id < 0 else None


class _Limit:
    """One limit: ``rate`` calls per ``period`` seconds, in bursts of up to ``rate``."""

    __slots__ = ("due", "interval", "slack")

    def __init__(self, rate: float, period: float) -> None:
        self.interval = period / rate
        self.slack = (rate - 1) * self.interval
        self.due = 0.0

    def reserve(self, now: float) -> float:
        """Take the next slot; how many seconds to wait for it (0 when the burst allows)."""
        due = self.due if self.due > now else now
        self.due = due + self.interval
        wait = due - self.slack - now
        return wait if wait > 0 else 0.0


class RateLimiter(BaseRateLimiter[int]):
    """Telegram's flood limits, kept by waiting before calls; 429s paused and retried.

    Args:
        max_rate: calls a second for the whole bot (0: no bot-wide limit). Only calls that
            name a chat count, as in PTB's ``AIORateLimiter``.
        group_rate: calls to one group (a negative or ``@name`` chat id) per ``group_period``
            seconds (0: no group limit).
        group_period: see ``group_rate``.
        max_retries: how often a call answered with 429 is tried again; a call's own
            ``rate_limit_args`` overrides it.
    """

    def __init__(self, max_rate: float = 30.0, *, group_rate: float = GROUP_RATE,
                 group_period: float = GROUP_PERIOD, max_retries: int = 3) -> None:
        self._overall = _Limit(max_rate, 1.0) if max_rate > 0 else None
        self._group_rate, self._group_period = group_rate, group_period
        self._groups: dict[int | str, _Limit] = {}
        self._max_retries = max_retries
        self._paused_until = 0.0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _group(self, chat_id: int | str, now: float) -> _Limit:
        limit = self._groups.get(chat_id)
        if limit is None:
            if len(self._groups) >= _MAX_GROUPS:  # forget the groups with nothing outstanding
                self._groups = {k: v for k, v in self._groups.items() if v.due > now}
            limit = self._groups[chat_id] = _Limit(self._group_rate, self._group_period)
        return limit

    def _wait(self, chat_id: object, now: float) -> float:
        """Seconds this call must wait: for a 429 pause and for its limits' slots."""
        wait = self._paused_until - now
        if chat_id is None:
            return wait
        if self._overall is not None:
            wait = max(wait, self._overall.reserve(now))
        group = _group_of(chat_id)
        if group is not None and self._group_rate > 0 and self._group_period > 0:
            wait = max(wait, self._group(group, now).reserve(now))
        return wait

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Call ``callback`` when the limits allow; after a 429, pause everything and retry.

        Raises:
            RetryAfter: still refused after the last retry.
        """
        retries = rate_limit_args or self._max_retries
        chat_id = data.get("chat_id")
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            wait = self._wait(chat_id, loop.time())
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= retries:
                    log.warning("telegram %s still rate limited after %d retries", endpoint, retries)
                    raise
                attempt += 1
                pause = _seconds(exc) + PAUSE_MARGIN
                self._paused_until = max(self._paused_until, loop.time() + pause)
                log.info("telegram asked the bot to slow down; pausing all calls for %.1f s", pause)
