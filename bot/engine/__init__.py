"""Sessions on transitions machines; nothing about channels."""

from bot.engine.engine import (
    BACK,
    COMMANDS,
    EMERGENCY,
    EMERGENCY_PHRASES,
    WELSH_COMMANDS,
    WELSH_EMERGENCY_PHRASES,
    Engine,
)
from bot.engine.events import EVENT_KINDS, FlowEvent, Listener
from bot.engine.machine import compile_machine, machine_config
from bot.engine.session import MENU, Session, new_run_id
from bot.engine.turn import Turn, TurnOption, TurnSignpost, TurnTerm

__all__ = [
    "BACK",
    "COMMANDS",
    "EMERGENCY",
    "EMERGENCY_PHRASES",
    "EVENT_KINDS",
    "MENU",
    "WELSH_COMMANDS",
    "WELSH_EMERGENCY_PHRASES",
    "Engine",
    "FlowEvent",
    "Listener",
    "Session",
    "Turn",
    "TurnOption",
    "TurnSignpost",
    "TurnTerm",
    "compile_machine",
    "machine_config",
    "new_run_id",
]
