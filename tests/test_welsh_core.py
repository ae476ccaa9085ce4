"""Issue 15's core: bilingual texts in the flow files, the validator's messages, the engine in
two languages on one machine per flow, the terminal's --lang and the statistics' language.

The flows here are small and written for the tests, beside the shipped signposts and interface
texts, so that the tests do not change when the shipped guidance does.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
import yaml
from test_stats_fixtures import cli_command

from bot.engine import Engine
from bot.flows import FlowError, load_catalogue, validate_paths
from bot.stats import Recorder, build_report
from tests.conftest import english_only

ROOT = Path(__file__).resolve().parents[1]

HEADER = """\
id: {id}
title: {title}
version: "1.0.0"
status: published
audience: [public, partner, officer, trainer]
owner: Welsh tests
reviewed_on: 2026-11-01
review_due: 2099-01-01
sources:
  - id: S1
    title: Test source
    url: https://example.org/source
"""

BILINGUAL = (ROOT / "tests" / "fixtures" / "dwy_iaith.yaml").read_text(encoding="utf-8")
"""A small flow in English and Welsh (shared with the Telegram tests)."""

ENGLISH_ONLY = HEADER.format(id="saesneg", title="English only") + """\
start: ask
states:
  - id: ask
    kind: question
    text: Is the person under 18?
    options:
      - {id: "yes", label: "Yes", next: done}
      - {id: "no", label: "No", next: done}
  - id: done
    kind: outcome
    text: Tell the police.
    signposts: [police_non_emergency]
"""

UI_WELSH = """\
languages: [en, cy]
translation:
  cy: {translated_by: Welsh tests, translated_on: 2026-12-03, complete: false}
"""


def _folder(tmp_path: Path, flows: dict[str, str]) -> Path:
    """A flows folder: the shipped signposts and interface texts (offered in Welsh) and ``flows``."""
    folder = tmp_path / "flows"
    folder.mkdir()
    shutil.copy(ROOT / "flows" / "signposts.yaml", folder)
    ui = (ROOT / "flows" / "ui.yaml").read_text(encoding="utf-8")
    if "\nlanguages:" not in f"\n{ui}":
        ui = UI_WELSH + ui  # the shipped texts before their translation: Welsh where written, else English
    (folder / "ui.yaml").write_text(ui, encoding="utf-8")
    for name, text in flows.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _messages(folder: Path) -> list[str]:
    return [str(p) for p in validate_paths([folder])]


@pytest.fixture
def bilingual(tmp_path: Path) -> Path:
    """A folder with one flow in English and Welsh and one in English only."""
    return _folder(tmp_path, {"dwy_iaith.yaml": BILINGUAL, "saesneg.yaml": ENGLISH_ONLY})


def test_a_bilingual_folder_loads_in_both_languages(bilingual: Path) -> None:
    """The Welsh set has the Welsh texts; a flow that is not translated stays English in it."""
    assert _messages(bilingual) == [] or all(": warning: " in m for m in _messages(bilingual))
    catalogue = load_catalogue(bilingual)
    assert catalogue.languages == ("en", "cy")
    english, welsh = catalogue["en"].flows["dwy_iaith"], catalogue["cy"].flows["dwy_iaith"]
    assert (english.title, welsh.title) == ("Two languages", "Dwy iaith")
    assert welsh.states["danger"].text == "Oes unrhyw un mewn perygl nawr?"
    assert (english.language, welsh.language, welsh.languages) == ("en", "cy", ("en", "cy"))
    assert welsh.translation["cy"].translated_by == "Welsh tests"
    assert not welsh.translation["cy"].reviewed
    untranslated = catalogue["cy"].flows["saesneg"]
    assert (untranslated.language, untranslated.title) == ("en", "English only")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_deleting_a_welsh_text_fails_validation_with_file_line_and_column(tmp_path: Path) -> None:
    """Must show: remove one cy line from a flow that declares cy, and validate fails there."""
    broken = BILINGUAL.replace("      cy: Oes unrhyw un mewn perygl nawr?\n", "")
    folder = _folder(tmp_path, {"dwy_iaith.yaml": broken})
    line = _line_of(broken, "en: Is anyone in danger right now?")
    result = subprocess.run([*cli_command(), "validate", str(folder)], capture_output=True, text=True,
                            check=False, cwd=tmp_path)
    assert result.returncode == 1
    assert f"flows/dwy_iaith.yaml:{line}:7: error: the text at states[1].text has no Welsh (cy) text. " \
           "Fix: add 'cy: ...' under 'text', beside 'en:', or set complete: false in the translation record." \
           in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_a_plain_text_in_a_flow_that_declares_welsh_is_an_error(tmp_path: Path) -> None:
    """Plain text counts as English only: the Welsh is missing."""
    broken = BILINGUAL.replace('label: {en: "No", cy: "Nac oes"}', 'label: "No"')
    folder = _folder(tmp_path, {"dwy_iaith.yaml": broken})
    line = _line_of(broken, 'label: "No"')
    messages = [m for m in _messages(folder) if "dwy_iaith.yaml" in m]
    assert len(messages) == 1
    assert messages[0].endswith(
        f"dwy_iaith.yaml:{line}:27: error: the text at states[1].options[2].label has no Welsh (cy) text. "
        "Fix: write it as 'en: ...' and 'cy: ...' on separate lines under 'label', or set complete: false "
        "in the translation record.")


@pytest.mark.parametrize(("change", "message"), [
    (("languages: [en, cy]", "languages: [en, cy, fr]"),
     "error: unknown language 'fr'. Fix: use one of: en, cy."),
    (("languages: [en, cy]", "languages: [cy]"),
     "error: languages does not include 'en'. Fix: every text is written in English first: start the list "
     "with en."),
    (("translation:\n  cy: {translated_by: Welsh tests, translated_on: 2026-12-03}\n", ""),
     "error: the file declares 'cy' but has no translation record. Fix: add 'translation: {cy: "
     "{translated_by: ..., translated_on: YYYY-MM-DD}}' at the top level; see flows/README.md."),
    (("id: dwy_iaith", "id: {en: dwy_iaith, cy: dwy_iaith}"),
     "error: the text at id is the same in every language, so it cannot be translated. Fix: write it once, "
     "as plain text, without en: and cy:."),
    (("cy: Ffoniwch {phone:police_emergency} nawr.", "cy: Ffoniwch {phone:police_non_emergency} nawr."),
     "error: the text at states[3].text: the Welsh (cy) text has the placeholders {phone:police_non_emergency}, "
     "but the English has {phone:police_emergency}. Fix: use exactly the English text's {phone:ID} and "
     "{name:ID} placeholders, so both languages give the same numbers and links."),
    (("      en: Is anyone in danger right now?\n", ""),
     "error: the text at states[1].text has no English (en) text. Fix: add 'en: ...' under 'text': every "
     "text is written in English first."),
])
def test_language_mistakes_have_clear_messages(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    """Every mistake in the language fields names the place and the fix."""
    folder = _folder(tmp_path, {"dwy_iaith.yaml": BILINGUAL.replace(*change)})
    assert any(m.endswith(message) for m in _messages(folder) if "dwy_iaith.yaml" in m), _messages(folder)


def test_welsh_in_a_file_that_does_not_declare_it_is_an_error(tmp_path: Path) -> None:
    """A cy text where the file has no `languages: [en, cy]` is refused, not silently ignored."""
    welsh_title = ENGLISH_ONLY.replace("title: English only", "title: {en: English only, cy: Saesneg yn unig}")
    messages = _messages(_folder(tmp_path, {"saesneg.yaml": welsh_title}))
    assert any(m.endswith("error: the text at title has a Welsh (cy) text, but the file does not declare that "
                          "language. Fix: add cy to 'languages:' at the top of the file (with a translation "
                          "record).") for m in messages), messages


def test_an_incomplete_translation_warns_and_shows_english(tmp_path: Path) -> None:
    """With complete: false, a missing Welsh text is a warning and the English is shown."""
    partial = BILINGUAL.replace("translated_on: 2026-12-03}", "translated_on: 2026-12-03, complete: false}") \
        .replace("      cy: Oes unrhyw un mewn perygl nawr?\n", "")
    folder = _folder(tmp_path, {"dwy_iaith.yaml": partial})
    messages = [m for m in _messages(folder) if "dwy_iaith.yaml" in m]
    assert len(messages) == 1
    assert ": warning: the text at states[1].text has no Welsh (cy) text." in messages[0]
    assert load_catalogue(folder)["cy"].flows["dwy_iaith"].states["danger"].text == "Is anyone in danger right now?"


def test_loading_refuses_a_missing_welsh_text(tmp_path: Path) -> None:
    """The bot refuses to start, as validate does (FlowError lists the problem)."""
    broken = BILINGUAL.replace("      cy: Ffoniwch {phone:police_emergency} nawr.\n", "")
    with pytest.raises(FlowError, match=r"has no Welsh \(cy\) text"):
        load_catalogue(_folder(tmp_path, {"dwy_iaith.yaml": broken}))


def test_one_machine_per_flow_serves_both_languages_and_a_switch_keeps_the_place(bilingual: Path) -> None:
    """The Welsh engine shares the English one's machines; changing language keeps the step."""
    engine = Engine.from_catalogue(load_catalogue(bilingual))
    welsh = engine.for_language("cy")
    assert engine.languages == ("en", "cy")
    assert welsh.language == "cy"
    assert welsh._machines is engine._machines
    assert engine.for_language("fr") is engine
    assert welsh.for_language("en") is engine
    session = engine.new_session()
    session.language = "cy"
    turn = welsh.start(session, "dwy_iaith")
    assert (turn.state, turn.text, [o.label for o in turn.options]) == (
        "danger", "Oes unrhyw un mewn perygl nawr?", ["Oes", "Nac oes"])
    turn = welsh.handle_text(session, "Oes")
    assert turn.state == "call_now"
    assert "999" in turn.text
    session.language = "en"
    assert engine.for_session(session).current(session).text == "Call 999 now."


def test_an_untranslated_flow_is_offered_in_english_with_a_welsh_notice(bilingual: Path) -> None:
    """At its start, the Welsh engine says (in Welsh) that the guide is in English."""
    catalogue = load_catalogue(bilingual)
    welsh = Engine.from_catalogue(catalogue).for_language("cy")
    session = welsh.new_session()
    session.language = "cy"
    turn = welsh.start(session, "saesneg")
    assert (turn.language, turn.text) == ("en", "Is the person under 18?")
    assert turn.notice == welsh.ui("not_translated")
    assert welsh.handle_text(session, "1").notice is None
    assert welsh.start(session, "dwy_iaith").language == "cy"


@pytest.mark.parametrize("typed", ["argyfwng", "Helpwch fi", "999", "emergency"])
def test_welsh_and_english_emergency_words_come_first(bilingual: Path, typed: str) -> None:
    """Typed emergency words in either language show the emergency step, which names 999."""
    welsh = Engine.from_catalogue(load_catalogue(bilingual)).for_language("cy")
    session = welsh.new_session()
    welsh.start(session, "dwy_iaith")
    turn = welsh.handle_text(session, typed)
    assert turn.kind == "emergency"
    assert any(s.phone == "999" for s in turn.signposts)
    assert "999" in turn.text


def test_terminal_refuses_a_language_the_flows_do_not_have(tmp_path: Path) -> None:
    """--lang cy on English-only interface texts: one clear line, exit 2."""
    folder = tmp_path / "flows"
    folder.mkdir()
    for name in ("signposts.yaml", "ui.yaml"):
        text = (ROOT / "flows" / name).read_text(encoding="utf-8")
        (folder / name).write_text(_english_only(text), encoding="utf-8")
    (folder / "saesneg.yaml").write_text(ENGLISH_ONLY, encoding="utf-8")
    result = subprocess.run([*cli_command(), "chat", "--json", "--lang", "cy", "--flows", str(folder)],
                            input="", capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert f"Error: Invalid value for --lang: the flows in {os.path.relpath(folder)} have no 'cy' interface " \
           "texts (ui.yaml declares: en)." in " ".join(result.stderr.split())


def _english_only(text: str) -> str:
    """A shipped file with its Welsh taken out (the English of each {en, cy} pair kept)."""
    return str(yaml.safe_dump(english_only(yaml.safe_load(text)), allow_unicode=True, sort_keys=False))


def test_terminal_json_in_welsh_has_the_same_keys(bilingual: Path, tmp_path: Path) -> None:
    """`chat --json --lang cy`: Welsh turns with exactly the English keys."""
    env = {"REFERRAL_BOT_DB": str(tmp_path / "stats.db")}
    welsh = _chat(bilingual, env, "cy", "1\n")
    english = _chat(bilingual, env, "en", "1\n")
    assert [set(t) for t in welsh] == [set(t) for t in english]
    assert welsh[0]["text"] == "Oes unrhyw un mewn perygl nawr?"
    assert welsh[1]["text"] == "Ffoniwch 999 nawr."
    report = build_report(tmp_path / "stats.db", suppress=False, language="cy")
    assert [(f["flow"], f["started"], f["completed"]) for f in report["flows"]] == [("dwy_iaith", 1, 1)]


def _chat(folder: Path, env: dict[str, str], language: str, lines: str) -> list[dict[str, object]]:
    result = subprocess.run([*cli_command(), "chat", "--json", "--lang", language, "dwy_iaith", "--flows",
                             str(folder)], input=lines, capture_output=True, text=True, check=True,
                            env={**os.environ, **env})
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_statistics_record_the_language_and_filter_by_it(bilingual: Path, tmp_path: Path) -> None:
    """Each run's language is stored (and nothing about who ran it); `stats --lang` filters."""
    db = tmp_path / "s.db"
    recorder = Recorder(db)
    engine = Engine.from_catalogue(load_catalogue(bilingual), listeners=[recorder])
    for language, runs in (("cy", 2), ("en", 3)):
        for _ in range(runs):
            session = engine.new_session()
            session.language = language
            engine.for_session(session).start(session, "dwy_iaith")
            engine.for_session(session).choose(session, "yes")
    assert recorder.flush()
    recorder.close()
    conn = sqlite3.connect(db)
    counts = dict(conn.execute("SELECT language, count(DISTINCT run_id) FROM events GROUP BY language"))
    conn.close()
    assert counts == {"cy": 2, "en": 3}
    wanted: list[tuple[str | None, int]] = [("cy", 2), ("en", 3), (None, 5)]
    for only, started in wanted:
        report = build_report(db, suppress=False, language=only)
        assert [f["started"] for f in report["flows"]] == [started]
    result = subprocess.run([*cli_command(), "stats", "--db", str(db), "--lang", "cy", "--no-suppress", "--json"],
                            capture_output=True, text=True, check=True)
    assert json.loads(result.stdout)["flows"][0]["started"] == 2


def test_a_database_from_before_languages_counts_its_runs_as_english(tmp_path: Path) -> None:
    """An old database (the first migration only) is migrated in place; its rows become English."""
    import sqlite_utils

    from bot.stats.schema import _migrations, open_database

    db = tmp_path / "old.db"
    old = sqlite_utils.Database(db)
    _migrations().apply(old, stop_before="m002_language")
    old.table("events").insert({"kind": "started", "flow": "demo", "state": "a", "channel": "terminal",
                          "hour": "2026-11-01T10:00Z", "run_id": "r1", "step": 1})
    old.close()
    assert [f["started"] for f in build_report(db, suppress=False, language="en")["flows"]] == [1]
    assert build_report(db, suppress=False, language="cy")["flows"] == []
    open_database(db, busy_timeout=1.0).close()  # as the recorder does before its first write
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT language FROM events").fetchall() == [("en",)]
    conn.close()


def test_a_run_counts_under_the_language_it_started_in(bilingual: Path, tmp_path: Path) -> None:
    """A run that switches language on the way is one run of the language it started in, so
    `stats --lang` never shows an outcome without its start."""
    db = tmp_path / "s.db"
    recorder = Recorder(db)
    engine = Engine.from_catalogue(load_catalogue(bilingual), listeners=[recorder])
    session = engine.new_session()
    session.language = "cy"
    engine.for_session(session).start(session, "dwy_iaith")
    session.language = "en"  # /language, the web's link or Telegram's button
    engine.for_session(session).choose(session, "yes")
    assert recorder.flush()
    recorder.close()
    welsh = build_report(db, suppress=False, language="cy")["flows"]
    assert [(f["started"], f["completed"]) for f in welsh] == [(1, 1)]
    assert build_report(db, suppress=False, language="en")["flows"] == []


def test_welsh_training_mode_says_why_and_that_the_welsh_is_unreviewed(bilingual: Path, tmp_path: Path) -> None:
    """Training mode in Welsh: the why-note's label and source in Welsh, and the review notice."""
    welsh = Engine.from_catalogue(load_catalogue(bilingual)).for_language("cy")
    session = welsh.new_session(training=True)
    session.language = "cy"
    text = welsh.start(session, "dwy_iaith").text
    assert f"{welsh.ui('why_label')}: Bywyd a diogelwch sy'n dod gyntaf. ({welsh.ui('source_label')}: " \
           "Test source)" in text
    assert "Why:" not in text
    result = subprocess.run([*cli_command(), "chat", "--training", "--lang", "cy", "dwy_iaith", "--flows",
                             str(bilingual)], input="", capture_output=True, text=True, check=True,
                            env={**os.environ, "REFERRAL_BOT_DB": str(tmp_path / "s.db")})
    assert welsh.ui("training_hint") in result.stdout
    assert welsh.ui("translation_unreviewed") in result.stdout


def test_the_terminal_switches_language_at_the_same_step(bilingual: Path, tmp_path: Path) -> None:
    """`iaith` (or `language`) in the people's chat shows the same step in the other language."""
    result = subprocess.run([*cli_command(), "chat", "dwy_iaith", "--flows", str(bilingual)],
                            input="iaith\n1\nlanguage\n", capture_output=True, text=True, check=True,
                            env={**os.environ, "REFERRAL_BOT_DB": str(tmp_path / "s.db")})
    shown = result.stdout
    english, welsh, called = (shown.index("Is anyone in danger right now?"),
                              shown.index("Oes unrhyw un mewn perygl nawr?"), shown.index("Ffoniwch 999 nawr."))
    assert english < welsh < called
    assert shown.rindex("Call 999 now.") > called, "and back to English at the outcome"
