"""``referral-bot export-site``: the offline pack, static HTML for every step of every flow.

One page per state, with a link per answer (a checklist gets a link per rule, saying which
ticks lead where), in the web channel's look and from the same templates. Pages need no
server and no JavaScript, so the pack works from ``file://`` (a USB stick in a classroom).
Every page carries the content version and review date, because offline copies go stale.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.channels.web.render import TEXT, asset_names, render, static_dir
from bot.channels.web.views import Choice, force_name, paragraphs, step_view, tel_href
from bot.engine import Engine, Session, Turn
from bot.engine.machine import CONTINUE
from bot.flows import Checklist, ChecklistRule, Flow, Info, Question

__all__ = ["ExportResult", "export_site", "state_file"]

CSS_NAME = "referral-guide.css"
DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather"


def state_file(flow_id: str, state_id: str) -> str:
    """A step's page, relative to the pack's root."""
    return f"{flow_id}/{state_id}.html"


@dataclass(slots=True)
class ExportResult:
    """What was written."""

    folder: Path
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _OfflineLinks:
    home: str
    emergency: str
    exit: str
    privacy: str | None
    css: str
    js: str | None
    emergency_phone: str
    emergency_tel: str


@dataclass(frozen=True, slots=True)
class _Offline:
    """What ``_step.html`` needs to draw links instead of a form."""

    flow_id: str
    targets: dict[str, str]
    checklist_links: list[dict[str, str]]
    restart: str
    checklist_intro: str = TEXT["offline_checklist"]

    def answer(self, option_id: str) -> str:
        return self.targets[option_id]


def _rule_label(state: Checklist, rule: ChecklistRule) -> str:
    labels = {item.id: item.label for item in state.items}
    if rule.unconditional:
        return "Anything else, or nothing ticked"
    parts = []
    if rule.if_any:
        parts.append("any of: " + "; ".join(labels.get(i, i) for i in rule.if_any))
    if rule.if_all:
        parts.append("all of: " + "; ".join(labels.get(i, i) for i in rule.if_all))
    if rule.if_count_at_least is not None:
        parts.append(f"at least {rule.if_count_at_least} ticked")
    text = " and ".join(parts)
    return "If you ticked " + text


def _stamp(flow: Flow | None, flows: list[Flow], today: date) -> str:
    made = f"Offline copy made on {today.isoformat()}; check the review dates before relying on it."
    if flow is not None:
        return (f"{TEXT['version']} {flow.version}, {TEXT['reviewed']} {flow.reviewed_on.isoformat()}, "
                f"{TEXT['review_due']} {flow.review_due.isoformat()}. {made}")
    versions = "; ".join(f"{f.title}: {TEXT['version'].lower()} {f.version}, {TEXT['review_due']} "
                         f"{f.review_due.isoformat()}" for f in flows)
    return f"{made} {versions}."


def export_site(engine: Engine, folder: Path | str, *, training_notes: bool = True, today: date | None = None,
                exit_url: str = DEFAULT_EXIT_URL, include_drafts: bool = False) -> ExportResult:
    """Write the offline pack into ``folder`` (created; pages already there are replaced).

    Args:
        engine: an engine on the validated flows.
        folder: where to write ``index.html``, ``emergency.html``, ``assets/`` and a folder per flow.
        training_notes: add each step's why-note and source (collapsed, "Training notes").
        today: the date printed on every page.
        exit_url: where Exit this page leaves for.
        include_drafts: also export draft flows (marked as drafts by their status).
    """
    day = today or date.today()
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    result = ExportResult(out)
    (out / "assets").mkdir(exist_ok=True)
    shutil.copyfile(static_dir() / asset_names()[CSS_NAME], out / "assets" / CSS_NAME)
    result.files.append(out / "assets" / CSS_NAME)
    flowset = engine.flowset
    flows = [f for f in flowset.flows.values() if f.status == "published" or include_drafts]
    emergency = next((flowset.signposts[s] for s in flowset.emergency_signposts if flowset.signposts[s].phone), None)
    phone = emergency.phone if emergency is not None and emergency.phone else "999"

    def links(depth: int) -> _OfflineLinks:
        up = "../" * depth
        return _OfflineLinks(home=f"{up}index.html", emergency=f"{up}emergency.html", exit=exit_url, privacy=None,
                             css=f"{up}assets/{CSS_NAME}", js=None, emergency_phone=phone,
                             emergency_tel=tel_href(phone))

    def write(name: str, template: str, depth: int, **context: Any) -> None:
        context.setdefault("back_href", None)
        context.setdefault("wide", False)
        html = render(template, links=links(depth), force=force_name(engine), csrf="", **context)
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        result.files.append(path)

    guides = [{"id": f.id, "title": f.title, "description": f.description} for f in flows]
    write("index.html", "home.html", 0, title=f"{TEXT['choose_guide']} - {TEXT['service']}", roles=None,
          guides=guides, intro=engine.ui("menu"), notice=None, error=None, change_role_href=None,
          stamp=_stamp(None, flows, day), flow_href=lambda flow_id: f"{flow_id}/index.html")
    turn = engine.current(Session(channel="offline", emergency=True))
    signposts = [{"id": s.id, "name": s.name, "phone": s.phone, "tel": tel_href(s.phone) if s.phone else None,
                  "url": s.url, "how": s.how} for s in turn.signposts]
    write("emergency.html", "emergency.html", 0, title=f"{TEXT['emergency_title']} - {TEXT['service']}",
          paragraphs=paragraphs(turn.text), signposts=signposts, return_href="index.html",
          return_text=TEXT["all_guides"], stamp=_stamp(None, flows, day))
    for flow in flows:
        _export_flow(engine, flow, write, _stamp(flow, flows, day), training_notes)
    return result


def _export_flow(engine: Engine, flow: Flow, write: Any, stamp: str, training_notes: bool) -> None:
    start_href = f"{flow.start}.html"
    write(f"{flow.id}/index.html", "start_offline.html", 1, title=f"{flow.title} - {TEXT['service']}", flow=flow,
          start_href=start_href, stamp=stamp)
    for state in flow.states.values():
        session = Session(flow=flow.id, state=state.id, version=flow.version, channel="offline",
                          training=training_notes)
        turn: Turn = engine.current(session)
        view = step_view(engine, turn, training=training_notes)
        targets: dict[str, str] = {}
        checklist_links: list[dict[str, str]] = []
        if isinstance(state, Question):
            targets = {o.id: f"{o.next}.html" for o in state.options}
        elif isinstance(state, Info):
            targets = {CONTINUE: f"{state.next}.html"}
        elif isinstance(state, Checklist):
            checklist_links = [{"id": f"rule-{n}", "label": _rule_label(state, rule), "href": f"{rule.next}.html"}
                               for n, rule in enumerate(state.rules, start=1)]
        offline = _Offline(flow.id, targets, checklist_links, restart=start_href)
        next_flows = [Choice(c.id, c.label) for c in view.next_flows]
        write(state_file(flow.id, state.id), "step.html", 1, title=view.title, step=view, radio_items=[],
              view=None, show_why=training_notes, offline=offline, stamp=stamp, action="", restart_action="",
              answers_href="", flow_href=lambda flow_id: f"../{flow_id}/index.html", next_flows=next_flows)
