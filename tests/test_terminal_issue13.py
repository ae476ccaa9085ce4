"""Issue 13 in the terminal, through the real ``referral-bot chat`` process: ``terms`` in
``--json`` turns, ``glossary`` and ``glossary WORD``, the nation asked once, and a force's
local profile (its contacts in an outcome, its name in ``about``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.engine import Engine
from bot.flows import load_flows
from tests.conftest import FLOWS, PROFILE, CliRunner

EXAMPLE = FLOWS / "local" / "example.yaml"


def turns(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_json_turns_carry_terms_and_the_nation_is_asked_once(nation_dir: Path, run_cli: CliRunner) -> None:
    lines = ["child", "scotland", "menu", "nation_first", "back", "continue"]
    result = run_cli("chat", "--json", "--flows", str(nation_dir), "where", input="\n".join(lines) + "\n")
    assert (result.returncode, result.stderr) == (0, "")
    out = turns(result.stdout)
    assert [t["state"] for t in out] == ["first", "nation", "scot", "menu", "checks", "checks", "done"]
    assert out[1]["terms"] == [{"term": "UK", "meaning": "United Kingdom",
                                "definition": "England, Wales, Scotland and Northern Ireland."}]
    assert [t["terms"] for t in out[2:4]] == [[], []]
    assert list(out[1]) == ["flow", "state", "text", "options", "signposts", "outcome", "terms"]


def test_glossary_commands_in_people_mode(nation_dir: Path, run_cli: CliRunner) -> None:
    result = run_cli("chat", "--flows", str(nation_dir), "where",
                     input="1\nglossary\nglossary hsc trust\nglossary GP\nquit\n")
    assert result.returncode == 0
    text = result.stdout
    assert "Which UK nation are you in?\n\n  Words: UK (type glossary WORD)" in text
    assert ("\n- NRM (National Referral Mechanism)\n- UK (United Kingdom)\n"
            "- HSC Trust (Health and Social Care Trust)\n- children's services\n") in text
    assert "HSC Trust (Health and Social Care Trust): Runs children's social services in Northern Ireland." in text
    unknown = Engine(load_flows(nation_dir)).ui("glossary_unknown")
    assert f"\n{unknown}\n" in text


def test_the_profile_sets_the_nation_shows_its_contacts_and_names_the_force(
        nation_dir: Path, run_cli: CliRunner) -> None:
    env = {"REFERRAL_BOT_LOCAL": str(PROFILE)}
    result = run_cli("chat", "--json", "--flows", str(nation_dir), "where", input="child\n", env=env)
    out = turns(result.stdout)
    assert (out[1]["state"], out[1]["outcome"]) == ("scot", "scot"), "the profile's nation: scotland"
    assert out[1]["signposts"] == [{"id": "police_non_emergency", "name": "Test Constabulary non-emergency line",
                                    "phone": "01632 960101", "url": None}]
    about = run_cli("chat", "--flows", str(nation_dir), input="about\nquit\n", env=env)
    force = f"{Engine(load_flows(nation_dir)).ui('local_force')} Test Constabulary\n\n- Nation first: reviewed"
    assert force in about.stdout


def test_a_shipped_flow_with_the_example_profile_shows_its_contacts(run_cli: CliRunner) -> None:
    """The example profile's Ofcom drama numbers reach an outcome of a shipped flow."""
    from bot.stories import load_stories, run_story

    flowset = load_flows(FLOWS, local=EXAMPLE)
    assert flowset.local is not None
    engine = Engine(flowset)
    local_numbers = {s.phone for group in flowset.local.overrides.values() for s in group if s.phone}
    shown: dict[str, list[str]] = {}
    for story in load_stories(FLOWS / "stories"):
        result = run_story(engine, story)
        if result.turn is not None:
            phones = [s.phone for s in result.turn.signposts if s.phone in local_numbers]
            if phones:
                shown[story.name] = phones  # type: ignore[assignment]
    assert shown, "no story outcome shows a contact from flows/local/example.yaml"
    name, phones = next(iter(shown.items()))
    flow_id, story_id = name.split("/")
    story = next(s for s in load_stories(FLOWS / "stories") if s.name == name)
    result = run_cli("chat", "--json", flow_id, input="\n".join(story.choices) + "\n",
                     env={"REFERRAL_BOT_LOCAL": str(EXAMPLE)})
    last = turns(result.stdout)[-1]
    assert last["outcome"] is not None
    assert set(phones) <= {s["phone"] for s in last["signposts"]}, story_id
    for phone in phones:
        assert phone.startswith("01632 960"), "Ofcom drama numbers only"
