"""Flow files: load YAML into a typed, validated model."""

from bot.flows.i18n import LANGUAGES
from bot.flows.kinds import (
    KINDS,
    Checklist,
    ChecklistRule,
    Info,
    Item,
    Option,
    Outcome,
    Question,
    register_kind,
    registered,
)
from bot.flows.limits import ChannelLimits
from bot.flows.loader import Catalogue, default_flows_dir, load_catalogue, load_flows, validate_paths
from bot.flows.model import AUDIENCES, Common, Flow, FlowSet, Mark, Signpost, Source, State, Translation, Why
from bot.flows.problems import FlowError, Problem

__all__ = [
    "AUDIENCES",
    "KINDS",
    "LANGUAGES",
    "Catalogue",
    "ChannelLimits",
    "Checklist",
    "ChecklistRule",
    "Common",
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
    "Translation",
    "Why",
    "default_flows_dir",
    "load_catalogue",
    "load_flows",
    "register_kind",
    "registered",
    "validate_paths",
]
