"""Calls the bot made, what is happening in each chat, and waiting for the bot.

:class:`Activity` is the part of :class:`~botapi.server.FakeBotApi` that records every call
and tracks, per chat, requests in flight and the time of the last one, so tests can wait until
the bot has answered (``FakeUser.wait``) instead of sleeping, and until a killed bot's last
requests have been dealt with (:meth:`Activity.quiesce`).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable

from .models import Call
from .spec import Spec, Upload
from .state import ApiState

__all__ = ["Activity", "describe"]


class Activity:
    """Call records and per-chat activity; mixed into the server.

    Attributes:
        calls: every request, in the order the requests arrived (each added once answered).
    """

    state: ApiState
    spec: Spec

    def __init__(self) -> None:
        """Nothing recorded yet."""
        self.calls: list[Call] = []
        self._inflight: dict[int, int] = {}
        self._last_arrival: dict[int, float] = {}
        self._last_done: dict[int, float] = {}

    def wait_for_call(self, method: str, predicate: Callable[[Call], bool] | None = None,
                      timeout: float = 5.0, *, after: float | None = None) -> Call:
        """The first call of ``method`` (any case) matching ``predicate``, waiting if needed.

        Args:
            method: a Bot API method name, in any case.
            predicate: a further condition on the :class:`Call`.
            timeout: seconds to wait.
            after: only calls that arrived at or after this ``time.monotonic()`` value.

        Raises:
            AssertionError: no such call in time (the message lists recent calls).
        """
        wanted = getattr(self.spec.method(method), "name", method)
        deadline = time.monotonic() + timeout
        with self.state.cond:
            while True:
                for call in self.calls:
                    if call.method == wanted and (after is None or call.at >= after) and (
                            predicate is None or predicate(call)):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    recent = "\n  ".join(describe(c) for c in self.calls[-15:]) or "(none)"
                    raise AssertionError(f"no {wanted} call within {timeout} s; recent calls:"
                                         f"\n  {recent}")
                self.state.cond.wait(left)

    def wait_delivered(self, update_id: int, timeout: float = 5.0) -> None:
        """Block until the bot fetched update ``update_id`` (or it was posted to the webhook)."""
        deadline = time.monotonic() + timeout
        with self.state.cond:
            while update_id not in self.state.delivered:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"update {update_id} was not fetched within {timeout} s "
                                         "(is the bot running and polling this server?)")
                self.state.cond.wait(left)

    def settle(self, chat_id: int, quiet: float = 0.2, timeout: float = 5.0) -> None:
        """Block until chat ``chat_id`` is idle: nothing in flight, nothing for ``quiet`` s.

        The chat's latest update must have been fetched, and its fetch counts as activity, so a
        bot that has just (re)fetched an update gets ``quiet`` seconds to start answering.
        """
        deadline = time.monotonic() + timeout
        cond = self.state.chat_cond(chat_id)
        with cond:
            while True:
                now = time.monotonic()
                update_id = self.state.last_update_of_chat.get(chat_id)
                fetched = self.state.fetched_at.get(update_id, -1.0) if update_id else 0.0
                last = max(self._last_done.get(chat_id, 0.0),
                           self._last_arrival.get(chat_id, 0.0), fetched)
                if fetched >= 0 and not self._inflight.get(chat_id) and now - last >= quiet:
                    return
                if now >= deadline:
                    state = "busy" if fetched >= 0 else f"waiting for update {update_id} to be fetched"
                    raise AssertionError(f"chat {chat_id} still {state} after {timeout} s")
                cond.wait(min(quiet, deadline - now))

    def quiesce(self, timeout: float = 5.0, quiet: float = 0.02) -> None:
        """Block until the server has finished with every connection: none open, none waiting.

        Call it after the bot's process has died (a SIGKILL, say), before looking at what users
        see. A request the bot had already sent when it died still reaches the server: it may
        wait in the listen queue or in an open connection and be handled an instant later,
        editing a chat after the test looked at it. Once this returns, every such request has
        been handled (its answer thrown away) or dropped, if its body was cut short. The
        kernel closes a process's sockets before its parent can reap it, so no connection of
        a reaped client stays open; ``quiet`` seconds of no connection at all are asked for in
        case the loopback device delivers the last packets late.

        Args:
            timeout: seconds to wait.
            quiet: how long there must be no connection at all.

        Raises:
            AssertionError: connections still open after ``timeout`` s (a client is still
                running and holds keep-alive connections: stop it first).
        """
        deadline = time.monotonic() + timeout
        idle_since: float | None = None
        while True:
            now = time.monotonic()
            open_now = self._open_connections()
            if open_now:
                idle_since = None
            elif idle_since is None:
                idle_since = now
            elif now - idle_since >= quiet:
                return
            if open_now and now >= deadline:
                raise AssertionError(f"{open_now} connection(s) to the fake Bot API still open after "
                                     f"{timeout} s: stop every client (the bot) before quiesce()")
            time.sleep(0.005)

    def _open_connections(self) -> int:
        """Connections being served or waiting to be accepted (the server overrides this)."""
        return 0

    def wait_answered(self, chat_id: int, timeout: float = 5.0, quiet: float = 0.05) -> None:
        """Block until the bot answered the chat's latest update and then stayed quiet.

        "Answered" means at least one call concerning the chat arrived after the update was
        last fetched (a redelivered update must be answered again); "quiet" means no call for
        the chat is running and none ended for ``quiet`` s.
        """
        deadline = time.monotonic() + timeout
        cond = self.state.chat_cond(chat_id)
        with cond:
            while True:
                now = time.monotonic()
                update_id = self.state.last_update_of_chat.get(chat_id)
                fetched = self.state.fetched_at.get(update_id) if update_id else None
                pause: float | None = None
                if fetched is not None and self._last_arrival.get(chat_id, -1.0) >= fetched \
                        and not self._inflight.get(chat_id):
                    idle = now - self._last_done.get(chat_id, now)
                    if idle >= quiet:
                        return
                    pause = quiet - idle
                if now >= deadline:
                    raise AssertionError(self._no_answer(chat_id, update_id, fetched, timeout))
                cond.wait(min(pause or 0.25, deadline - now))

    def _no_answer(self, chat_id: int, update_id: int | None, fetched: float | None,
                   timeout: float) -> str:
        if update_id is None:
            why = "no update was ever sent in this chat"
        elif fetched is None:
            why = f"update {update_id} was never fetched (is the bot running and polling?)"
        else:
            why = f"update {update_id} was fetched but the bot made no call for chat {chat_id}"
        recent = [c for c in self.calls if c.chat_id == chat_id][-10:]
        lines = "\n  ".join(describe(c) for c in recent) or "(none)"
        return f"bot did not answer within {timeout} s: {why}. Recent calls for the chat:\n  {lines}"

    def _begin(self, chat_id: int | None, arrived: float) -> None:
        if chat_id is None:
            return
        with self.state.cond:
            self._inflight[chat_id] = self._inflight.get(chat_id, 0) + 1
            self._last_arrival[chat_id] = arrived

    def _end(self, chat_id: int | None) -> None:
        if chat_id is None:
            return
        with self.state.cond:
            self._inflight[chat_id] -= 1
            self._last_done[chat_id] = time.monotonic()
            self.state.chat_cond(chat_id).notify_all()

    def _record(self, call: Call) -> None:
        with self.state.cond:
            bisect.insort(self.calls, call, key=lambda c: c.at)
            if call.chat_id is not None:
                self._last_arrival[call.chat_id] = max(self._last_arrival.get(call.chat_id, 0.0),
                                                       call.at)
                self._last_done[call.chat_id] = time.monotonic()
            self.state.notify(call.chat_id)


def describe(call: Call) -> str:
    """One line about a call, for failure messages."""
    shown = {k: ("<file>" if isinstance(v, Upload) else v) for k, v in call.params.items()}
    text = repr(shown)
    if len(text) > 160:
        text = text[:157] + "..."
    tail = f" -> {call.description}" if call.description else ""
    fault = f" [fault: {call.fault}]" if call.fault else ""
    return f"{call.method} {call.status}{fault} {text}{tail}"
