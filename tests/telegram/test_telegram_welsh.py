"""Issue 15 through the real bot and the fake Bot API: /start offers English or Cymraeg (a Welsh
Telegram app starts in Welsh), /iaith and /language and every step's language button keep the
place, the command menu in both languages, Welsh emergency words first, /about and training
mode on an unreviewed translation, and the language kept across a restart.

The flows are a copy of the shipped ones offered in Welsh (see ``welsh.py``); the texts expected
are read from the same files, so these tests hold when the reviewed Welsh lands.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from botapi import BotMessage, FakeBotApi, FakeUser
from tgkit import BotProcess, checked_api, keyboard, labels, press, send, tap
from welsh import BILINGUAL_FLOW, welsh_engine, welsh_flows

from bot.channels.telegram.app import COMMANDS
from bot.channels.telegram.language import EMERGENCY_TEXT, emergency_language
from bot.channels.telegram.render import language_callback
from bot.channels.telegram.words import about_message
from bot.engine import Engine
from bot.flows.text import expand

_ids = itertools.count(8_600_001)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The flows in English and Welsh."""
    return welsh_flows(tmp_path_factory.mktemp("welsh-flows"))


@pytest.fixture(scope="module")
def engine(folder: Path) -> Engine:
    """The engine the bot builds from the same folder."""
    return welsh_engine(folder)


@pytest.fixture(scope="module")
def welsh_api() -> Iterator[FakeBotApi]:
    """A fake Bot API for this module's bot."""
    yield from checked_api()


@pytest.fixture(scope="module")
def welsh_bot(welsh_api: FakeBotApi, folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    """``referral-bot run`` on the bilingual flows, for the whole module."""
    bot = BotProcess(welsh_api, tmp_path_factory.mktemp("welsh-bot"), flows=folder).start()
    yield bot
    assert bot.stop() == 0, bot.logs()[-3000:]
    assert "error handling update" not in bot.logs()
    assert "Traceback" not in bot.logs()


def new_user(api: FakeBotApi, language_code: str = "en") -> FakeUser:
    """A new private-chat user whose Telegram app is in ``language_code``."""
    return api.user(next(_ids), first_name="Defnyddiwr", language_code=language_code)


def data(message: BotMessage) -> list[str]:
    """Every button's callback data."""
    return [b.callback_data or "" for row in message.buttons for b in row]


def text_of(engine: Engine, language: str, state: str, flow: str = BILINGUAL_FLOW) -> str:
    """A step's text as the bot shows it in ``language``."""
    shown = engine.for_language(language)
    return expand(shown.flowset.flows[flow].states[state].text, shown.flowset.signposts)


@pytest.mark.parametrize("typed", ["argyfwng", "Argyfwng!", "HELPWCH  FI", "help fi", "999", "help me"])
def test_emergency_words_in_english_and_welsh_are_caught_first(typed: str) -> None:
    """The group -1 handler's pattern: every emergency phrase, any case and spacing."""
    assert EMERGENCY_TEXT.match(typed)
    assert emergency_language(typed) == (None if typed in ("999", "help me") else "cy")


@pytest.mark.parametrize("typed", ["argyfwng nawr os gwelwch yn dda", "help", "fi"])
def test_other_text_is_not_an_emergency(typed: str) -> None:
    """Longer sentences go to the step as typed answers (the engine still reads phrases)."""
    assert not EMERGENCY_TEXT.match(typed)


def test_the_command_menu_is_registered_in_english_and_welsh(welsh_api: FakeBotApi, welsh_bot: BotProcess,
                                                             engine: Engine) -> None:
    """setMyCommands without language_code (English) and with language_code cy (Welsh), the
    descriptions from ui.yaml, /iaith and /language in both."""
    welsh_api.wait_for_call("setMyCommands", lambda c: c.params.get("language_code") == "cy")
    calls = [c for c in welsh_api.calls if c.method == "setMyCommands"]
    menus = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert set(menus) == {None, "cy"}
    for code, language in ((None, "en"), ("cy", "cy")):
        shown = {c["command"]: c["description"] for c in menus[code]}
        assert list(shown) == [name for name, _ in COMMANDS]
        assert {"iaith", "language"} <= set(shown)
        assert shown == {name: engine.for_language(language).ui(key) for name, key in COMMANDS}
    assert menus["cy"][0]["description"] != menus[None][0]["description"], "the Welsh menu is in Welsh"


def test_start_offers_english_or_cymraeg_then_carries_on(welsh_api: FakeBotApi, welsh_bot: BotProcess,
                                                        engine: Engine) -> None:
    """An English app: /start's first screen (the role question) offers Cymraeg with one button,
    which shows the same question in Welsh; the menu then comes in Welsh."""
    en, cy = engine.for_language("en"), engine.for_language("cy")
    user = new_user(welsh_api)
    send(user, "/start")
    question = keyboard(user)
    assert question.text == en.ui("choose_role")
    assert labels(question)[-2:] == [en.ui("emergency_label"), f"🌐 {en.ui('language_label')}"]
    tap(user, f"🌐 {en.ui('language_label')}", edit=True)
    roles = keyboard(user)
    assert roles.message_id == question.message_id, "the same step, edited in place"
    assert roles.text == cy.ui("choose_role")
    assert cy.ui("role_officer") in labels(roles)
    assert f"🌐 {cy.ui('language_label')}" in labels(roles)
    tap(user, cy.ui("role_officer"))
    menu = keyboard(user)
    assert menu.text == cy.ui("menu")
    assert "Dwy iaith" in labels(menu)


def test_typed_answers_to_the_language_question(welsh_api: FakeBotApi, welsh_bot: BotProcess,
                                               engine: Engine) -> None:
    """A Welsh app is asked "English or Cymraeg?": its number or a language's name; anything
    else asks again."""
    en, cy = engine.for_language("en"), engine.for_language("cy")
    user = new_user(welsh_api, "cy")
    send(user, "/start")
    send(user, "maybe")
    assert keyboard(user).text == f"⚠️ {cy.ui('not_understood')}\n\n{cy.ui('choose_language')}"
    send(user, "1")
    assert keyboard(user).text == cy.ui("choose_role")
    send(user, "/start")
    send(user, "english")
    assert keyboard(user).text == en.ui("choose_role")


def test_a_welsh_telegram_app_preselects_cymraeg(welsh_api: FakeBotApi, welsh_bot: BotProcess,
                                                engine: Engine) -> None:
    """language_code cy: the question is asked in Welsh with Cymraeg first, and a link to a
    guide opens in Welsh at once."""
    cy = engine.for_language("cy")
    user = new_user(welsh_api, "cy")
    send(user, "/start")
    question = keyboard(user)
    assert question.text == cy.ui("choose_language")
    assert labels(question)[:2] == ["Cymraeg", "English"]
    assert cy.ui("emergency_label") in labels(question)
    linked = new_user(welsh_api, "cy")
    send(linked, f"/start {BILINGUAL_FLOW}")
    assert keyboard(linked).text == text_of(engine, "cy", "danger")


def test_a_welsh_step_links_to_the_same_step_in_english(welsh_api: FakeBotApi, welsh_bot: BotProcess,
                                                       engine: Engine) -> None:
    """Must show: the language button shows the same state in the other language, in place, with
    its keyboard; the button of a step already left is refused as stale."""
    en, cy = engine.for_language("en"), engine.for_language("cy")
    user = new_user(welsh_api, "cy")
    send(user, f"/start {BILINGUAL_FLOW}")
    tap(user, "Nac oes")
    welsh = keyboard(user)
    assert welsh.text == text_of(engine, "cy", "adult")
    assert "a:adult:yes" in data(welsh)
    assert language_callback("en", "adult") in data(welsh)
    assert f"🌐 {cy.ui('language_label')}" == "🌐 English"
    tap(user, "🌐 English", edit=True)
    english = keyboard(user)
    assert english.message_id == welsh.message_id, "the same step, edited in place"
    assert english.text == text_of(engine, "en", "adult")
    assert labels(english)[:2] == ["Yes", "No"]
    assert "a:adult:yes" in data(english), "the same state id"
    assert en.ui("back_label") in labels(english)
    assert language_callback("cy", "adult") in data(english)
    tap(user, "🌐 Cymraeg", edit=True)
    assert keyboard(user).text == text_of(engine, "cy", "adult")
    tap(user, "Ydy")
    press(user, language_callback("en", "adult"))
    assert keyboard(user).text.startswith(f"⚠️ {cy.ui('stale')}")
    assert text_of(engine, "cy", "later") in keyboard(user).text


def test_iaith_and_language_switch_at_any_step_and_keep_the_place(welsh_api: FakeBotApi,
                                                                 welsh_bot: BotProcess, engine: Engine) -> None:
    """/iaith shows the step in Welsh, /language in English, /language cy by name; the next tap
    carries on from the same place."""
    user = new_user(welsh_api)
    send(user, f"/start {BILINGUAL_FLOW}")
    tap(user, "No")
    assert keyboard(user).text == text_of(engine, "en", "adult")
    send(user, "/iaith")
    welsh = keyboard(user)
    assert welsh.text == text_of(engine, "cy", "adult")
    assert labels(welsh)[:2] == ["Ydy", "Nac ydy"]
    send(user, "/language")
    assert keyboard(user).text == text_of(engine, "en", "adult")
    send(user, "/language cymraeg")
    assert keyboard(user).text == text_of(engine, "cy", "adult")
    send(user, "/language klingon")
    cy = engine.for_language("cy")
    assert keyboard(user).text == f"⚠️ {cy.ui('not_understood')}\n\n{text_of(engine, 'cy', 'adult')}"
    tap(user, "Nac ydy")
    assert text_of(engine, "cy", "later") in keyboard(user).text


def test_a_guide_not_yet_in_welsh_is_shown_in_english_with_a_welsh_notice(welsh_api: FakeBotApi,
                                                                         welsh_bot: BotProcess,
                                                                         engine: Engine) -> None:
    """The engine's not_translated notice, in Welsh, above the English step; Welsh buttons."""
    cy = engine.for_language("cy")
    flow = cy.flowset.flows["nrm_referral"]
    assert flow.language == "en", "the shipped guide is not translated"
    user = new_user(welsh_api, "cy")
    send(user, "/start nrm_referral")
    step = keyboard(user)
    assert step.text.startswith(f"ℹ️ {cy.ui('not_translated')}\n\n")
    assert text_of(engine, "cy", flow.start, "nrm_referral")[:40] in step.text
    assert cy.ui("back_label") in labels(step)


def test_welsh_emergency_words_come_first(welsh_api: FakeBotApi, welsh_bot: BotProcess, engine: Engine) -> None:
    """Must show: "argyfwng" typed mid-flow shows the Welsh emergency step naming 999; "helpwch
    fi" from an English chat answers (and carries on) in Welsh; "999" keeps the chat's language;
    /argyfwng works too."""
    en, cy = engine.for_language("en"), engine.for_language("cy")
    assert "999" in cy.ui("emergency")
    user = new_user(welsh_api, "cy")
    send(user, f"/start {BILINGUAL_FLOW}")
    tap(user, "Nac oes")
    send(user, "Argyfwng!")
    emergency = keyboard(user)
    assert emergency.text.startswith(cy.ui("emergency"))
    assert "999" in emergency.text
    assert cy.ui("emergency_back") in labels(emergency)
    tap(user, cy.ui("emergency_back"))
    assert keyboard(user).text == text_of(engine, "cy", "adult"), "back to the same step"
    english = new_user(welsh_api)
    send(english, f"/start {BILINGUAL_FLOW}")
    send(english, "helpwch  fi")
    assert keyboard(english).text.startswith(cy.ui("emergency"))
    tap(english, cy.ui("emergency_back"))
    assert keyboard(english).text == text_of(engine, "cy", "danger"), "the chat carries on in Welsh"
    other = new_user(welsh_api)
    send(other, "/start dwy_iaith")
    send(other, "999")
    assert keyboard(other).text.startswith(en.ui("emergency"))
    send(user, "/argyfwng")
    assert keyboard(user).text.startswith(cy.ui("emergency"))


def test_a_welsh_emergency_word_in_a_group_is_answered_in_welsh(welsh_api: FakeBotApi, welsh_bot: BotProcess,
                                                               engine: Engine) -> None:
    """Groups get the emergency text once, in the language of the words typed."""
    group = welsh_api.user(next(_ids), first_name="Grŵp", chat_type="group")
    send(group, "argyfwng")
    assert group.last().text.startswith(engine.for_language("cy").ui("emergency"))


def test_about_and_training_say_the_welsh_is_unreviewed(welsh_api: FakeBotApi, welsh_bot: BotProcess,
                                                       engine: Engine) -> None:
    """In Welsh, /about (still one message of at most 1,500 characters) and training mode say the
    Welsh has not been reviewed by a fluent Welsh speaker; in English they do not."""
    en, cy = engine.for_language("en"), engine.for_language("cy")
    user = new_user(welsh_api, "cy")
    send(user, f"/start {BILINGUAL_FLOW}")
    send(user, "/about")
    about = user.last().text
    assert len(about) <= 1500
    assert cy.ui("translation_unreviewed") in about
    assert about == about_message(cy).text
    send(user, "/train", new=2)
    said = [m.text for m in user.messages][-2]
    assert said == f"{cy.ui('training_on')}\n\n{cy.ui('translation_unreviewed')}"
    english = new_user(welsh_api)
    send(english, "/about")
    assert en.ui("translation_unreviewed") not in english.last().text
    send(english, "/train", new=2)
    assert [m.text for m in english.messages][-2] == en.ui("training_on")


def test_a_restart_keeps_the_language(api: FakeBotApi, tmp_path: Path, folder: Path, engine: Engine) -> None:
    """Must show: the language is stored with the chat's place, so a new process carries on in
    Welsh (and a redelivered question does not ask again)."""
    bot = BotProcess(api, tmp_path, flows=folder).start()
    user = new_user(api)
    send(user, "/start")
    tap(user, f"🌐 {engine.ui('language_label')}", edit=True)
    send(user, f"/start {BILINGUAL_FLOW}")
    assert keyboard(user).text == text_of(engine, "cy", "danger")
    assert bot.stop() == 0
    conn = sqlite3.connect(tmp_path / "sessions.db")
    stored = [json.loads(row[0]) for row in conn.execute("select session from sessions")]
    conn.close()
    assert [s["language"] for s in stored] == ["cy"]
    bot.start()
    tap(user, "Nac oes")
    assert keyboard(user).text == text_of(engine, "cy", "adult")
    send(user, "/menu")
    assert keyboard(user).text == engine.for_language("cy").ui("choose_role")
    assert bot.stop() == 0
