"""Issue 13 on the web: a step's glossary terms expanded in place, review notes only in
training mode, and the force named by its local profile."""

from __future__ import annotations

import html
import re
from pathlib import Path

from starlette.testclient import TestClient

from bot.engine import Engine, Session
from bot.flows import Flow, FlowSet, load_flows
from tests.conftest import FLOWS
from tests.web.conftest import make_site
from tests.web.paths import Answer, paths
from tests.web.webkit import Page, WebUser

EXAMPLE = FLOWS / "local" / "example.yaml"


def text_of(page: Page) -> str:
    """The page's words, as a reader sees them (tags gone, entities decoded, spaces collapsed)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.html)).split())


def reach(web: WebUser, flow: Flow, answers: list[Answer], *, train: bool = False) -> Page:
    """Start ``flow`` and give ``answers`` (as the forms would), in the trainer view if ``train``."""
    view = [("view", "train")] if train else []
    if train:
        web.get(f"/train/{flow.id}")
    elif web.csrf is None:
        web.get(f"/flows/{flow.id}")
    page = web.post(f"/flows/{flow.id}", [("csrf", web.csrf or ""), ("continue", "start"), *view])
    for answer in answers:
        name = "answer" if answer.kind == "question" else "items"
        data = [("csrf", web.csrf or ""), ("continue", "continue"), *view, *((name, v) for v in answer.values)]
        page = web.post(f"/flows/{flow.id}/{answer.state}", data)
    return page


def test_a_step_s_glossary_terms_are_expanded_in_place(client: TestClient, flowset: FlowSet) -> None:
    engine = Engine(flowset)
    checked = 0
    for flow in flowset.flows.values():
        routes = paths(flow)
        for state in flow.states.values():
            turn = engine.current(Session(flow=flow.id, state=state.id, version=flow.version, channel="web"))
            if not turn.terms or state.id not in routes:
                continue
            page = reach(WebUser(client), flow, routes[state.id])
            assert page.state == state.id, (flow.id, state.id)
            details = re.findall(r'<details class="govuk-details"[^>]*>(.*?)</details>', page.html, re.S)
            shown = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", d)).split()) for d in details]
            for term in turn.terms:
                label = f"{term.term} ({term.meaning})" if term.meaning else term.term
                definition = " ".join(term.definition.split())
                assert any(label in d and definition in d for d in shown), (flow.id, state.id, term.term)
            checked += 1
            if checked >= 6:  # enough steps to cover each kind of term; the browser test checks axe on all
                return
    assert checked > 0, "no step uses a glossary term"


def test_review_notes_are_shown_only_in_training_mode(client: TestClient, flowset: FlowSet) -> None:
    flagged = [(flow, state) for flow in flowset.flows.values() for state in flow.states.values()
               if state.review_note and state.id in paths(flow)]
    assert flagged, "no step has a review note"
    for flow, state in flagged[:3]:
        assert state.review_note is not None
        note = " ".join(state.review_note.split())
        answers = paths(flow)[state.id]
        public = reach(WebUser(client), flow, answers)
        assert public.state == state.id
        assert note not in text_of(public), (flow.id, state.id)
        trainer = reach(WebUser(client), flow, answers, train=True)
        assert (trainer.state, trainer.main.get("data-view")) == (state.id, "train")
        assert note in text_of(trainer), (flow.id, state.id)


def test_the_force_s_name_from_its_local_profile_is_beside_the_service_name(tmp_path: Path) -> None:
    site = make_site(load_flows(FLOWS, local=EXAMPLE), tmp_path)
    try:
        with site.client() as client:
            page = WebUser(client).get("/")
        assert page.status == 200
        assert "Referral Guide - Example Constabulary" in text_of(page)
    finally:
        site.recorder.close()


def test_without_a_local_profile_no_force_is_named(client: TestClient) -> None:
    page = WebUser(client).get("/")
    assert page.status == 200
    assert "Constabulary" not in text_of(page)
