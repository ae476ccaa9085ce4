"""Issue 13's validator rules, each with its exact ``file:line:column`` message: ``remember:``
questions, flows/glossary.yaml and its abbreviation check, and a force's local profile."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.flows import validate_paths
from bot.flows.links import link_problem, statute_problem
from tests.conftest import FLOWS, NATIONS, CliRunner

TODAY = date(2026, 11, 29)
UNDEFINED = "is an abbreviation the glossary does not define. Fix: add it to flows/glossary.yaml, or spell it out."
NATION_Q = """\
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
    text: Which nation?
    remember: nation
    options:
      - {id: england, label: England, next: b}
      - {id: wales, label: Wales, next: b}
      - {id: scotland, label: Scotland, next: b}
      - {id: northern_ireland, label: Northern Ireland, next: b}
  - id: b
    kind: outcome
    text: Done.
    signposts: [police_emergency]
"""
GLOSSARY = """\
terms:
  - term: NRM
    meaning: National Referral Mechanism
    definition: The framework.
    source: https://www.gov.uk/x
    aliases: [NRMs]
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small issue 13 directory and the shipped interface texts; paths print relative."""
    shutil.copy(NATIONS / "signposts.yaml", tmp_path / "signposts.yaml")
    shutil.copy(FLOWS / "ui.yaml", tmp_path / "ui.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def problems(folder: Path, flow: str = NATION_Q, glossary: str | None = None,
             profile: str | None = None) -> list[str]:
    (folder / "t.yaml").write_text(flow, encoding="utf-8")
    if glossary is not None:
        (folder / "glossary.yaml").write_text(glossary, encoding="utf-8")
    local = None
    if profile is not None:
        local = Path("local") / "local.yaml"  # profiles live beside the flows, never among them
        local.parent.mkdir(exist_ok=True)
        local.write_text(profile, encoding="utf-8")
    return [str(p) for p in validate_paths([Path(".")], today=TODAY, local=local)]


def test_a_clean_nation_question(folder: Path) -> None:
    assert problems(folder) == []


REMEMBER_CASES = [
    ("unknown fact", NATION_Q.replace("remember: nation", "remember: county"),
     ["t.yaml:16:15: error: unknown fact 'county' in remember. Fix: use one of: nation; or remove 'remember:'."]),
    ("remember is not an id", NATION_Q.replace("remember: nation", "remember: [nation]"),
     ["t.yaml:16:15: error: remember should be text, but it is a list. "
      "Fix: write remember as text on the same line, in quotes if it has special characters."]),
    ("a missing nation", NATION_Q.replace("      - {id: wales, label: Wales, next: b}\n", ""),
     ["t.yaml:13:5: error: question 'a' remembers 'nation' but has no option for wales. "
      "Fix: give its options exactly the ids england, wales, scotland, northern_ireland "
      "(several may share a next state)."]),
    ("an option that is no nation", NATION_Q.replace("id: wales, label: Wales", "id: cymru, label: Wales"),
     ["t.yaml:13:5: error: question 'a' remembers 'nation' but has option(s) cymru, which are not values of "
      "'nation'. Fix: give its options exactly the ids england, wales, scotland, northern_ireland "
      "(several may share a next state).",
      "t.yaml:13:5: error: question 'a' remembers 'nation' but has no option for wales. "
      "Fix: give its options exactly the ids england, wales, scotland, northern_ireland "
      "(several may share a next state)."]),
    ("remember on an outcome", NATION_Q.replace("    signposts: [police_emergency]\n",
                                                "    signposts: [police_emergency]\n    remember: nation\n"),
     ["t.yaml:26:5: error: unknown field 'remember' in outcome state. "
      "Fix: allowed fields are: id, kind, text, signposts, why, review_note, next_flows."]),
]


@pytest.mark.parametrize(("flow", "expected"), [c[1:] for c in REMEMBER_CASES], ids=[c[0] for c in REMEMBER_CASES])
def test_remember_rules(folder: Path, flow: str, expected: list[str]) -> None:
    assert problems(folder, flow) == expected


GLOSSARY_CASES = [
    ("clean", GLOSSARY, []),
    ("no terms list", "terms: NRM\n",
     ["glossary.yaml:1:8: error: terms should be a list, but it is text. "
      "Fix: write terms as a list, one '- ' item per line or [a, b]."]),
    ("missing definition", GLOSSARY.replace("    definition: The framework.\n", ""),
     ["glossary.yaml:2:5: error: a glossary term is missing the required field 'definition'. "
      "Fix: add 'definition: ...' to a glossary term."]),
    ("unknown field", GLOSSARY.replace("    aliases:", "    alias:"),
     ["glossary.yaml:6:5: error: unknown field 'alias' in a glossary term. "
      "Fix: did you mean 'aliases'? allowed fields are: term, definition, source, meaning, aliases."]),
    ("abbreviation without meaning", GLOSSARY.replace("    meaning: National Referral Mechanism\n", ""),
     ["glossary.yaml:2:5: error: term 'NRM' is an abbreviation but has no meaning. "
      "Fix: add 'meaning:' with what it stands for, e.g. meaning: National Referral Mechanism."]),
    ("long definition", GLOSSARY.replace("The framework.", "x" * 401),
     ["glossary.yaml:4:17: error: the definition of 'NRM' is 401 characters long. "
      "Fix: shorten it to 400 characters or fewer: one or two plain sentences."]),
    ("contact in definition", GLOSSARY.replace("The framework.", "Call 0800 123 4567."),
     ["glossary.yaml:4:17: error: the definition of 'NRM' contains the phone number '0800 123 4567'. "
      "Fix: phone numbers and web addresses live only in flows/signposts.yaml and 'source:'."]),
    ("http source", GLOSSARY.replace("https://www.gov.uk/x", "http://www.gov.uk/x"),
     ["glossary.yaml:5:13: error: the source 'http://www.gov.uk/x' does not start with https://. "
      "Fix: write the full https address with a lower-case host, no port and no trailing dot."]),
    ("capital host", GLOSSARY.replace("https://www.gov.uk/x", "https://www.Gov.uk/x"),
     ["glossary.yaml:5:13: error: the source 'https://www.Gov.uk/x' has capital letters in the host. "
      "Fix: write the full https address with a lower-case host, no port and no trailing dot."]),
    ("defined twice", GLOSSARY + "  - {term: NRMs, meaning: x, definition: y, source: 'https://a.example'}\n",
     ["glossary.yaml:7:12: error: 'NRMs' is defined twice in the glossary (first at line 6). "
      "Fix: keep one entry, or make it an alias of the other."]),
    ("undefined abbreviation in a label", GLOSSARY,
     ["t.yaml:21:9: error: 'UK' " + UNDEFINED]),
    ("undefined abbreviation in a title and a state", GLOSSARY,
     ["t.yaml:2:8: error: 'MASH' " + UNDEFINED, "t.yaml:13:5: error: 'GLAA' " + UNDEFINED]),
]
FLOW_FOR = {
    "undefined abbreviation in a label": NATION_Q.replace("label: Northern Ireland", "label: Northern Ireland (UK)"),
    "undefined abbreviation in a title and a state": NATION_Q.replace("title: T", "title: MASH and NRMs")
    .replace("text: Which nation?", "text: Which nation? The NRM, not the GLAA (OK)."),
}


@pytest.mark.parametrize(("name", "glossary", "expected"), GLOSSARY_CASES, ids=[c[0] for c in GLOSSARY_CASES])
def test_glossary_rules(folder: Path, name: str, glossary: str, expected: list[str]) -> None:
    assert problems(folder, FLOW_FOR.get(name, NATION_Q), glossary) == expected


def test_without_a_glossary_abbreviations_are_not_checked(folder: Path) -> None:
    assert problems(folder, NATION_Q.replace("title: T", "title: GLAA")) == []


def test_the_directory_is_checked_for_abbreviations_too(folder: Path) -> None:
    directory = (folder / "signposts.yaml").read_text(encoding="utf-8")
    (folder / "signposts.yaml").write_text(directory.replace("name: Childline", "name: Childline (NSPCC)"),
                                           encoding="utf-8")
    assert problems(folder, glossary=GLOSSARY) == ["signposts.yaml:11:5: error: 'NSPCC' " + UNDEFINED]


PROFILE = """\
# FICTIONAL
force: Example Constabulary
nation: wales
online_report: https://www.police.example/report
spoc: {name: Modern slavery lead, phone: "01632 960001"}
areas:
  - name: Exampletown
    childrens_services: {phone: "01632 960010"}
    adult_safeguarding: {url: https://www.exampletown.example/adults}
signposts:
  - {id: local_line, name: Local line, when: Any time., phone: "01632 960002"}
"""
PROFILE_CASES = [
    ("clean but generic ids missing", PROFILE,
     ["local/local.yaml:4:16: warning: the directory has no 'police_online_report' entry, so no flow can show these "
      "contacts. Fix: add a generic 'police_online_report' entry to flows/signposts.yaml and name it in outcomes.",
      "local/local.yaml:5:7: warning: the directory has no 'force_spoc' entry, so no flow can show these contacts. "
      "Fix: add a generic 'force_spoc' entry to flows/signposts.yaml and name it in outcomes."]),
    ("missing force", PROFILE.replace("force: Example Constabulary\n", ""),
     ["local/local.yaml:2:1: error: the local profile is missing the required field 'force'. "
      "Fix: add 'force: ...' to the local profile."]),
    ("bad nation", PROFILE.replace("nation: wales", "nation: cornwall"),
     ["local/local.yaml:3:9: error: nation 'cornwall' is not a UK nation. "
      "Fix: use one of england, wales, scotland, northern_ireland."]),
    ("bad phone", PROFILE.replace('"01632 960010"', '"01632-960010"'),
     ["local/local.yaml:8:33: error: phone '01632-960010' has characters other than digits and spaces. "
      "Fix: write the number as digits with optional spaces, in quotes, e.g. \"01632 960001\"."]),
    ("bad url", PROFILE.replace("https://www.exampletown.example/adults", "https://www.exampletown.example:8443/a"),
     ["local/local.yaml:9:31: error: url 'https://www.exampletown.example:8443/a' names a port. "
      "Fix: write the full https address with a lower-case host, no port and no trailing dot."]),
    ("contact with nothing", PROFILE.replace('{phone: "01632 960010"}', "{}"),
     ["local/local.yaml:8:25: error: childrens_services has no phone or url. Fix: add 'phone:' or 'url:'."]),
    ("area without contacts", PROFILE.replace('    childrens_services: {phone: "01632 960010"}\n', "")
     .replace("    adult_safeguarding: {url: https://www.exampletown.example/adults}\n", ""),
     ["local/local.yaml:7:5: error: area 'Exampletown' has no contacts. "
      "Fix: add one or more of: childrens_services, mash, adult_safeguarding."]),
    ("signpost given twice", PROFILE + "  - {id: childrens_services, name: C, when: W, phone: \"01632 960011\"}\n",
     ["local/local.yaml:12:5: error: signpost 'childrens_services' is also given by the profile's areas (line 8). "
      "Fix: give it once: remove this entry or the other."]),
    ("broken directory-shaped signpost", PROFILE.replace("when: Any time., ", ""),
     ["local/local.yaml:11:5: error: a signpost is missing the required field 'when'. "
      "Fix: add 'when: ...' to a signpost."]),
]


@pytest.mark.parametrize(("profile", "expected"), [c[1:] for c in PROFILE_CASES], ids=[c[0] for c in PROFILE_CASES])
def test_profile_rules(folder: Path, profile: str, expected: list[str]) -> None:
    assert [p for p in problems(folder, profile=profile) if ("police_online_report" not in p
            and "force_spoc" not in p) or profile == PROFILE] == expected


def test_a_missing_profile_and_an_undefined_abbreviation_in_it(folder: Path) -> None:
    (folder / "t.yaml").write_text(NATION_Q, encoding="utf-8")
    missing = [str(p) for p in validate_paths([Path(".")], today=TODAY, local=Path("nope.yaml"))]
    assert missing == ["nope.yaml:1:1: error: the local profile does not exist. "
                       "Fix: check the path in REFERRAL_BOT_LOCAL (e.g. flows/local/example.yaml)."]
    found = problems(folder, glossary=GLOSSARY, profile=PROFILE.replace("Modern slavery lead", "MS SPOC"))
    assert "local/local.yaml:5:7: error: 'MS' " + UNDEFINED in found
    assert "local/local.yaml:5:7: error: 'SPOC' " + UNDEFINED in found


def test_validate_local_on_the_command_line(folder: Path, run_cli: CliRunner) -> None:
    (folder / "t.yaml").write_text(NATION_Q, encoding="utf-8")
    (folder / "local").mkdir()
    (folder / "local" / "x.yaml").write_text(PROFILE.replace("nation: wales", "nation: mars"), encoding="utf-8")
    result = run_cli("validate", ".", "--local", "local/x.yaml", cwd=folder)
    assert result.returncode == 1
    assert "local/x.yaml:3:9: error: nation 'mars' is not a UK nation." in result.stdout
    assert "Traceback" not in result.stderr
    by_env = run_cli("validate", ".", cwd=folder, env={"REFERRAL_BOT_LOCAL": "local/x.yaml"})
    assert (by_env.returncode, by_env.stdout) == (result.returncode, result.stdout)
    (folder / "local" / "x.yaml").write_text(PROFILE, encoding="utf-8")
    clean = run_cli("validate", ".", "--local", "local/x.yaml", cwd=folder)
    assert (clean.returncode, clean.stdout.splitlines()[-1]) == (0, "OK: no errors, 2 warning(s).")


@pytest.mark.parametrize(("url", "expected"), [
    ("https://www.gov.uk/a", None),
    ("http://www.gov.uk/a", "does not start with https://"),
    ("https://www.Gov.uk/a", "has capital letters in the host"),
    ("https://en.wikisource.org./wiki", "has a trailing dot after the host"),
    ("https://www.legislation.gov.uk:443/ukpga", "names a port"),
    ("https:///path", "has no host"),
    ("https://a.example/a b", "contains a space"),
])
def test_link_rules(url: str, expected: str | None) -> None:
    assert link_problem(url) == expected


def test_statutes_link_to_legislation_gov_uk() -> None:
    wikisource = "https://en.wikisource.org/wiki/Page:Modern_Slavery_Act_2015.pdf/8"
    assert statute_problem("Modern Slavery Act 2015 s1", wikisource) == \
        "cites a statute but does not link to legislation.gov.uk"
    assert statute_problem("Modern Slavery Act 2015 s1", "https://www.legislation.gov.uk/ukpga/2015/30") is None
    assert statute_problem("Modern Slavery Act 2015: statutory guidance", "https://www.gov.uk/x") is None
