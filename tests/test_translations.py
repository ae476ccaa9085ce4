"""``referral-bot translations``: PO export and import round trips on real files (issue 15)."""

from __future__ import annotations

import functools
import resource
import shutil
import signal
import subprocess
from pathlib import Path

import polib
import pytest
import yaml

from bot.flows import load_catalogue
from bot.translations import TranslationError, export_catalogue, import_catalogue, read_folder, status
from tests.conftest import FIXTURE_FLOWS, FLOWS, CliRunner, cli_command

DECLARE_CY = ("\nlanguages: [en, cy]\ntranslation:\n"
              "  cy: {translated_by: test, translated_on: 2026-12-03, complete: false}\n")
DECLARED = ("ui.yaml", "signposts.yaml", "glossary.yaml", "report_concern.yaml")


def _declare(path: Path) -> None:
    """Add the Welsh declaration (partial Welsh, so missing texts are only warnings)."""
    text = path.read_text(encoding="utf-8")
    if not any(line.startswith("languages:") for line in text.splitlines()):
        path.write_text(text + DECLARE_CY, encoding="utf-8")


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    """A copy of the shipped flows folder (its top-level files) where four files declare Welsh."""
    folder = tmp_path / "flows"
    folder.mkdir()
    for path in FLOWS.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    for name in DECLARED:
        _declare(folder / name)
    return folder


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The small fixture flows with the shipped signposts and interface texts."""
    folder = tmp_path / "demo"
    folder.mkdir()
    for path in [FLOWS / "signposts.yaml", FLOWS / "ui.yaml", *FIXTURE_FLOWS.glob("*.yaml")]:
        shutil.copy(path, folder / path.name)
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def _entries(po: Path) -> dict[str, polib.POEntry]:
    return {e.msgctxt: e for e in polib.pofile(str(po))}


def _po(tmp_path: Path, body: str, language: str = "cy") -> Path:
    path = tmp_path / "cy.po"
    path.write_text(f'msgid ""\nmsgstr ""\n"Language: {language}\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                    + body, encoding="utf-8")
    return path


# -- the catalogue ----------------------------------------------------------------------------------------


def test_the_catalogue_names_each_text_by_file_and_path(flows: Path, tmp_path: Path) -> None:
    po = tmp_path / "cy.po"
    count = export_catalogue(flows, "cy", po)
    entries = _entries(po)
    assert count == len(entries) > 300
    catalogue = polib.pofile(str(po))
    assert catalogue.metadata["Language"] == "cy"
    assert catalogue.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    yes = entries["report_concern.yaml:states.danger.options.yes.label"]
    assert yes.occurrences == [("report_concern.yaml", str(_line_of(flows / "report_concern.yaml", yes.msgid)))]
    assert "answer the question as it is asked" in yes.comment
    assert entries["ui.yaml:texts.menu"].msgid.startswith("Referral Guide helps you decide")
    assert entries["signposts.yaml:signposts.childline.name"].msgid.startswith("Childline")
    assert "glossary.yaml:terms.NRM.definition" in entries
    call = entries["report_concern.yaml:states.call_999.text"]
    assert "{phone:police_emergency}" in call.comment
    files = {ctx.split(":")[0] for ctx in entries}
    assert files == {p.name for p in flows.glob("*.yaml")}, "every top-level file, nothing from stories/ or local/"
    assert not [ctx for ctx in entries if ":sources." in ctx or ctx.endswith((".id", ".url", ".phone", ".term"))]
    same = [ctx for ctx, e in entries.items() if e.msgid == yes.msgid]
    assert len(same) >= 2, "the same English at two places is two entries, each with its own translation"


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_an_item_without_an_id_is_named_by_its_position(demo: Path, tmp_path: Path) -> None:
    path = demo / "other.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("sources:\n  - id: S1", "sources:\n  - title: x")
                    + "extra:\n  - label: First\n  - label: Second\n", encoding="utf-8")
    export_catalogue(demo, "cy", tmp_path / "cy.po")
    entries = _entries(tmp_path / "cy.po")
    assert entries["other.yaml:extra.1.label"].msgid == "Second"


# -- the round trip (must show) ---------------------------------------------------------------------------


def test_importing_an_unchanged_export_changes_no_byte(flows: Path, tmp_path: Path, run_cli: CliRunner) -> None:
    before = _snapshot(flows)
    po = tmp_path / "cy.po"
    exported = run_cli("translations", "export", "--lang", "cy", "-o", str(po), "--flows", str(flows))
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == f"wrote {len(_entries(po))} texts of {flows} to {po} (Cymraeg, cy).\n"
    imported = run_cli("translations", "import", str(po), "--flows", str(flows))
    assert (imported.returncode, imported.stderr) == (0, "")
    assert imported.stdout == "no Cymraeg (cy) text to write: the files already say what the catalogue says.\n"
    assert _snapshot(flows) == before


WELSH = {
    # nrm_referral is not translated yet: its plain English texts become {en, cy}.
    "nrm_referral.yaml:states.safety.text": (
        "Diogelwch yn gyntaf. A yw'r person, neu unrhyw un arall, mewn perygl uniongyrchol neu angen help "
        "meddygol brys? (prawf)"),
    "nrm_referral.yaml:states.safety.options.danger.label": "Ydy, perygl neu angen brys nawr (prawf)",
    "nrm_referral.yaml:states.call_999.text": (
        "Ffoniwch {phone:police_emergency} nawr a dilynwch drefn eich heddlu neu'ch sefydliad. (prawf)"),
    # ui.yaml, the directory and the glossary are translated already: their Welsh is replaced.
    "ui.yaml:texts.menu": (
        "Mae Canllaw Atgyfeirio yn eich helpu i benderfynu beth i'w wneud am gaethwasiaeth fodern, masnachu "
        "pobl neu gamfanteisio. Dewiswch ganllaw. Os oes unrhyw un mewn perygl nawr, pwyswch Argyfwng. (prawf)"),
    "ui.yaml:texts.stale": "Mae'r botwm hwnnw o gam cynharach. (prawf)",
    "signposts.yaml:signposts.childline.name": "Childline (NSPCC) (prawf)",
    "glossary.yaml:terms.NRM.meaning": "Y Mecanwaith Atgyfeirio Cenedlaethol (prawf)",
}


def test_translations_round_trip_through_the_yaml(flows: Path, tmp_path: Path, run_cli: CliRunner) -> None:
    po = tmp_path / "cy.po"
    export_catalogue(flows, "cy", po)
    originals = {p.name: p.read_text(encoding="utf-8") for p in flows.glob("*.yaml")}
    catalogue = polib.pofile(str(po))
    for entry in catalogue:
        if entry.msgctxt in WELSH:
            entry.msgstr = WELSH[entry.msgctxt]
    catalogue.save(str(po))

    result = run_cli("translations", "import", str(po), "--flows", str(flows))
    assert (result.returncode, result.stderr) == (0, "note: nrm_referral.yaml does not declare cy: add 'languages: "
                                                     "[en, cy]' and a translation record at its top (see "
                                                     "flows/README.md), or referral-bot validate will refuse it.\n")
    assert result.stdout == ("wrote 7 Cymraeg (cy) texts to glossary.yaml (1), nrm_referral.yaml (3), "
                             "signposts.yaml (1), ui.yaml (2).\n")

    nrm = flows / "nrm_referral.yaml"  # declare the language, as the import's note says to
    nrm.write_text(nrm.read_text(encoding="utf-8").replace(
        "\nsources:", "\nlanguages: [en, cy]\ntranslation:\n  cy: {translated_by: test, translated_on: 2026-12-03, "
        "complete: false}\nsources:", 1), encoding="utf-8")
    welsh = load_catalogue(flows)["cy"]
    safety = welsh.flows["nrm_referral"].states["safety"]
    assert safety.text == WELSH["nrm_referral.yaml:states.safety.text"]
    assert safety.options[0].label == WELSH["nrm_referral.yaml:states.safety.options.danger.label"]
    assert welsh.flows["nrm_referral"].states["call_999"].text == WELSH["nrm_referral.yaml:states.call_999.text"]
    assert welsh.ui["menu"] == WELSH["ui.yaml:texts.menu"]
    assert welsh.signposts["childline"].name == WELSH["signposts.yaml:signposts.childline.name"]
    assert welsh.glossary is not None
    assert load_catalogue(flows)["en"].ui["menu"] == yaml.safe_load(originals["ui.yaml"])["texts"]["menu"]["en"]

    for path in flows.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert _comments(text) == _comments(originals[path.name]), f"{path.name} lost a comment"
    ui = (flows / "ui.yaml").read_text(encoding="utf-8")
    assert "  menu:\n    en: >-\n      Referral Guide helps you decide" in ui
    assert "\n    cy: >-\n      Mae Canllaw Atgyfeirio" in ui, "a long text keeps the folded style"
    assert f"    cy: {WELSH['ui.yaml:texts.stale']}\n" in ui
    text = nrm.read_text(encoding="utf-8")
    assert "    text:\n      en: >-\n        Safety first. Is the person" in text, "plain English became {en, cy}"
    assert "\n      cy: >-\n        Diogelwch yn gyntaf." in text
    changed = set(text.splitlines()) - set(originals["nrm_referral.yaml"].splitlines())
    assert max(len(line) for line in changed if "cy:" in line or "(prawf)" in line) <= 100

    again = tmp_path / "again.po"
    export_catalogue(flows, "cy", again)
    first, second = _entries(po), _entries(again)
    assert second.keys() == first.keys()
    for context, entry in first.items():
        assert (second[context].msgid, second[context].msgstr, second[context].comment) == (
            entry.msgid, entry.msgstr, entry.comment)
    snapshot = _snapshot(flows)
    assert import_catalogue(again, flows).written == {}
    assert _snapshot(flows) == snapshot


def test_an_existing_welsh_text_is_updated_in_place(demo: Path, tmp_path: Path) -> None:
    path = demo / "demo.yaml"
    source = path.read_text(encoding="utf-8")
    source = source.replace("    text: Is anyone in danger?\n",
                            "    text:\n      en: Is anyone in danger?\n      cy: Hen destun\n    # after the text\n")
    path.write_text(source + DECLARE_CY, encoding="utf-8")
    po = _po(tmp_path, 'msgctxt "demo.yaml:states.ask.text"\nmsgid "Is anyone in danger?"\n'
                       'msgstr "A oes unrhyw un mewn perygl?"\n\n'
                       'msgctxt "demo.yaml:states.ask.why.text"\nmsgid "Safety first."\nmsgstr ""\n')
    result = import_catalogue(po, demo)
    assert (result.written, result.skipped) == ({"demo.yaml": 1}, [])
    assert path.read_text(encoding="utf-8") == source.replace("cy: Hen destun", "cy: A oes unrhyw un mewn perygl?") \
        + DECLARE_CY


def test_an_empty_translation_keeps_the_welsh_already_there(demo: Path, tmp_path: Path) -> None:
    path = demo / "demo.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    text: Is anyone in danger?\n", "    text: {en: Is anyone in danger?, cy: Hen destun}\n"), encoding="utf-8")
    before = path.read_bytes()
    po = _po(tmp_path, 'msgctxt "demo.yaml:states.ask.text"\nmsgid "Is anyone in danger?"\nmsgstr ""\n')
    assert import_catalogue(po, demo).written == {}
    assert path.read_bytes() == before


def test_flow_style_and_tricky_words_stay_what_they_say(demo: Path, tmp_path: Path) -> None:
    """A label in a {flow: mapping} and a Welsh word PyYAML would read as true are written safely."""
    po = _po(tmp_path, 'msgctxt "demo.yaml:states.ask.options.yes.label"\nmsgid "Yes"\nmsgstr "On"\n\n'
                       'msgctxt "demo.yaml:states.ask.options.no.label"\nmsgid "No"\nmsgstr "Na: # dim"\n')
    assert import_catalogue(po, demo).written == {"demo.yaml": 2}
    ask = yaml.safe_load((demo / "demo.yaml").read_text(encoding="utf-8"))["states"][0]
    assert [o["label"] for o in ask["options"]] == [{"en": "Yes", "cy": "On"}, {"en": "No", "cy": "Na: # dim"}]


# -- problems: one line each, with the fix -----------------------------------------------------------------


def test_stale_and_broken_entries_are_skipped_with_the_fix(demo: Path, tmp_path: Path, run_cli: CliRunner) -> None:
    po = _po(tmp_path, (
        'msgctxt "demo.yaml:states.gone.text"\nmsgid "Gone"\nmsgstr "Wedi mynd"\n\n'
        'msgctxt "demo.yaml:states.ask.text"\nmsgid "Is anyone in danger now?"\n'
        'msgstr "A oes unrhyw un mewn perygl?"\n\n'
        'msgctxt "demo.yaml:states.danger.text"\nmsgid "Call {phone:police_emergency} now."\n'
        'msgstr "Ffoniwch {phone:police_non_emergency} nawr."\n\n'
        'msgctxt "demo.yaml:states.ask.why.text"\nmsgid "Safety first."\nmsgstr "Diogelwch yn gyntaf."\n'))
    before = (demo / "demo.yaml").read_text(encoding="utf-8")
    result = run_cli("translations", "import", str(po), "--flows", str(demo))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"cy.po:6: skipped 'demo.yaml:states.gone.text': there is no such text in {demo} (moved, renamed or "
        "removed since the export). Fix: export again (referral-bot translations export --lang cy -o FILE.po) "
        "and copy the translation to the text's new entry.",
        "cy.po:10: skipped 'demo.yaml:states.ask.text': its English has changed since the export. Fix: export "
        "again (referral-bot translations export --lang cy -o FILE.po), check the translation against the new "
        "English, and import that catalogue.",
        "cy.po:14: refused 'demo.yaml:states.danger.text': the translation has "
        "{phone:police_non_emergency} but the English has {phone:police_emergency}. Fix: keep exactly the "
        "English's {phone:ID} and {name:ID} placeholders, unchanged, in the translation.",
        "note: demo.yaml does not declare cy: add 'languages: [en, cy]' and a translation record at its top "
        "(see flows/README.md), or referral-bot validate will refuse it.",
        "3 entries skipped; the rest were imported.",
    ]
    assert result.stdout == "wrote 1 Cymraeg (cy) texts to demo.yaml (1).\n"
    after = (demo / "demo.yaml").read_text(encoding="utf-8")
    assert after == before.replace("      text: Safety first.\n",
                                   "      text:\n        en: Safety first.\n        cy: Diogelwch yn gyntaf.\n")


def test_a_placeholder_left_out_is_refused(demo: Path, tmp_path: Path) -> None:
    po = _po(tmp_path, 'msgctxt "demo.yaml:states.danger.text"\nmsgid "Call {phone:police_emergency} now."\n'
                       'msgstr "Ffoniwch 999 nawr."\n')
    assert import_catalogue(po, demo).skipped == [
        "cy.po:6: refused 'demo.yaml:states.danger.text': the translation has no placeholders but the "
        "English has {phone:police_emergency}. Fix: keep exactly the English's {phone:ID} and {name:ID} "
        "placeholders, unchanged, in the translation."]


def test_fuzzy_entries_are_left_out(demo: Path, tmp_path: Path, run_cli: CliRunner) -> None:
    po = _po(tmp_path, '#, fuzzy\nmsgctxt "demo.yaml:states.ask.text"\nmsgid "Is anyone in danger?"\n'
                       'msgstr "Efallai"\n')
    result = run_cli("translations", "import", str(po), "--flows", str(demo))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-1] == "left out 1 fuzzy entries (marked for review in the PO editor)."


def test_a_file_that_is_not_a_catalogue(demo: Path, tmp_path: Path, run_cli: CliRunner) -> None:
    po = tmp_path / "cy.po"
    po.write_text('garbage "\n', encoding="utf-8")
    result = run_cli("translations", "import", str(po), "--flows", str(demo))
    assert result.returncode == 1
    assert result.stderr == (f"error: {po}: not a PO catalogue (Syntax error in po file {po} (line 1)). Fix: export a "
                             "fresh one with referral-bot translations export --lang cy -o FILE.po.\n")


def test_a_catalogue_for_another_language(demo: Path, tmp_path: Path) -> None:
    po = _po(tmp_path, "", language="fr")
    with pytest.raises(TranslationError) as caught:
        import_catalogue(po, demo)
    assert str(caught.value) == (f"{po}: the catalogue's header says 'Language: fr', not one of: cy. Fix: translate "
                                 "a catalogue made by referral-bot translations export --lang cy -o FILE.po.")


def test_a_broken_yaml_file_stops_before_anything_is_written(demo: Path, tmp_path: Path,
                                                             run_cli: CliRunner) -> None:
    (demo / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n", encoding="utf-8")
    result = run_cli("translations", "export", "-o", str(tmp_path / "cy.po"), "--flows", str(demo))
    assert result.returncode == 1
    assert result.stderr == (f"error: {demo / 'broken.yaml'}:3:1: not valid YAML (expected ',' or ']', but got "
                             f"'<stream end>'). Fix: correct the file (referral-bot validate {demo} shows every "
                             "problem), then run this again.\n")
    assert not (tmp_path / "cy.po").exists()


def test_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(TranslationError) as caught:
        read_folder(tmp_path / "nowhere")
    assert str(caught.value) == (f"{tmp_path / 'nowhere'}: no such folder. Fix: pass --flows with the folder that "
                                 "holds the flow files.")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TranslationError) as caught:
        read_folder(tmp_path / "empty")
    assert str(caught.value) == (f"{tmp_path / 'empty'}: no YAML files here. Fix: pass --flows with the folder "
                                 "that holds the flow files.")


def test_without_the_extra_one_line_says_what_to_install(demo: Path, tmp_path: Path, run_cli: CliRunner) -> None:
    shadow = tmp_path / "no_polib"
    shadow.mkdir()
    (shadow / "polib.py").write_text("raise ModuleNotFoundError(\"No module named 'polib'\", name='polib')\n",
                                     encoding="utf-8")
    result = run_cli("translations", "status", "--flows", str(demo), env={"PYTHONPATH": str(shadow)})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("referral-bot translations needs polib and ruamel.yaml, which are not installed: "
                             "pip install 'referral-guide[translations]'\n")


# -- status ------------------------------------------------------------------------------------------------


def test_status_counts_the_translated_texts_per_file(demo: Path, tmp_path: Path, run_cli: CliRunner) -> None:
    for name in ("signposts.yaml", "ui.yaml"):
        (demo / name).unlink()
    path = demo / "other.yaml"
    path.write_text(path.read_text(encoding="utf-8") + DECLARE_CY, encoding="utf-8")
    rows = status(demo, "cy")
    assert [(r.file, r.translated, r.declared) for r in rows] == [("demo.yaml", 0, False), ("other.yaml", 0, True)]
    po = _po(tmp_path, 'msgctxt "demo.yaml:states.ask.text"\nmsgid "Is anyone in danger?"\nmsgstr "A oes perygl?"\n')
    import_catalogue(po, demo)
    demo_total, other_total = (r.total for r in rows)
    result = run_cli("translations", "status", "--flows", str(demo))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        f"Cymraeg (cy) texts in {demo}:",
        f"  demo.yaml      1/{demo_total:<4}  does not declare cy",
        f"  other.yaml     0/{other_total:<4}  declares cy",
        f"  all files      1/{demo_total + other_total}",
    ]


def _small_files(limit: int) -> None:
    """In the child: files may not grow past ``limit`` bytes, and a write past it fails (EFBIG)
    instead of killing the process: unwritable even for root, on any file system."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_file_that_cannot_be_written(demo: Path, tmp_path: Path) -> None:
    path = demo / "demo.yaml"
    before = path.read_bytes()
    po = _po(tmp_path, 'msgctxt "demo.yaml:states.ask.text"\nmsgid "Is anyone in danger?"\nmsgstr "Perygl?"\n')
    result = subprocess.run([*cli_command(), "translations", "import", str(po), "--flows", str(demo)],
                            capture_output=True, text=True, check=False,
                            preexec_fn=functools.partial(_small_files, len(before)))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (f"error: {path}: cannot write the translations (File too large). Fix: make "
                             "the file writable and import again.\n")


def test_a_file_that_would_read_back_differently_is_not_written(demo: Path) -> None:
    """The last check before writing: a Welsh "yes" written plain would be read as true by PyYAML."""
    (doc,) = [d for d in read_folder(demo) if d.path.name == "demo.yaml"]
    text = doc.texts["demo.yaml:states.ask.text"]
    assert doc.set(text, "cy", "Ie")
    text.parent[text.key]["cy"] = text.texts["cy"] = "yes"  # as if written without _styled's quoting
    with pytest.raises(TranslationError) as caught:
        doc.dump()
    assert str(caught.value) == ("demo.yaml: writing the translations would change what the file says at "
                                 "demo.yaml:states.ask.text. Nothing was written to it. Fix: report this as a bug, "
                                 "with the file and the catalogue.")
