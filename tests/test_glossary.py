"""The glossary in the engine (issue 13): each turn carries the terms its step uses; a force's
profile shows its own contacts; review notes only in training mode."""

from __future__ import annotations

from pathlib import Path

from bot.engine import Engine, TurnTerm
from bot.flows import load_flows
from bot.flows.glossary import Glossary, Term
from tests.conftest import PROFILE

NRM = TurnTerm("NRM", "National Referral Mechanism", "The framework for identifying potential victims.")
UK = TurnTerm("UK", "United Kingdom", "England, Wales, Scotland and Northern Ireland.")
HSC = TurnTerm("HSC Trust", "Health and Social Care Trust", "Runs children's social services in Northern Ireland.")
CHILDRENS = TurnTerm("children's services", None, "The council team that keeps children safe.")


def test_turns_carry_their_terms_in_order_of_first_use(nation_dir: Path) -> None:
    engine = Engine(load_flows(nation_dir))
    session = engine.new_session()
    assert engine.start(session, "where").terms == ()
    assert engine.choose(session, "child").terms == (UK,)
    outcome = engine.choose(session, "wales")
    assert outcome.terms == (CHILDRENS, NRM), "'children's services' comes first in the text"
    assert outcome.protocol()["terms"] == [
        {"term": "children's services", "meaning": None, "definition": CHILDRENS.definition},
        {"term": "NRM", "meaning": "National Referral Mechanism", "definition": NRM.definition},
    ]
    engine.back(session)
    engine.choose(session, "northern_ireland")
    assert engine.current(session).terms == (HSC,)
    assert engine.menu(session).terms == ()
    assert engine.emergency(session).terms == ()


def test_no_glossary_means_no_terms(demo_engine: Engine) -> None:
    session = demo_engine.new_session()
    assert demo_engine.start(session, "demo").terms == ()
    assert demo_engine.start(session, "demo").protocol()["terms"] == []


def test_matching_is_whole_word_case_sensitive_and_capitalises_lower_case_terms() -> None:
    glossary = Glossary((
        Term("NRM", "d", "https://a.example", "National Referral Mechanism", ("NRMs",)),
        Term("first responder", "d", "https://a.example"),
        Term("HSC Trust", "d", "https://a.example", "Health and Social Care Trust"),
    ))
    found = glossary.terms_in(["First responder: make NRMs, not nrm or NRMX. First responders too."])
    assert [t.term for t in found] == ["first responder", "NRM"]
    assert glossary.undefined("The HSC Trust, not the HSC, nor the GP or OK or IV.") == ["HSC", "GP"]
    assert glossary.lookup(" nrms ") is glossary.terms[0]
    assert glossary.lookup("hsc  trust") is glossary.terms[2]
    assert glossary.lookup("GP") is None


def test_the_profile_replaces_directory_contacts_per_area(nation_dir: Path) -> None:
    engine = Engine(load_flows(nation_dir, local=PROFILE))
    session = engine.new_session()
    session.facts["nation"] = "england"
    engine.start(session, "where")
    turn = engine.choose(session, "child")
    assert turn.outcome == "ew"
    assert [(s.id, s.name, s.phone, s.url) for s in turn.signposts] == [
        ("childrens_services", "Local authority children's services: Testville Council", "01632 960110", None),
        ("childrens_services", "Local authority children's services: Otherton Council", "01632 960120",
         "https://www.otherton.example/children"),
        ("police_non_emergency", "Test Constabulary non-emergency line", "01632 960101", None),
    ]
    assert engine.ui("emergency_label").endswith("999")


def test_review_notes_only_in_training_mode(nation_dir: Path) -> None:
    engine = Engine(load_flows(nation_dir))
    plain = engine.new_session()
    engine.start(plain, "nation_first")
    engine.choose(plain, "wales")
    done = engine.choose(plain, "continue")
    assert [s.review_note for s in done.signposts] == [None]
    training = engine.new_session(training=True)
    training.facts["nation"] = "wales"
    engine.start(training, "nation_first")
    done = engine.choose(training, "continue")
    assert [s.review_note for s in done.signposts] == ["The team's name differs between councils."]
