"""Fault injection: error answers, held requests and dropped connections."""

from __future__ import annotations

import threading
import time
from http import HTTPStatus
from typing import Any

from .models import Fault
from .transport import Drop, Reply, client_gone

__all__ = ["FAULT_MODES", "fault_reply", "hold"]

FAULT_MODES = ("status", "timeout", "reset", "lost")


def fault_reply(fault: Fault) -> Reply:
    """The error answer of a ``"status"`` fault (429 carries ``retry_after``)."""
    if fault.status == 429:
        after = fault.retry_after if fault.retry_after is not None else 1
        return Reply(429, {"ok": False, "error_code": 429,
                           "description": f"Too Many Requests: retry after {after}",
                           "parameters": {"retry_after": after}})
    try:
        phrase = HTTPStatus(fault.status).phrase
    except ValueError:
        phrase = "Error"
    payload: dict[str, Any] = {"ok": False, "error_code": fault.status, "description": phrase}
    if fault.retry_after is not None:
        payload["parameters"] = {"retry_after": fault.retry_after}
    return Reply(fault.status, payload)


def hold(sock: Any, stopping: threading.Event, seconds: float) -> Drop:
    """Hold a request unanswered until the client gives up, the server stops, or ``seconds``."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and not stopping.is_set() and not client_gone(sock):
        stopping.wait(0.02)
    return Drop()
