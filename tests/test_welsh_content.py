"""Issue 15's content: what is translated, who translated it, and that the Welsh says the same
numbers, links and law as the English, read straight from the shipped YAML."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_stats_fixtures import cli_command

from bot.flows import load_catalogue
from bot.flows.i18n import FileKind, translatable
from bot.flows.i18n import Path as YamlPath

FLOWS = Path(__file__).resolve().parents[1] / "flows"
TRANSLATED = ("ui.yaml", "signposts.yaml", "glossary.yaml", "report_concern.yaml", "spot_the_signs.yaml",
              "exploitation_types.yaml")
"""The files issue 15 has translated into Welsh."""
KINDS: dict[str, FileKind] = {"ui.yaml": "ui", "signposts.yaml": "signposts", "glossary.yaml": "glossary"}
WALES_ACT = ("Social Services and Well-being (Wales) Act 2014",
             "Deddf Gwasanaethau Cymdeithasol a Llesiant (Cymru) 2014")

_PLACEHOLDER = re.compile(r"\{(?:phone|name):[a-z0-9_]+\}")
_NUMBER = re.compile(r"\d[\d ]*\d|\d")
_ADDRESS = re.compile(r"https?://\S+|[\w.-]+\.(?:uk|org|com|example)\b")


def _pairs(name: str) -> Iterator[tuple[YamlPath, dict[str, str]]]:
    """Every {en, cy} text of a shipped file, with its YAML path."""
    data = yaml.safe_load((FLOWS / name).read_text(encoding="utf-8"))
    kind = KINDS.get(name, "flow")

    def walk(node: Any, path: YamlPath) -> Iterator[tuple[YamlPath, dict[str, str]]]:
        if translatable(kind, path) and isinstance(node, dict):
            yield path, node
        elif isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, (*path, str(key)))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, (*path, i))

    yield from walk(data, ())


def _found(pattern: re.Pattern[str], text: str) -> list[str]:
    return sorted(" ".join(m.split()) for m in pattern.findall(text))


@pytest.mark.parametrize("name", TRANSLATED)
def test_translated_files_declare_welsh_and_say_who_translated_them(name: str) -> None:
    """languages: [en, cy], a translation record, and no claim of a fluent speaker's review."""
    data = yaml.safe_load((FLOWS / name).read_text(encoding="utf-8"))
    assert data["languages"] == ["en", "cy"]
    record = data["translation"]["cy"]
    assert record["translated_by"]
    assert str(record["translated_on"]) == "2026-12-03"
    assert "reviewed_by" not in record  # nobody fluent has reviewed it yet: the channels say so
    assert record.get("complete", True) is True
    assert list(_pairs(name)), "no Welsh texts"


@pytest.mark.parametrize("name", TRANSLATED)
def test_numbers_links_and_placeholders_are_the_same_in_both_languages(name: str) -> None:
    """A Welsh text never drops, adds or changes a phone number, a link or a placeholder."""
    for path, texts in _pairs(name):
        english, welsh = texts["en"], texts["cy"]
        for pattern in (_PLACEHOLDER, _NUMBER, _ADDRESS):
            assert _found(pattern, welsh) == _found(pattern, english), (name, path, english, welsh)


def test_where_welsh_law_differs_both_languages_say_so() -> None:
    """Every English text that names the Wales Act has a Welsh text that names it too."""
    named = 0
    for name in TRANSLATED:
        for path, texts in _pairs(name):
            if WALES_ACT[0] in " ".join(texts["en"].split()):
                named += 1
                assert WALES_ACT[1] in " ".join(texts["cy"].split()), (name, path)
    assert named >= 1


def test_untranslated_flows_stay_english_and_everything_else_is_welsh() -> None:
    """In the Welsh set, the translated flows are Welsh and the others English (with a notice)."""
    welsh = load_catalogue(FLOWS)["cy"]
    assert {f.id: f.language for f in welsh.flows.values()} == {
        "report_concern": "cy", "spot_the_signs": "cy", "exploitation_types": "cy",
        "nrm_referral": "en", "smuggling_or_trafficking": "en", "s45_defence": "en"}
    english = load_catalogue(FLOWS)["en"]
    assert all(welsh.ui[key] != english.ui[key] for key in ("menu", "emergency", "help", "privacy"))


def _chat(*args: str, lines: str = "") -> list[dict[str, Any]]:
    result = subprocess.run([*cli_command(), "chat", "--json", *args], input=lines, capture_output=True,
                            text=True, check=True)
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_must_show_the_first_welsh_turn_of_report_concern_is_welsh() -> None:
    """`printf '' | referral-bot chat --json --lang cy report_concern`: Welsh text and buttons."""
    welsh = load_catalogue(FLOWS)["cy"].flows["report_concern"]
    [turn] = _chat("--lang", "cy", "report_concern")
    start = welsh.states[welsh.start]
    assert turn["text"] == start.text
    assert turn["text"] != load_catalogue(FLOWS)["en"].flows["report_concern"].states[welsh.start].text
    assert [o["id"] for o in turn["options"]] == [o["id"] for o in _chat("report_concern")[0]["options"]]


@pytest.mark.parametrize("typed", ["argyfwng", "999", "emergency"])
def test_must_show_the_welsh_emergency_turn_names_999(typed: str) -> None:
    """The emergency step in Welsh names 999, whichever language the emergency was typed in."""
    turns = _chat("--lang", "cy", "report_concern", lines=f"{typed}\n")
    emergency = turns[-1]
    assert emergency["state"] == "emergency"
    assert "999" in emergency["text"]
    assert any(s["phone"] == "999" for s in emergency["signposts"])
    assert emergency["text"] == load_catalogue(FLOWS)["cy"].ui["emergency"].replace(
        "{phone:police_emergency}", "999")
