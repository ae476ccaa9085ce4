"""Channels render engine turns; they hold no guidance logic.

Each channel declares its limits (``bot.flows.limits.ChannelLimits``); :func:`shipped_limits`
lists every shipped channel's, for ``referral-bot validate``. A new channel adds its own here.
"""

from __future__ import annotations

from bot.flows.limits import ChannelLimits

__all__ = ["TERMINAL_LIMITS", "shipped_limits"]

TERMINAL_LIMITS = ChannelLimits("the terminal")
"""The terminal shows any length and has no buttons."""


def shipped_limits() -> tuple[ChannelLimits, ...]:
    """The limits of every channel this package ships."""
    from bot.channels.telegram.limits import LIMITS as TELEGRAM

    return (TERMINAL_LIMITS, TELEGRAM)
