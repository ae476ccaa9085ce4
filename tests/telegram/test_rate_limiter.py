"""The bot's rate limiter on a real event loop: Telegram's limits kept, 429s paused and retried.

The calls it limits are plain coroutines here, standing in for python-telegram-bot's request
(the whole bot goes through it in the fault tests, where the fake Bot API answers 429).
"""

from __future__ import annotations

import asyncio
import time
import warnings
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.channels.telegram.limits import PAUSE_MARGIN, RateLimiter


class Calls:
    """A Bot API stand-in: records when each call ran; can answer 429 a few times first."""

    def __init__(self, refuse: int = 0, retry_after: float = 0.2) -> None:
        self.at: list[float] = []
        self.by_call: dict[int, float] = {}
        self.refuse = refuse
        self.retry_after = retry_after

    async def __call__(self, n: int) -> dict[str, Any]:
        self.at.append(time.monotonic())
        self.by_call[n] = self.at[-1]
        if self.refuse:
            self.refuse -= 1
            with warnings.catch_warnings():  # PTB's own constructor reads its deprecated attribute
                warnings.simplefilter("ignore", DeprecationWarning)
                refused = RetryAfter(timedelta(seconds=self.retry_after))
            raise refused
        return {"n": n}


async def _run(limiter: RateLimiter, calls: Calls, chat_ids: list[Any], rate_limit_args: int | None = None) -> float:
    started = time.monotonic()
    results = await asyncio.gather(*(
        limiter.process_request(calls, (n,), {}, "sendMessage", {"chat_id": chat_id} if chat_id else {},
                                rate_limit_args)
        for n, chat_id in enumerate(chat_ids)))
    assert [r["n"] for r in results] == list(range(len(chat_ids)))  # type: ignore[index]
    return time.monotonic() - started


async def test_a_burst_goes_at_once_then_calls_are_paced() -> None:
    """max_rate calls go straight away; the rest follow one every 1/max_rate seconds."""
    calls = Calls()
    elapsed = await _run(RateLimiter(100), calls, [5] * 150)
    assert calls.at[99] - calls.at[0] < 0.05
    assert 0.45 <= elapsed < 1.5, elapsed
    gaps = [b - a for a, b in zip(calls.at[100:], calls.at[101:], strict=False)]
    assert sum(gaps) / len(gaps) == pytest.approx(0.01, abs=0.004)


async def test_no_limit_at_zero_and_calls_without_a_chat_are_never_held() -> None:
    """max_rate 0 turns the bot-wide limit off; calls that name no chat never wait."""
    assert await _run(RateLimiter(0), Calls(), [5] * 300) < 0.3
    assert await _run(RateLimiter(1), Calls(), [None] * 300) < 0.3


async def test_each_group_has_its_own_limit() -> None:
    """Groups (negative ids, @names) get group_rate per group_period each; private chats don't."""
    calls = Calls()
    limiter = RateLimiter(0, group_rate=2, group_period=0.4)
    elapsed = await _run(limiter, calls, [-100, -100, -100, "@channel", "@channel", 7, 7, 7, "-200"])
    assert 0.18 <= elapsed < 1.0, "the third call to group -100 waited for its slot"
    assert calls.by_call[2] - calls.by_call[0] >= 0.18
    assert max(calls.by_call[n] for n in range(3, 9)) - calls.by_call[0] < 0.1, \
        "other chats were not held up by that group"


async def test_429_pauses_every_call_then_retries() -> None:
    """A 429 holds back every call for retry_after (+ a margin), then the call is tried again."""
    calls = Calls(refuse=1, retry_after=0.2)
    limiter = RateLimiter(0)
    first = asyncio.ensure_future(limiter.process_request(calls, (0,), {}, "sendMessage", {"chat_id": 1}, None))
    await asyncio.sleep(0.02)
    later = await limiter.process_request(calls, (1,), {}, "sendMessage", {"chat_id": 2}, None)
    assert later == {"n": 1}
    assert await first == {"n": 0}
    refused, retried = calls.at[0], max(calls.at[1:])
    assert len(calls.at) == 3
    assert retried - refused >= 0.2 + PAUSE_MARGIN - 0.01
    assert calls.at[2] - refused >= 0.2 + PAUSE_MARGIN - 0.01, "the other call waited for the pause too"


async def test_429_after_the_last_retry_is_raised() -> None:
    """max_retries retries (or the call's own rate_limit_args), then the RetryAfter surfaces."""
    calls = Calls(refuse=5, retry_after=0.01)
    with pytest.raises(RetryAfter):
        await RateLimiter(0, max_retries=2).process_request(calls, (0,), {}, "sendMessage", {"chat_id": 1}, None)
    assert len(calls.at) == 3
    calls = Calls(refuse=1, retry_after=0.01)
    with pytest.raises(RetryAfter):
        await RateLimiter(0, max_retries=0).process_request(calls, (0,), {}, "sendMessage", {"chat_id": 1}, None)
    calls = Calls(refuse=3, retry_after=0.01)
    result = await RateLimiter(0, max_retries=0).process_request(calls, (0,), {}, "sendMessage", {"chat_id": 1}, 3)
    assert result == {"n": 0}
