"""Anonymised flow statistics: a recorder that listens to engine events, and reports.

Nothing here knows who used the bot: events carry a random run id, the flow, step and
outcome, the channel, the self-declared role, a training flag and the UTC hour.
"""

from bot.stats.chart import CHARTS_EXTRA, ChartUnavailable, render_chart
from bot.stats.purge import purge
from bot.stats.recorder import Recorder, event_row
from bot.stats.render import CSV_HEADER, render_csv, render_table, summary_text
from bot.stats.report import ROUND_TO, SUPPRESS_BELOW, Count, FlowStats, Report, build_report, rounded
from bot.stats.schema import (
    EVENTS_TABLE,
    MENU_FLOW,
    StatsError,
    default_db_path,
    hour_bucket,
    open_database,
)

__all__ = [
    "CHARTS_EXTRA",
    "CSV_HEADER",
    "EVENTS_TABLE",
    "MENU_FLOW",
    "ROUND_TO",
    "SUPPRESS_BELOW",
    "ChartUnavailable",
    "Count",
    "FlowStats",
    "Recorder",
    "Report",
    "StatsError",
    "build_report",
    "default_db_path",
    "event_row",
    "hour_bucket",
    "open_database",
    "purge",
    "render_chart",
    "render_csv",
    "render_table",
    "rounded",
    "summary_text",
]
