"""Flow files: load YAML into a typed, validated model."""

from bot.flows.loader import default_flows_dir, load_flows, validate_paths
from bot.flows.model import (
    AUDIENCES,
    Checklist,
    ChecklistRule,
    Flow,
    FlowSet,
    Info,
    Item,
    Mark,
    Option,
    Outcome,
    Question,
    Signpost,
    Source,
    State,
    Why,
)
from bot.flows.problems import FlowError, Problem

__all__ = [
    "AUDIENCES",
    "Checklist",
    "ChecklistRule",
    "Flow",
    "FlowError",
    "FlowSet",
    "Info",
    "Item",
    "Mark",
    "Option",
    "Outcome",
    "Problem",
    "Question",
    "Signpost",
    "Source",
    "State",
    "Why",
    "default_flows_dir",
    "load_flows",
    "validate_paths",
]
