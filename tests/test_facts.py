"""Remembered answers (issue 13): a ``remember: nation`` question is asked at most once per
conversation, Back jumps over a skipped question, and a force's profile sets the nation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Engine, FlowEvent, Session
from bot.flows import load_flows
from tests.conftest import PROFILE


@pytest.fixture
def engine(nation_dir: Path) -> Engine:
    return Engine(load_flows(nation_dir))


def test_the_answer_is_remembered_and_the_question_skipped_in_another_flow(engine: Engine) -> None:
    session = engine.new_session()
    engine.start(session, "where")
    assert engine.choose(session, "child").state == "nation"
    turn = engine.choose(session, "wales")
    assert (turn.state, session.facts) == ("ew", {"nation": "wales"})
    turn = engine.start(session, "nation_first")
    assert (turn.state, turn.kind) == ("checks", "info"), "the first state asked the nation: skipped"
    assert session.history == [("nation", ("=",))]


def test_skipped_question_inside_a_flow_and_back_jumps_over_it(engine: Engine) -> None:
    session = engine.new_session()
    session.facts["nation"] = "northern_ireland"
    engine.start(session, "where")
    turn = engine.choose(session, "adult")
    assert (turn.state, turn.outcome) == ("ni", "ni"), "the nation question was skipped"
    assert engine.back(session).state == "first", "Back went past the skipped question"
    assert session.history == []


def test_back_at_a_skipped_first_question_stays_put(engine: Engine) -> None:
    session = engine.new_session()
    session.facts["nation"] = "england"
    assert engine.start(session, "nation_first").state == "checks"
    turn = engine.back(session)
    assert (turn.state, turn.error) == ("checks", None)
    assert session.history == [("nation", ("=",))]
    assert engine.choose(session, "continue").outcome == "done"


def test_a_question_answered_in_this_flow_can_be_changed_with_back(engine: Engine) -> None:
    session = engine.new_session()
    engine.start(session, "where")
    engine.choose(session, "child")
    engine.choose(session, "scotland")
    turn = engine.back(session)
    assert turn.state == "nation", "answered, not skipped: Back shows it again"
    assert engine.choose(session, "england").state == "ew"
    assert session.facts == {"nation": "england"}


def test_restart_and_menu_keep_facts_and_a_new_session_has_none(engine: Engine) -> None:
    session = engine.new_session()
    engine.start(session, "nation_first")
    engine.choose(session, "scotland")
    engine.restart(session)
    assert session.state == "checks"
    engine.menu(session)
    assert engine.start(session, "where").state == "first"
    assert engine.choose(session, "adult").state == "scot"
    assert session.facts == {"nation": "scotland"}
    fresh = engine.new_session()
    assert fresh.facts == {}
    assert engine.start(fresh, "nation_first").state == "nation"


def test_facts_survive_storage(engine: Engine) -> None:
    session = engine.new_session()
    engine.start(session, "nation_first")
    engine.choose(session, "wales")
    again = Session.from_dict(session.to_dict())
    assert again.facts == {"nation": "wales"}
    assert again.history == [("nation", ())]
    assert Session.from_dict({k: v for k, v in session.to_dict().items() if k != "facts"}).facts == {}


def test_a_skipped_question_counts_no_step(nation_dir: Path) -> None:
    events: list[FlowEvent] = []
    engine = Engine(load_flows(nation_dir), [events.append])
    session = engine.new_session(channel="test")
    session.facts["nation"] = "wales"
    engine.start(session, "nation_first")
    assert [(e.kind, e.state) for e in events] == [("started", "nation"), ("step", "checks")]


def test_the_profile_sets_the_nation_for_every_new_session(nation_dir: Path) -> None:
    engine = Engine(load_flows(nation_dir, local=PROFILE))
    session = engine.new_session()
    assert session.facts == {"nation": "scotland"}
    engine.start(session, "where")
    assert engine.choose(session, "child").state == "scot"
