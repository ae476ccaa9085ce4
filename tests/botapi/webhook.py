"""Webhook delivery: pushed updates are POSTed to the URL the bot set with ``setWebhook``.

Like Telegram, one update is in flight at a time, in order; a delivery that fails (no
connection, or an answer other than 2xx) is recorded in ``state.webhook_errors`` and retried
with a growing pause. The ``X-Telegram-Bot-Api-Secret-Token`` header carries the
``secret_token`` given to ``setWebhook``.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

from .state import ApiState

__all__ = ["WebhookSender"]

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class WebhookSender:
    """A background thread that delivers pending updates while a webhook is set."""

    def __init__(self, state: ApiState, stopping: threading.Event, timeout: float = 10.0) -> None:
        """Deliver from ``state`` until ``stopping`` is set."""
        self.state = state
        self.stopping = stopping
        self.timeout = timeout
        self._thread = threading.Thread(target=self._run, name="fake-bot-api-webhook",
                                        daemon=True)

    def start(self) -> None:
        """Start the delivery thread."""
        self._thread.start()

    def join(self) -> None:
        """Wait for the thread to end (after ``stopping`` is set)."""
        if self._thread.is_alive():
            self._thread.join(timeout=self.timeout + 1)

    def _run(self) -> None:
        failures = 0
        state = self.state
        while not self.stopping.is_set():
            with state.cond:
                batch = state.take(1) if state.webhook_url else []
                if not batch:
                    state.cond.wait(0.1)
                    continue
                update, url, secret = batch[0], str(state.webhook_url), state.webhook_secret
                posted = state.fetched_at[update.update_id] = time.monotonic()
            error = self._post(url, secret, update.payload)
            with state.cond:
                if error is None:
                    failures = 0
                    state.mark_fetched([update], at=posted)
                    state.pending = [u for u in state.pending if u.update_id != update.update_id]
                    continue
                failures += 1
                state.webhook_errors.append(f"update {update.update_id} to {url}: {error}")
            self.stopping.wait(min(0.05 * failures, 1.0))

    def _post(self, url: str, secret: str | None, payload: object) -> str | None:
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(url, json.dumps(payload).encode("utf-8"), headers,
                                         method="POST")
        try:
            with _OPENER.open(request, timeout=self.timeout) as answer:
                status = int(answer.status)
        except urllib.error.HTTPError as error:
            status = error.code
        except (OSError, ValueError) as error:
            return f"{type(error).__name__}: {error}"
        return None if 200 <= status < 300 else f"HTTP {status}"
