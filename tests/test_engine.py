"""Every engine operation, on the fixture flows (one flow per kind of state)."""

from __future__ import annotations

import pytest

from bot.engine import Engine, FlowEvent, Session
from bot.flows import load_flows


def walk(engine: Engine, session: Session, *choices: str) -> None:
    for choice in choices:
        assert engine.choose(session, choice).error is None, choice


def test_menu_lists_published_flows_for_everyone_and_drafts_for_trainers(demo_engine: Engine) -> None:
    public = demo_engine.new_session()
    assert [o.id for o in demo_engine.current(public).options] == ["demo"]
    trainer = demo_engine.new_session(role="trainer")
    assert [o.id for o in demo_engine.current(trainer).options] == ["demo", "other"]
    training = demo_engine.new_session(role="public", training=True)
    assert [o.id for o in demo_engine.current(training).options] == ["demo"]
    officer = demo_engine.new_session(role="officer")
    turn = demo_engine.current(officer)
    assert (turn.flow, turn.state, turn.kind, turn.outcome) == (None, "menu", "menu", None)


def test_start_and_choose_a_question_option(demo_engine: Engine) -> None:
    session = demo_engine.new_session()
    turn = demo_engine.start(session, "demo")
    assert (turn.flow, turn.state, turn.kind) == ("demo", "ask", "question")
    assert [(o.id, o.label) for o in turn.options] == [("yes", "Yes"), ("no", "No")]
    turn = demo_engine.choose(session, "yes")
    assert (turn.state, turn.kind, turn.outcome) == ("danger", "outcome", "danger")
    assert turn.text == "Call 999 now."
    assert [(s.id, s.phone) for s in turn.signposts] == [("police_emergency", "999")]
    assert [o.id for o in turn.options] == ["other"]


def test_choosing_from_the_menu_starts_the_flow(demo_engine: Engine) -> None:
    session = demo_engine.new_session()
    assert demo_engine.choose(session, "demo").state == "ask"


def test_checklist_toggles_items_and_rules_pick_next(demo_engine: Engine) -> None:
    session = demo_engine.new_session()
    demo_engine.start(session, "demo")
    turn = demo_engine.choose(session, "no")
    assert (turn.kind, turn.selected) == ("checklist", ())
    assert [o.id for o in turn.options] == ["bruises", "no_id", "scared", "done"]
    assert demo_engine.choose(session, "no_id").selected == ("no_id",)
    assert demo_engine.choose(session, "scared").selected == ("no_id", "scared")
    assert demo_engine.choose(session, "scared").selected == ("no_id",)
    assert demo_engine.choose(session, "done").state == "quiet"


@pytest.mark.parametrize(
    ("ticks", "expected"),
    [((), "quiet"), (("bruises",), "urgent"), (("no_id", "scared"), "note"), (("scared",), "quiet")],
)
def test_checklist_rules_in_order(demo_engine: Engine, ticks: tuple[str, ...], expected: str) -> None:
    session = demo_engine.new_session()
    demo_engine.start(session, "demo")
    walk(demo_engine, session, "no", *ticks)
    assert demo_engine.choose(session, "done").state == expected


def test_info_continue_and_next_flow(demo_engine: Engine) -> None:
    session = demo_engine.new_session()
    demo_engine.start(session, "demo")
    walk(demo_engine, session, "no", "no_id", "scared", "done")
    turn = demo_engine.current(session)
    assert (turn.kind, [(o.id, o.label) for o in turn.options]) == ("info", [("continue", "Continue")])
    turn = demo_engine.choose(session, "continue")
    assert (turn.outcome, turn.text) == ("report", "Call Crimestoppers (anonymous) on 0800 555 111.")
    outcome = demo_engine.start(session, "other")
    assert outcome.options[0].label == "Got it"


def test_back_undoes_one_step_at_a_time_to_the_start(demo_engine: Engine) -> None:
    session = demo_engine.new_session()
    demo_engine.start(session, "demo")
    walk(demo_engine, session, "no", "no_id", "scared", "done", "continue")
    assert demo_engine.back(session).state == "note"
    turn = demo_engine.back(session)
    assert (turn.state, turn.selected) == ("signs", ("no_id", "scared"))
    assert demo_engine.back(session).state == "ask"
    assert demo_engine.back(session).state == "ask"
    assert session.history == []


def test_emergency_then_back_returns_to_the_exact_step(demo_engine: Engine) -> None:
    session = demo_engine.new_session()
    demo_engine.start(session, "demo")
    walk(demo_engine, session, "no", "bruises")
    turn = demo_engine.emergency(session)
    assert (turn.state, turn.kind, turn.flow) == ("emergency", "emergency", "demo")
    assert "999" in turn.text
    assert turn.signposts[0].id == "police_emergency"
    assert [o.id for o in turn.options] == ["back"]
    assert demo_engine.choose(session, "bruises").error is not None
    turn = demo_engine.back(session)
    assert (turn.state, turn.selected) == ("signs", ("bruises",))


def test_emergency_from_the_menu_and_back(demo_engine: Engine) -> None:
    session = demo_engine.new_session()
    assert demo_engine.emergency(session).state == "emergency"
    assert demo_engine.back(session).state == "menu"


def test_restart_and_menu(demo_engine: Engine) -> None:
    session = demo_engine.new_session()
    demo_engine.start(session, "demo")
    walk(demo_engine, session, "no", "bruises")
    turn = demo_engine.restart(session)
    assert (turn.state, session.history, session.selected) == ("ask", [], [])
    assert demo_engine.menu(session).state == "menu"
    assert session.flow is None
    assert demo_engine.restart(session).state == "menu"


def test_invalid_choices_repeat_the_step_with_an_error(demo_engine: Engine) -> None:
    session = demo_engine.new_session()
    demo_engine.start(session, "demo")
    turn = demo_engine.choose(session, "maybe")
    assert (turn.state, turn.error) == ("ask", demo_engine.ui("not_understood"))
    assert [o.id for o in turn.options] == ["yes", "no"]
    walk(demo_engine, session, "yes")
    assert demo_engine.choose(session, "no").error is not None
    assert demo_engine.choose(session, "nope").error is not None
    assert demo_engine.start(session, "missing").error is not None


@pytest.mark.parametrize(
    ("line", "state"),
    [("2", "signs"), ("No", "signs"), ("no", "signs"), ("  nO  ", "signs"), ("1", "danger"),
     ("Yes", "danger"), ("EMERGENCY", "emergency"), ("999", "emergency"), ("help me", "emergency")],
)
def test_typed_input(demo_engine: Engine, line: str, state: str) -> None:
    session = demo_engine.new_session()
    demo_engine.start(session, "demo")
    assert demo_engine.handle_text(session, line).state == state


@pytest.mark.parametrize("line", ["", "0", "3", "-1", "1.0", "١", "\x00", "yes please", "x" * 100_000, "\u202eno"])
def test_typed_nonsense_gets_an_error_and_the_same_options(demo_engine: Engine, line: str) -> None:
    session = demo_engine.new_session()
    demo_engine.start(session, "demo")
    turn = demo_engine.handle_text(session, line)
    assert (turn.state, turn.error is not None, [o.id for o in turn.options]) == ("ask", True, ["yes", "no"])


def test_training_mode_shows_why_and_source(demo_engine: Engine) -> None:
    session = demo_engine.new_session(training=True)
    turn = demo_engine.start(session, "demo")
    assert turn.text == "Is anyone in danger?\n\nWhy: Safety first. (Source: A source)"
    plain = demo_engine.start(demo_engine.new_session(), "demo")
    assert plain.text == "Is anyone in danger?"


def test_review_notes_are_shown_only_in_training_mode(demo_engine: Engine) -> None:
    session = demo_engine.new_session()
    demo_engine.start(session, "demo")
    assert demo_engine.choose(session, "no").text == "Tick what you have seen."
    training = demo_engine.new_session(training=True)
    demo_engine.start(training, "demo")
    text = demo_engine.choose(training, "no").text
    assert text == "Tick what you have seen.\n\nCheck before relying on this: This list is not complete."


def test_events_describe_runs_without_identifying_anyone(demo_dir: object) -> None:
    events: list[FlowEvent] = []
    engine = Engine(load_flows(demo_dir), [events.append])  # type: ignore[arg-type]
    session = engine.new_session(channel="test", role="officer")
    engine.start(session, "demo")
    walk(engine, session, "no")
    engine.emergency(session)
    engine.back(session)
    engine.back(session)
    engine.restart(session)
    walk(engine, session, "yes")
    engine.menu(session)
    kinds = [(e.kind, e.state, e.step, e.outcome) for e in events]
    assert kinds == [
        ("started", "ask", 1, None), ("step", "ask", 1, None), ("step", "signs", 2, None),
        ("emergency", "signs", 2, None), ("back", "ask", 2, None), ("restart", "ask", 2, None),
        ("step", "ask", 3, None), ("step", "danger", 4, None), ("outcome", "danger", 4, "danger"),
    ]
    assert {e.run_id for e in events} == {session.run_id}
    assert all((e.channel, e.role, e.flow, e.version, e.training) == ("test", "officer", "demo", "1", False)
               for e in events)


def test_leaving_a_flow_unfinished_is_recorded_as_abandoned(demo_dir: object) -> None:
    events: list[FlowEvent] = []
    engine = Engine(load_flows(demo_dir), [events.append])  # type: ignore[arg-type]
    session = engine.new_session()
    engine.start(session, "demo")
    first_run = session.run_id
    engine.start(session, "other")
    engine.abandon(session)
    engine.abandon(session)
    abandoned = [(e.run_id == first_run, e.flow, e.state) for e in events if e.kind == "abandoned"]
    assert abandoned == [(True, "demo", "ask"), (False, "other", "only")]
    assert session.run_id != first_run


def test_a_failing_listener_never_breaks_guidance(demo_dir: object, caplog: pytest.LogCaptureFixture) -> None:
    def broken(event: FlowEvent) -> None:
        raise OSError("disk full")

    engine = Engine(load_flows(demo_dir), [broken])  # type: ignore[arg-type]
    session = engine.new_session()
    engine.start(session, "demo")
    assert engine.choose(session, "yes").outcome == "danger"
    assert len([r for r in caplog.records if "listener failed" in r.getMessage()]) == 1


def test_sessions_round_trip_through_json(demo_engine: Engine) -> None:
    import json

    session = demo_engine.new_session(role="partner", training=True)
    demo_engine.start(session, "demo")
    walk(demo_engine, session, "no", "scared")
    demo_engine.emergency(session)
    restored = Session.from_dict(json.loads(json.dumps(session.to_dict())))
    assert restored == session
    assert demo_engine.back(restored).selected == ("scared",)


def test_resume_restarts_when_the_state_no_longer_exists(demo_dir: object) -> None:
    import pathlib

    folder = pathlib.Path(str(demo_dir))
    engine = Engine(load_flows(folder))
    session = engine.new_session()
    engine.start(session, "demo")
    walk(engine, session, "no")
    text = (folder / "demo.yaml").read_text()
    text = text.replace('version: "1"', 'version: "2"').replace("id: signs", "id: signs_v2")
    text = text.replace("next: signs", "next: signs_v2")
    (folder / "demo.yaml").write_text(text)
    updated = Engine(load_flows(folder))
    turn = updated.resume(session)
    assert (turn.state, turn.notice, session.version) == ("ask", updated.ui("flow_changed"), "2")


def test_resume_keeps_the_place_when_the_state_still_exists(demo_dir: object) -> None:
    import pathlib

    folder = pathlib.Path(str(demo_dir))
    engine = Engine(load_flows(folder))
    session = engine.new_session()
    engine.start(session, "demo")
    walk(engine, session, "no")
    (folder / "demo.yaml").write_text((folder / "demo.yaml").read_text().replace('version: "1"', 'version: "2"'))
    turn = Engine(load_flows(folder)).resume(session)
    assert (turn.state, turn.notice, session.version) == ("signs", None, "2")


def test_resume_of_a_deleted_flow_goes_to_the_menu(demo_dir: object) -> None:
    import pathlib

    folder = pathlib.Path(str(demo_dir))
    engine = Engine(load_flows(folder))
    session = engine.new_session(role="trainer")
    engine.start(session, "other")
    (folder / "other.yaml").unlink()
    (folder / "demo.yaml").write_text((folder / "demo.yaml").read_text().replace("next_flows: [other]", ""))
    turn = Engine(load_flows(folder)).resume(session)
    assert (turn.state, turn.notice is not None) == ("menu", True)


def test_one_machine_per_flow_and_no_models_attached(demo_engine: Engine) -> None:
    machines = demo_engine._machines
    assert sorted(machines) == ["demo", "other"]
    for _ in range(50):
        session = demo_engine.new_session()
        demo_engine.start(session, "demo")
        demo_engine.choose(session, "no")
    assert all(machine.models == [] for machine in machines.values())
