"""One test per validator rule, each checking its exact ``file:line:column`` message."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.channels import shipped_limits
from bot.flows import FlowError, load_flows, validate_paths
from tests.conftest import FLOWS, CliRunner

TODAY = date(2026, 11, 29)
BASE = """\
id: t
title: T
version: "1"
status: published
audience: [public]
owner: Owner
reviewed_on: 2026-01-01
review_due: 2099-01-01
sources:
  - {id: S1, title: Src, url: "https://example.org"}
start: a
states:
  - id: a
    kind: question
    text: Question?
    options:
      - {id: "yes", label: "Yes", next: b}
      - {id: "no", label: "No", next: b}
  - id: b
    kind: outcome
    text: Done.
    signposts: [police_emergency]
"""
FIX_CONTACT = (
    "Fix: phone numbers and web addresses live only in flows/signposts.yaml: list the service "
    "under the outcome's signposts, or write {phone:SIGNPOST_ID} in the text."
)
EXTRA_OUTCOME = "  - id: c\n    kind: outcome\n    text: Lost.\n    signposts: [police_emergency]\n"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A flows folder with the real directory and interface texts; paths print relative to it."""
    shutil.copy(FLOWS / "signposts.yaml", tmp_path / "signposts.yaml")
    shutil.copy(FLOWS / "ui.yaml", tmp_path / "ui.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def problems(folder: Path, text: str | bytes, name: str = "t.yaml") -> list[str]:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return [str(p) for p in validate_paths([Path(".")], today=TODAY, limits=shipped_limits())]


def test_the_base_flow_is_clean(folder: Path) -> None:
    assert problems(folder, BASE) == []


CASES: list[tuple[str, str, list[str]]] = [
    (
        "unknown next target",
        BASE.replace('"Yes", next: b}', '"Yes", next: c}'),
        ["t.yaml:17:9: error: option 'yes' of 'a' goes to unknown state 'c'. "
         "Fix: use one of the state ids in this file: a, b."],
    ),
    (
        "unreachable state",
        BASE + EXTRA_OUTCOME,
        ["t.yaml:23:5: error: state 'c' cannot be reached from 'a'. Fix: lead an option to it, or delete it."],
    ),
    (
        "loop with no exit",
        BASE.replace('"Yes", next: b}', '"Yes", next: c}')
        + "  - id: c\n    kind: info\n    text: Loop.\n    next: d\n"
        + "  - id: d\n    kind: info\n    text: Loop.\n    next: c\n",
        ["t.yaml:23:5: error: no outcome can be reached from state 'c' (a loop with no exit). "
         "Fix: give one of the states in the loop an option that leads to an outcome.",
         "t.yaml:27:5: error: no outcome can be reached from state 'd' (a loop with no exit). "
         "Fix: give one of the states in the loop an option that leads to an outcome."],
    ),
    (
        "dead end: a checklist whose rules may match nothing",
        BASE.replace("  - id: b\n    kind: outcome\n", "  - id: b\n    kind: checklist\n    text: Tick.\n"
                     "    items: [{id: x, label: X}]\n    rules: [{if_any: [x], next: c}]\n"
                     "  - id: c\n    kind: outcome\n"),
        ["t.yaml:19:5: error: checklist 'b' has no rule without conditions at the end. "
         "Fix: end the rules with one that has only 'next:', so every choice leads on."],
    ),
    (
        "duplicate state id",
        BASE + EXTRA_OUTCOME.replace("id: c", "id: b"),
        ["t.yaml:23:5: error: duplicate state id 'b' (first at line 19). Fix: give each state a different id."],
    ),
    (
        "duplicate option id",
        BASE.replace('{id: "no", label: "No"', '{id: "yes", label: "No"'),
        ["t.yaml:18:9: error: duplicate option id 'yes' (first at line 17). Fix: give each option a different id."],
    ),
    (
        "duplicate key",
        BASE.replace("    text: Done.\n", "    text: Done.\n    text: Twice.\n"),
        ["t.yaml:22:5: error: duplicate key 'text' in outcome state (first at line 21). "
         "Fix: keep one of them; YAML would silently use only the last."],
    ),
    (
        "outcome without a signpost",
        BASE.replace("signposts: [police_emergency]", "signposts: []"),
        ["t.yaml:22:16: error: outcome 'b' has no signposts. "
         "Fix: name at least one service from flows/signposts.yaml, e.g. police_emergency."],
    ),
    (
        "unknown signpost id",
        BASE.replace("signposts: [police_emergency]", "signposts: [police_emergancy]"),
        ["t.yaml:19:5: error: outcome 'b' names unknown signpost 'police_emergancy'. "
         "Fix: did you mean 'police_emergency'? use an id from flows/signposts.yaml."],
    ),
    (
        "phone number in text",
        BASE.replace("text: Done.", "text: Call 0800 555 111 now."),
        [f"t.yaml:19:5: error: the text of state 'b' contains the phone number '0800 555 111'. {FIX_CONTACT}"],
    ),
    (
        "short emergency number in text",
        BASE.replace("text: Done.", "text: Call 999 now."),
        [f"t.yaml:19:5: error: the text of state 'b' contains the phone number '999'. {FIX_CONTACT}"],
    ),
    (
        "web address in text",
        BASE.replace("text: Done.", "text: See https://example.org/x now."),
        ["t.yaml:19:5: error: the text of state 'b' contains the web address 'https://example.org/x'. "
         + FIX_CONTACT],
    ),
    (
        "bare domain in an option label",
        BASE.replace('label: "No"', 'label: "Visit gov.uk"'),
        [f"t.yaml:18:9: error: the label of 'no' in 'a' contains the web address 'gov.uk'. {FIX_CONTACT}"],
    ),
    (
        "unknown placeholder signpost",
        BASE.replace("text: Done.", "text: Call {phone:polise}."),
        ["t.yaml:19:5: error: the text of state 'b' refers to unknown signpost 'polise'. "
         "Fix: use an id from flows/signposts.yaml."],
    ),
    (
        "missing sources",
        BASE.replace('sources:\n  - {id: S1, title: Src, url: "https://example.org"}\n', ""),
        ["t.yaml:1:1: error: the flow is missing the required field 'sources'. Fix: add 'sources: ...' to the flow."],
    ),
    (
        "missing review metadata",
        BASE.replace("review_due: 2099-01-01\n", ""),
        ["t.yaml:1:1: error: the flow is missing the required field 'review_due'. "
         "Fix: add 'review_due: ...' to the flow."],
    ),
    (
        "why note citing an unknown source",
        BASE.replace("    text: Question?\n", "    text: Question?\n    why: {text: Because., source: S9}\n"),
        ["t.yaml:16:10: error: the why note of 'a' cites unknown source 'S9'. "
         "Fix: use one of this flow's source ids: S1."],
    ),
    (
        "review_due in the past is a warning",
        BASE.replace("review_due: 2099-01-01", "review_due: 2026-01-02"),
        ["t.yaml:8:13: warning: review_due 2026-01-02 is in the past. "
         "Fix: review the flow against the sources, then move reviewed_on and review_due on."],
    ),
    (
        "label over Telegram's 64 characters",
        BASE.replace('label: "Yes"', 'label: "' + "Y" * 65 + '"'),
        ["t.yaml:17:9: error: the label of 'yes' is 65 characters; Telegram shows at most 64. "
         "Fix: shorten it to 64 characters or fewer."],
    ),
    (
        "message over Telegram's 4096 characters",
        BASE.replace("text: Done.", "text: " + "word " * 900),
        ["t.yaml:19:5: error: the message for 'b' is 4607 characters; Telegram shows at most 4096. "
         "Fix: shorten it to 4096 characters or fewer.",
         # issue 15: and again in Welsh, whose interface texts and services around it are longer
         "t.yaml:19:5: error: the message for 'b' is 4636 characters; Telegram shows at most 4096. "
         "Fix: shorten it to 4096 characters or fewer."],
    ),
    (
        "callback data over 64 bytes",
        BASE.replace("  - id: a\n", "  - id: " + "a" * 40 + "\n").replace("start: a", "start: " + "a" * 40)
        .replace('{id: "yes"', "{id: yes_" + "y" * 30),
        ["t.yaml:17:9: error: the button data 'a:" + "a" * 40 + ":yes_" + "y" * 30 + "' is 77 bytes; "
         "Telegram allows at most 64. Fix: shorten the state or option id."],
    ),
    (
        "invalid YAML",
        "id: t\ntitle: [unclosed\n",
        ["t.yaml:3:1: error: this is not valid YAML: while parsing a flow sequence did not find expected "
         "',' or ']'. Fix: check the indentation and quoting here; quote text that contains "
         "': ' or starts with a special character such as '*', '&', '[' or '{'."],
    ),
    (
        "wrong type",
        BASE.replace("audience: [public]", "audience: public"),
        ["t.yaml:5:11: error: audience should be a list, but it is text. "
         "Fix: write audience as a list, one '- ' item per line or [a, b]."],
    ),
    (
        "empty file",
        "",
        ["t.yaml:1:1: error: the file is empty. "
         "Fix: write the flow's fields (id, title, version, status, ...); see flows/README.md."],
    ),
    (
        "YAML alias",
        BASE.replace("text: Question?", "text: &q Question?").replace("text: Done.", "text: *q"),
        ["t.yaml:21:11: error: YAML aliases (*name) are not allowed in flow files. "
         "Fix: write the value out in full instead of referring to an anchor."],
    ),
    (
        "unknown field with a suggestion",
        BASE.replace("    kind: outcome\n", "    kind: outcome\n    signpost: [police_emergency]\n"),
        ["t.yaml:21:5: error: unknown field 'signpost' in outcome state. Fix: did you mean 'signposts'? "
         "allowed fields are: id, kind, text, signposts, why, review_note, next_flows."],
    ),
    (
        "unknown state kind",
        BASE.replace("kind: outcome", "kind: ending"),
        ["t.yaml:20:11: error: unknown state kind 'ending'. Fix: use one of question, checklist, info, outcome."],
    ),
    (
        "reserved option id",
        BASE.replace('{id: "no"', "{id: back"),
        ["t.yaml:18:14: error: option id 'back' is reserved for a command. "
         "Fix: choose another id, such as 'go_back'."],
    ),
    (
        "file name and id differ",
        BASE.replace("id: t\n", "id: other\n", 1),
        ["t.yaml:1:5: error: flow id 'other' does not match the file name 't'. "
         "Fix: rename the file to other.yaml or change the id."],
    ),
    (
        "unknown next flow",
        BASE.replace("    signposts: [police_emergency]\n",
                     "    signposts: [police_emergency]\n    next_flows: [nope]\n"),
        ["t.yaml:19:5: error: outcome 'b' suggests unknown flow 'nope'. Fix: use a flow id: t."],
    ),
    (
        "bad date",
        BASE.replace("reviewed_on: 2026-01-01", "reviewed_on: 2026-13-01"),
        ["t.yaml:7:14: error: reviewed_on should be a date like 2026-11-29. "
         "Fix: write the date as YYYY-MM-DD without quotes."],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_has_an_exact_message(folder: Path, text: str, expected: list[str]) -> None:
    assert problems(folder, text) == expected


def test_binary_junk(folder: Path) -> None:
    assert problems(folder, b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe") == [
        "t.yaml:1:1: error: the file is not UTF-8 text (it may be binary). "
        "Fix: save it as UTF-8 text; flow files are YAML."
    ]


def test_control_characters(folder: Path) -> None:
    assert problems(folder, "id: t\ntitle: a\x07b\n") == [
        "t.yaml:2:9: error: the file contains a character YAML does not allow (U+0007). "
        "Fix: remove control characters; save the file as plain UTF-8 text."
    ]


@pytest.mark.parametrize("depth", [500, 5000])
def test_deep_nesting(folder: Path, depth: int) -> None:
    found = problems(folder, "x: " + "[" * depth + "]" * depth + "\n")
    assert len(found) == 1
    assert found[0].startswith("t.yaml:1:")
    assert found[0].endswith(": error: the YAML is nested more than 40 levels deep. "
                             "Fix: flatten the structure; flow files need only a few levels.")
    if depth == 500:
        assert found[0].startswith("t.yaml:1:43:")


PURE_PYTHON_CASES = [
    ("id: t\ntitle: [unclosed\n", "t.yaml:3:1: error: this is not valid YAML: while parsing a flow sequence "
     "expected ',' or ']', but got '<stream end>'."),
    ("id: t\ntitle: a\x07b\n", "t.yaml:2:9: error: the file contains a character YAML does not allow (U+0007)."),
    ("x: " + "[" * 5000, "t.yaml:1:43: error: the YAML is nested more than 40 levels deep."),
    (BASE.replace("text: Question?", "text: &q Question?").replace("text: Done.", "text: *q"),
     "t.yaml:21:11: error: YAML aliases (*name) are not allowed in flow files."),
]


@pytest.mark.parametrize(("text", "expected"), PURE_PYTHON_CASES)
def test_the_pure_python_parser_gives_the_same_kind_of_answers(
        folder: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str) -> None:
    from bot.flows import yamlsafe

    monkeypatch.setattr(yamlsafe, "USE_LIBYAML", False)
    found = problems(folder, text)
    assert len(found) == 1
    assert found[0].startswith(expected)


def test_both_parsers_build_the_same_flows(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.flows import yamlsafe

    fast = load_flows(FLOWS)
    monkeypatch.setattr(yamlsafe, "USE_LIBYAML", False)
    assert load_flows(FLOWS) == fast


def test_unquoted_yes_and_no_stay_text(folder: Path) -> None:
    assert problems(folder, BASE.replace('"yes"', "yes").replace('"no"', "no")) == []


def test_signpost_directory_rules(folder: Path) -> None:
    (folder / "t.yaml").write_text(BASE)
    directory = folder / "signposts.yaml"
    directory.write_text(directory.read_text() + "  - id: broken\n    name: {en: Broken, cy: Wedi torri}\n"
                         "    when: {en: Never., cy: Byth.}\n    phone: call us\n")
    found = [str(p) for p in validate_paths([Path(".")], today=TODAY)]
    assert found[-1].startswith("signposts.yaml:")
    assert found[-1].endswith(": error: phone 'call us' has characters other than digits and spaces. "
                              "Fix: write the number as digits with optional spaces, e.g. 0800 555 111.")


def test_load_flows_raises_with_every_error(folder: Path) -> None:
    (folder / "t.yaml").write_text(BASE.replace("next: b}", "next: c}"))
    with pytest.raises(FlowError) as caught:
        load_flows(folder)
    assert len(caught.value.problems) == 3
    assert str(caught.value).startswith("t.yaml:17:9: error:")


def test_validating_one_file_reports_only_that_file(folder: Path) -> None:
    (folder / "t.yaml").write_text(BASE)
    (folder / "u.yaml").write_text("id: u\n")
    assert validate_paths([Path("t.yaml")], today=TODAY) == []
    assert [str(p).split(":")[0] for p in validate_paths([Path("u.yaml")], today=TODAY)] == ["u.yaml"] * 10


def test_cli_exit_codes_and_no_traceback(folder: Path, run_cli: CliRunner) -> None:
    (folder / "t.yaml").write_text(BASE)
    clean = run_cli("validate", str(folder))
    assert (clean.returncode, clean.stdout.strip()) == (0, "OK: no errors, 0 warning(s).")
    (folder / "t.yaml").write_bytes(b"\xff\xfe\x00junk")
    broken = run_cli("validate", str(folder / "t.yaml"))
    assert broken.returncode == 1
    assert "Traceback" not in broken.stdout + broken.stderr
    assert broken.stdout.splitlines()[-1] == "1 error(s), 0 warning(s)."
    assert broken.stdout.splitlines()[0].endswith(
        "t.yaml:1:1: error: the file is not UTF-8 text (it may be binary). "
        "Fix: save it as UTF-8 text; flow files are YAML."
    )


def test_chat_refuses_to_start_on_invalid_flows(folder: Path, run_cli: CliRunner) -> None:
    (folder / "t.yaml").write_text(BASE.replace("next: b}", "next: c}"))
    result = run_cli("chat", "--json", "--flows", str(folder), input="")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "t.yaml:17:9: error: option 'yes' of 'a' goes to unknown state 'c'." in result.stderr
    assert result.stderr.splitlines()[-1] == "Refusing to start: 3 error(s) in the flow files."


def test_the_shipped_flows_are_clean() -> None:
    assert [str(p) for p in validate_paths([FLOWS])] == []


def test_warnings_are_printed_at_start_but_do_not_stop_it(folder: Path, run_cli: CliRunner) -> None:
    (folder / "t.yaml").write_text(BASE.replace("review_due: 2099-01-01", "review_due: 2020-01-02")
                                   .replace("reviewed_on: 2026-01-01", "reviewed_on: 2020-01-01"))
    result = run_cli("chat", "--json", "--flows", str(folder), "t", input="")
    assert result.returncode == 0
    assert result.stderr.strip().endswith("t.yaml:8:13: warning: review_due 2020-01-02 is in the past. "
                                          "Fix: review the flow against the sources, then move reviewed_on "
                                          "and review_due on.")
    assert json.loads(result.stdout)["state"] == "a"
