"""Issue 13 through the real bot and the fake Bot API: /help and /about as one short message
each (sources behind buttons), /glossary and the step's "What do these words mean?" button,
the UK nation asked once per conversation (and forgotten on /exit), and a force's profile."""

from __future__ import annotations

import shutil
from pathlib import Path

from botapi import FakeBotApi, FakeUser
from tgkit import FLOWS, SHIPPED, BotProcess, keyboard, labels, press, send, tap

from bot.channels.glossary import terms_text
from bot.channels.telegram.render import glossary_callback
from bot.engine import Engine
from bot.flows import load_flows

NATIONS = Path(__file__).resolve().parents[1] / "fixtures" / "nations"
PROFILE = Path(__file__).resolve().parents[1] / "fixtures" / "local.yaml"
ENGINE = Engine(SHIPPED)


def ui(key: str) -> str:
    """An interface text as users see it."""
    return ENGINE.ui(key)


def test_help_is_one_short_message_without_review_dates(user: FakeUser) -> None:
    send(user, "/help")
    text = user.last().text
    assert text == ui("help")
    assert len(text) <= 1500
    for flow in SHIPPED.flows.values():
        assert flow.review_due.isoformat() not in text


def test_about_is_one_message_with_sources_behind_buttons(user: FakeUser) -> None:
    send(user, f"/start {sorted(SHIPPED.flows)[0]}")
    step = keyboard(user)
    send(user, "/about")
    about = user.last()
    assert len(about.text) <= 1500
    assert about.text.startswith(ui("about")[:60])
    for flow in SHIPPED.flows.values():
        assert f"{flow.title}: reviewed {flow.reviewed_on.isoformat()}, review due {flow.review_due.isoformat()}" \
            in about.text
        assert flow.owner in about.text
        for source in flow.sources:
            assert source.url not in about.text, "sources sit behind the buttons"
    assert len(labels(about)) == len(SHIPPED.flows)
    flow = list(SHIPPED.flows.values())[-1]
    tap(user, labels(about)[-1], message=about)
    sources = user.last().text
    assert sources.startswith(f"{flow.title}:")
    for source in flow.sources:
        assert source.url in sources
    now = next(m for m in user.messages if m.message_id == step.message_id)
    assert (now.deleted, labels(now), now.text) == (False, labels(step), step.text), "the step keeps its keyboard"
    tap(user, labels(step)[0], message=now)
    assert ui("stale") not in user.last().text, "and its buttons still work"


def test_glossary_lists_terms_and_defines_one(user: FakeUser) -> None:
    glossary = SHIPPED.glossary
    assert glossary is not None, "flows/glossary.yaml is shipped"
    send(user, "/glossary")
    listed = "\n".join(user.transcript()[-1:])
    assert listed.startswith(ui("glossary"))
    for term in glossary.terms[:5]:
        assert f"• {term.term}" in listed
    nrm = glossary.lookup("NRM")
    assert nrm is not None
    send(user, "/glossary nrm")
    assert user.last().text == f"NRM ({nrm.meaning}): {nrm.definition}"
    send(user, "/glossary no such word")
    assert user.last().text == ui("glossary_unknown")


def _step_with_terms() -> tuple[str, str]:
    """A flow whose first step uses glossary terms: (flow id, state id)."""
    for flow in SHIPPED.flows.values():
        turn = ENGINE.start(ENGINE.new_session(), flow.id)
        if turn.terms:
            return flow.id, turn.state
    raise AssertionError("no shipped flow's first step uses a glossary term")


def test_the_words_button_answers_with_the_steps_terms_only(user: FakeUser) -> None:
    flow_id, _state = _step_with_terms()
    send(user, f"/start {flow_id}")
    step = keyboard(user)
    assert ui("glossary_label") in labels(step)
    turn = ENGINE.start(ENGINE.new_session(), flow_id)
    tap(user, ui("glossary_label"))
    assert user.last().text == terms_text(turn.terms)
    assert keyboard(user).message_id == step.message_id, "the step is not changed"
    assert keyboard(user).text == step.text
    press(user, glossary_callback("not_this_state"))
    assert ui("stale") in keyboard(user).text


def _nation_bot(api: FakeBotApi, tmp_path: Path, env: dict[str, str] | None = None) -> BotProcess:
    flows = tmp_path / "flows"
    flows.mkdir()
    shutil.copy(FLOWS / "ui.yaml", flows / "ui.yaml")
    for path in NATIONS.glob("*.yaml"):
        shutil.copy(path, flows / path.name)
    return BotProcess(api, tmp_path, flows=flows, env=env).start()


def test_the_nation_is_asked_once_and_review_notes_are_for_training(api: FakeBotApi, tmp_path: Path) -> None:
    """The nation is asked once per conversation (forgotten on /exit); review notes show only in
    training mode."""
    bot = _nation_bot(api, tmp_path)
    user = api.user(8_300_001, first_name="Nia")
    send(user, "/start where")
    tap(user, "A child")
    assert "Which UK nation" in keyboard(user).text
    tap(user, "Wales")
    assert "In England and Wales" in keyboard(user).text
    send(user, "/start nation_first")
    assert keyboard(user).text.startswith("Read this"), "asked already: skipped"
    tap(user, ui("back_label"))
    assert keyboard(user).text.startswith("Read this"), "Back goes past the skipped question: nothing before it"
    tap(user, "Continue")
    note = "The team's name differs between councils."
    assert keyboard(user).text.startswith("Done.")
    assert note not in keyboard(user).text, "review notes are not for ordinary users"
    send(user, "/train", new=2)
    assert note in keyboard(user).text, "training mode shows them"
    send(user, "/exit")
    send(user, "/start nation_first")
    assert "Which UK nation" in keyboard(user).text, "a new conversation asks again"
    assert bot.stop() == 0


def test_a_forces_profile_sets_the_nation_and_shows_its_contacts(api: FakeBotApi, tmp_path: Path) -> None:
    bot = _nation_bot(api, tmp_path, env={"REFERRAL_BOT_LOCAL": str(PROFILE)})
    user = api.user(8_300_002, first_name="Ewan")
    send(user, "/start where")
    tap(user, "A child")
    outcome = keyboard(user).text
    assert outcome.startswith("In Scotland"), "the profile's nation is scotland"
    assert "Test Constabulary non-emergency line: 01632 960101" in outcome
    send(user, "/about")
    engine = Engine(load_flows(tmp_path / "flows", local=PROFILE))
    assert f"{engine.ui('local_force')} Test Constabulary" in user.last().text
    assert bot.stop() == 0
