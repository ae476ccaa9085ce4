"""Referral Guide: decision flows about modern slavery and exploitation concerns.

The public API is small: load flows, run them on the engine.
"""

from bot.engine import Engine, FlowEvent, Session, Turn, TurnOption, TurnSignpost
from bot.flows import FlowError, FlowSet, Problem, load_flows, validate_paths

__all__ = [
    "Engine",
    "FlowError",
    "FlowEvent",
    "FlowSet",
    "Problem",
    "Session",
    "Turn",
    "TurnOption",
    "TurnSignpost",
    "load_flows",
    "validate_paths",
]
