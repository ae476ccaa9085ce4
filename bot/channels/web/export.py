"""``referral-bot export-site``: the offline pack, static HTML for every step of every flow.

One page per state, with a link per answer (a checklist gets a link per rule, saying which
ticks lead where), in the web channel's look and from the same templates. Pages need no
server and no JavaScript, so the pack works from ``file://`` (a USB stick in a classroom).
Every page carries the content version and review date, because offline copies go stale.

Issue 15: when the flows are in Welsh too, the Welsh pack is written under ``cy/`` with the same
file names, and every page links to the same page in the other language.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from bot.channels.web.render import TEXT, asset_names, in_language, render, static_dir, texts
from bot.channels.web.views import Choice, force_name, paragraphs, step_view, tel_href
from bot.engine import Engine, Session, Turn
from bot.engine.machine import CONTINUE
from bot.flows import Checklist, ChecklistRule, Flow, Info, Question
from bot.flows.i18n import language_folder

__all__ = ["ExportResult", "export_site", "language_folder", "state_file"]

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
    about: str | None
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


def _rule_label(state: Checklist, rule: ChecklistRule, words: dict[str, str] = TEXT,
                other: str | None = None) -> Markup:
    """A checklist rule in words; the items' labels carry ``lang`` when the guide's language
    (``other``) is not the page's."""
    labels = {item.id: item.label for item in state.items}
    if rule.unconditional:
        return escape(words["rule_else"])

    def items(ids: Iterable[str]) -> Markup:
        return Markup("; ").join(in_language(labels.get(i, i), other) for i in ids)

    parts: list[Markup] = []
    if rule.if_any:
        parts.append(escape(words["rule_any"]) + items(rule.if_any))
    if rule.if_all:
        parts.append(escape(words["rule_all"]) + items(rule.if_all))
    if rule.if_count_at_least is not None:
        parts.append(escape(words["rule_at_least"].format(count=rule.if_count_at_least)))
    return escape(words["rule_if"]) + escape(words["rule_and"]).join(parts)


def _stamp(flow: Flow | None, flows: list[Flow], today: date, words: dict[str, str] = TEXT) -> str:
    made = words["offline_made"].format(date=today.isoformat())
    if flow is not None:
        return (f"{words['version']} {flow.version}, {words['reviewed']} {flow.reviewed_on.isoformat()}, "
                f"{words['review_due']} {flow.review_due.isoformat()}. {made}")
    versions = "; ".join(f"{f.title}: {words['version'].lower()} {f.version}, {words['review_due']} "
                         f"{f.review_due.isoformat()}" for f in flows)
    return f"{made} {versions}."


def export_site(engine: Engine, folder: Path | str, *, training_notes: bool = True, today: date | None = None,
                exit_url: str = DEFAULT_EXIT_URL, include_drafts: bool = False) -> ExportResult:
    """Write the offline pack into ``folder`` (created; pages already there are replaced).

    Args:
        engine: an engine on the validated flows (in every language: the Welsh pages go in ``cy/``).
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
    for language in engine.languages:
        _Pack(engine.for_language(language), out, result, day, exit_url).write_all(training_notes, include_drafts)
    return result


class _Pack:
    """One language's pages of the offline pack."""

    def __init__(self, engine: Engine, out: Path, result: ExportResult, day: date, exit_url: str) -> None:
        self.engine, self.out, self.result, self.day, self.exit_url = engine, out, result, day, exit_url
        self.language = engine.language
        self.words = texts(self.language)
        self.folder = language_folder(self.language)
        flowset = engine.flowset
        emergency = next((flowset.signposts[s] for s in flowset.emergency_signposts if flowset.signposts[s].phone),
                         None)
        self.phone = emergency.phone if emergency is not None and emergency.phone else "999"
        self.other = engine.other_language

    def links(self, depth: int) -> _OfflineLinks:
        """Addresses from a page ``depth`` folders below this language's index."""
        up = "../" * depth
        root = "../" * (depth + self.folder.count("/"))
        return _OfflineLinks(home=f"{up}index.html", emergency=f"{up}emergency.html", exit=self.exit_url,
                             privacy=None, about=None, css=f"{root}assets/{CSS_NAME}", js=None,
                             emergency_phone=self.phone, emergency_tel=tel_href(self.phone))

    def switch(self, name: str, depth: int) -> dict[str, str] | None:
        """The link from page ``name`` to the same page in the other language."""
        if self.other is None:
            return None
        root = "../" * (depth + self.folder.count("/"))
        return {"href": f"{root}{language_folder(self.other)}{name}", "lang": self.other,
                "text": self.engine.ui("language_label")}

    def write(self, name: str, template: str, depth: int, **context: Any) -> None:
        """Render one page into this language's folder."""
        context.setdefault("back_href", None)
        context.setdefault("wide", False)
        html = render(template, links=self.links(depth), force=force_name(self.engine), csrf="", lang=self.language,
                      t=self.words, switch=self.switch(name, depth), **context)
        path = self.out / self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        self.result.files.append(path)

    def write_all(self, training_notes: bool, include_drafts: bool) -> None:
        """The index, the emergency page and every flow's pages."""
        engine, words, day = self.engine, self.words, self.day
        flows = [f for f in engine.flowset.flows.values() if f.status == "published" or include_drafts]
        guides = [{"id": f.id, "title": f.title, "description": f.description, "language": f.language}
                  for f in flows]
        self.write("index.html", "home.html", 0, title=f"{words['choose_guide']} - {words['service']}", roles=None,
                   guides=guides, intro=engine.ui("menu"), notice=None, error=None, change_role_href=None,
                   stamp=_stamp(None, flows, day, words), flow_href=lambda flow_id: f"{flow_id}/index.html")
        turn = engine.current(Session(channel="offline", emergency=True))
        signposts = [{"id": s.id, "name": s.name, "phone": s.phone, "tel": tel_href(s.phone) if s.phone else None,
                      "url": s.url, "how": s.how} for s in turn.signposts]
        self.write("emergency.html", "emergency.html", 0, title=f"{words['emergency_title']} - {words['service']}",
                   paragraphs=paragraphs(turn.text), signposts=signposts, return_href="index.html",
                   return_text=words["all_guides"], stamp=_stamp(None, flows, day, words))
        for flow in flows:
            self.write_flow(flow, _stamp(flow, flows, day, words), training_notes)

    def write_flow(self, flow: Flow, stamp: str, training_notes: bool) -> None:
        """A flow's start page and one page per step."""
        engine, words = self.engine, self.words
        start_href = f"{flow.start}.html"
        notice = engine.ui("not_translated") if flow.language != self.language else None
        self.write(f"{flow.id}/index.html", "start_offline.html", 1, title=f"{flow.title} - {words['service']}",
                   flow=flow, start_href=start_href, stamp=stamp, notice=notice)
        other = flow.language if flow.language != self.language else None
        for state in flow.states.values():
            session = Session(flow=flow.id, state=state.id, version=flow.version, channel="offline",
                              training=training_notes, language=self.language)
            turn: Turn = engine.current(session)
            view = step_view(engine, turn, training=training_notes, words=words)
            targets: dict[str, str] = {}
            checklist_links: list[dict[str, str]] = []
            if isinstance(state, Question):
                targets = {o.id: f"{o.next}.html" for o in state.options}
            elif isinstance(state, Info):
                targets = {CONTINUE: f"{state.next}.html"}
            elif isinstance(state, Checklist):
                checklist_links = [{"id": f"rule-{n}", "label": _rule_label(state, rule, words, other),
                                    "href": f"{rule.next}.html"} for n, rule in enumerate(state.rules, start=1)]
            offline = _Offline(flow.id, targets, checklist_links, restart=start_href,
                               checklist_intro=words["offline_checklist"])
            next_flows = [Choice(c.id, c.label) for c in view.next_flows]
            self.write(state_file(flow.id, state.id), "step.html", 1, title=view.title, step=view, radio_items=[],
                       view=None, show_why=training_notes, offline=offline, stamp=stamp, action="",
                       restart_action="", answers_href="", flow_href=lambda flow_id: f"../{flow_id}/index.html",
                       next_flows=next_flows)
