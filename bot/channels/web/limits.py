"""What the web channel can show, declared for ``referral-bot validate``: pages take any length
of text and any label, and answers travel as form values, not button data."""

from __future__ import annotations

from bot.flows.limits import ChannelLimits

__all__ = ["LIMITS"]

LIMITS = ChannelLimits("the web")
