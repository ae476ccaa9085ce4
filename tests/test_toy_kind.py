"""A state kind defined only here goes through validate, the engine, the terminal channel,
the diagram and the handbook: adding a kind is one module (docs/kinds.md)."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bot.channels import shipped_limits
from bot.channels.terminal import format_turn, run_human, run_json
from bot.diagrams import diagram_mermaid
from bot.engine import Engine, FlowEvent
from bot.flows import Common, Flow, Mark, Problem, Signpost, State, load_flows, registered, validate_paths
from bot.flows.model import Action
from bot.flows.reader import Reader
from bot.handbook.flow_page import leads
from tests.conftest import FLOWS

TODAY = date(2026, 11, 29)


@dataclass(frozen=True, slots=True)
class Confirm(State):
    """A yes-or-no step: ``yes:`` and ``no:`` name the next states."""

    yes: str = ""
    no: str = ""
    yes_label: str = "Yes"

    kind: ClassVar[str] = "confirm"
    REQUIRED: ClassVar[tuple[str, ...]] = ("yes", "no")
    OPTIONAL: ClassVar[tuple[str, ...]] = ("yes_label",)

    @classmethod
    def build(cls, reader: Reader, fields: dict[str, Any], common: Common) -> State | None:
        yes = reader.identifier(fields.get("yes"), "the yes state")
        no = reader.identifier(fields.get("no"), "the no state")
        label = reader.text(fields.get("yes_label"), "yes_label") or "Yes"
        if yes is None or no is None:
            return None
        return cls(common.id, common.text, common.mark, common.why, common.review_note, yes, no, label)

    def check(self, flow: Flow, signposts: dict[str, Signpost], flow_ids: set[str]) -> list[Problem]:
        if self.yes == self.no:
            return [Problem(self.mark, f"confirm '{self.id}' goes to '{self.yes}' either way.",
                            "send yes and no to different states, or use an info step.")]
        return []

    def edges(self) -> Iterable[tuple[str, Mark, str]]:
        return [(self.yes, self.mark, f"yes of '{self.id}'"), (self.no, self.mark, f"no of '{self.id}'")]

    def buttons(self) -> Iterable[tuple[str, str, Mark]]:
        return [("yes", self.yes_label, self.mark), ("no", "No", self.mark)]

    def respond(self, option_id: str) -> Action | None:
        return "move" if option_id in ("yes", "no") else None

    def transitions(self, *, with_conditions: bool = True) -> list[dict[str, Any]]:
        return [{"trigger": "yes", "source": self.id, "dest": self.yes},
                {"trigger": "no", "source": self.id, "dest": self.no}]


FLOW = """\
id: toy
title: Toy
version: "1"
status: published
audience: [public]
owner: Owner
reviewed_on: 2026-01-01
review_due: 2099-01-01
sources:
  - {id: S1, title: Src, url: "https://example.org"}
start: sure
states:
  - id: sure
    kind: confirm
    text: Is anyone hurt?
    yes: call
    no: report
  - id: call
    kind: outcome
    text: Call now.
    signposts: [police_emergency]
  - id: report
    kind: outcome
    text: Report it.
    signposts: [crimestoppers]
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A flows folder holding the toy flow, with the kind registered for the test only."""
    for name in ("signposts.yaml", "ui.yaml"):
        shutil.copy(FLOWS / name, tmp_path / name)
    (tmp_path / "toy.yaml").write_text(FLOW, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with registered(Confirm):
        yield tmp_path


def problems(folder: Path, text: str) -> list[str]:
    (folder / "toy.yaml").write_text(text, encoding="utf-8")
    return [str(p) for p in validate_paths([Path(".")], today=TODAY, limits=shipped_limits())]


def test_the_toy_kind_validates_with_common_kind_and_channel_rules(folder: Path) -> None:
    assert problems(folder, FLOW) == []
    assert problems(folder, FLOW.replace("yes: call", "yes: cal")) == [
        "toy.yaml:13:5: error: yes of 'sure' goes to unknown state 'cal'. "
        "Fix: use one of the state ids in this file: call, report, sure.",
        "toy.yaml:18:5: error: state 'call' cannot be reached from 'sure'. Fix: lead an option to it, or delete it.",
    ]
    either_way = FLOW.split("  - id: report")[0].replace("no: report", "no: call")
    assert problems(folder, either_way) == [
        "toy.yaml:13:5: error: confirm 'sure' goes to 'call' either way. "
        "Fix: send yes and no to different states, or use an info step."]
    long = "Y" * 70
    assert problems(folder, FLOW.replace("    no: report\n", f"    no: report\n    yes_label: {long}\n")) == [
        "toy.yaml:13:5: error: the label of 'yes' is 70 characters; Telegram shows at most 64. "
        "Fix: shorten it to 64 characters or fewer."]
    assert problems(folder, FLOW.replace("    yes: call\n", "")) == [
        "toy.yaml:13:5: error: confirm state is missing the required field 'yes'. "
        "Fix: add 'yes: ...' to confirm state."]


def test_the_toy_kind_runs_in_the_engine_and_the_terminal(folder: Path) -> None:
    flowset = load_flows(folder, today=TODAY)
    events: list[FlowEvent] = []
    engine = Engine(flowset, listeners=[events.append])
    out = io.StringIO()
    run_json(engine, engine.new_session(), "toy", ["maybe", "1"], out)
    turns = [json.loads(line) for line in out.getvalue().splitlines()]
    assert turns[0] == {"flow": "toy", "state": "sure", "text": "Is anyone hurt?",
                        "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}],
                        "signposts": [], "outcome": None, "terms": []}
    assert turns[1]["error"] == engine.ui("not_understood")
    assert (turns[2]["state"], turns[2]["outcome"]) == ("call", "call")
    assert [e.kind for e in events] == ["started", "step", "step", "outcome"]

    session = engine.new_session()
    engine.start(session, "toy")
    assert engine.back(session).state == "sure"
    assert engine.handle_text(session, "No").outcome == "report"
    assert engine.back(session).state == "sure", "back undoes a toy step like any other"

    people = io.StringIO()
    run_human(engine, engine.new_session(), "toy", ["2", "quit"], people, prompt=False)
    assert "Is anyone hurt?\n\n  1. Yes\n  2. No" in people.getvalue()
    assert format_turn(engine.current(session)) == "Is anyone hurt?\n\n  1. Yes\n  2. No"


def test_the_toy_kind_is_drawn_and_described_without_code_of_its_own(folder: Path) -> None:
    flow = load_flows(folder, today=TODAY).flows["toy"]
    mermaid = diagram_mermaid(flow)
    assert "sure --> call: Yes" in mermaid
    assert "sure --> report: No" in mermaid
    assert "sure (confirm, start)" in mermaid
    html = leads(flow.states["sure"], load_flows(folder, today=TODAY))
    assert "<td>Yes</td><td><code>yes</code></td>" in html
    assert "#state-call" in html


def test_an_unregistered_kind_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("signposts.yaml", "ui.yaml"):
        shutil.copy(FLOWS / name, tmp_path / name)
    (tmp_path / "toy.yaml").write_text(FLOW, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    found = [str(p) for p in validate_paths([Path(".")], today=TODAY)]
    assert found == ["toy.yaml:14:11: error: unknown state kind 'confirm'. "
                     "Fix: use one of question, checklist, info, outcome."]
