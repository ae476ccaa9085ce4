"""Telegram's limits and wire format, declared for ``referral-bot validate``.

Callback data is short and fixed: ``a:STATE:OPTION`` for answers (valid only while the
user is on STATE) and ``f:FLOW`` to start a flow; Telegram allows at most 64 bytes.
Button labels show at most 64 characters, a message at most 4096.
"""

from __future__ import annotations

from bot.flows.limits import ChannelLimits

__all__ = ["LIMITS", "MAX_CALLBACK_BYTES", "MAX_CAPTION", "MAX_LABEL", "MAX_TEXT", "answer_callback",
           "flow_callback"]

MAX_TEXT = 4096
MAX_LABEL = 64
MAX_CALLBACK_BYTES = 64
MAX_CAPTION = 1024


def answer_callback(state_id: str, option_id: str) -> str:
    """Callback data of an answer button: valid only while the user is on ``state_id``."""
    return f"a:{state_id}:{option_id}"


def flow_callback(flow_id: str) -> str:
    """Callback data of a button that starts a flow."""
    return f"f:{flow_id}"


LIMITS = ChannelLimits("Telegram", max_text=MAX_TEXT, max_label=MAX_LABEL, max_data_bytes=MAX_CALLBACK_BYTES,
                       answer_data=answer_callback, flow_data=flow_callback)
