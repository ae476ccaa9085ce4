"""The terminal chat through the real ``referral-bot chat`` process: the ``--json`` protocol and
the people's mode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import CliRunner

KEYS = ["flow", "state", "text", "options", "signposts", "outcome", "terms"]


def turns(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_json_protocol_through_a_flow(demo_dir: Path, run_cli: CliRunner) -> None:
    lines = ["2", "no_id", "3", "Frightened", "scared", "done", "Continue"]
    result = run_cli("chat", "--json", "--flows", str(demo_dir), "demo", input="\n".join(lines) + "\n")
    assert (result.returncode, result.stderr) == (0, "")
    out = turns(result.stdout)
    assert len(out) == len(lines) + 1
    assert out[0] == {
        "flow": "demo", "state": "ask", "text": "Is anyone in danger?",
        "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}],
        "signposts": [], "outcome": None, "terms": [],
    }
    assert [(t["state"], t.get("selected")) for t in out[1:6]] == [
        ("signs", []), ("signs", ["no_id"]), ("signs", ["no_id", "scared"]), ("signs", ["no_id"]),
        ("signs", ["no_id", "scared"]),
    ]
    assert list(out[1]) == [*KEYS, "selected"]
    assert out[-1] == {
        "flow": "demo", "state": "report", "text": "Call Crimestoppers (anonymous) on 0800 555 111.",
        "options": [],
        "signposts": [{"id": "crimestoppers", "name": "Crimestoppers (anonymous)", "phone": "0800 555 111",
                       "url": "https://crimestoppers-uk.org"}],
        "outcome": "report", "terms": [],
    }


def test_json_menu_without_flow_id_and_errors(demo_dir: Path, run_cli: CliRunner) -> None:
    weird = ["", "42", "yes please", "x" * 20_000, "\x1b[2J", "\u202eemergency", "\x00", "demo"]
    result = run_cli("chat", "--json", "--flows", str(demo_dir), input="\n".join(weird) + "\n")
    assert result.returncode == 0
    out = turns(result.stdout)
    assert out[0] == {"flow": None, "state": "menu", "text": out[0]["text"],
                      "options": [{"id": "demo", "label": "Demo flow"}], "signposts": [], "outcome": None,
                      "terms": []}
    for turn in out[1:-1]:
        assert list(turn) == [*KEYS, "error"]
        assert turn["options"] == out[0]["options"]
        assert turn["state"] == "menu"
    assert (out[-1]["state"], "error" in out[-1]) == ("ask", False)


def test_json_emergency_then_back_and_restart(demo_dir: Path, run_cli: CliRunner) -> None:
    lines = ["no", "bruises", "emergency", "back", "back", "restart", "menu"]
    result = run_cli("chat", "--json", "--flows", str(demo_dir), "demo", input="\n".join(lines) + "\n")
    out = turns(result.stdout)
    emergency = out[3]
    assert (emergency["flow"], emergency["state"], emergency["outcome"]) == ("demo", "emergency", None)
    assert emergency["signposts"][0] == {"id": "police_emergency", "name": "Police emergency (999)",
                                         "phone": "999", "url": None}
    assert emergency["options"] == [{"id": "back", "label": "Back to where I was"}]
    assert (out[4]["state"], out[4]["selected"]) == ("signs", ["bruises"])
    assert [t["state"] for t in out[5:]] == ["ask", "ask", "menu"]


def test_end_of_input_exits_zero_even_without_lines(demo_dir: Path, run_cli: CliRunner) -> None:
    result = run_cli("chat", "--json", "--flows", str(demo_dir), "demo", input="")
    assert (result.returncode, len(turns(result.stdout))) == (0, 1)


def test_unknown_flow_id_is_a_clear_error(demo_dir: Path, run_cli: CliRunner) -> None:
    result = run_cli("chat", "--json", "--flows", str(demo_dir), "nope", input="")
    assert result.returncode == 2
    assert "unknown flow 'nope'. Known flows: demo, other." in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_utf8_input_is_just_not_understood(demo_dir: Path, run_cli: CliRunner, tmp_path: Path) -> None:
    import subprocess

    from tests.conftest import cli_command

    result = subprocess.run([*cli_command(), "chat", "--json", "--flows", str(demo_dir), "demo"],
                            input=b"\xff\xfe\n2\n", capture_output=True, timeout=60, check=False,
                            env={"PATH": "/usr/bin:/bin", "REFERRAL_BOT_DB": str(tmp_path / "s.db")})
    out = turns(result.stdout.decode())
    assert (result.returncode, "error" in out[1], out[2]["state"]) == (0, True, "signs")


def test_people_mode_numbers_help_and_quit(demo_dir: Path, run_cli: CliRunner) -> None:
    result = run_cli("chat", "--flows", str(demo_dir), input="1\nhelp\n2\nwhat\nquit\n")
    assert result.returncode == 0
    text = result.stdout
    assert "  1. Demo flow" in text
    assert "Is anyone in danger?\n\n  1. Yes\n  2. No" in text
    assert "This is guidance, not legal advice" in text
    assert "2099-01-01" not in text, "review dates are in about, not in help (issue 13)"
    assert "  1. [ ] Injuries" in text
    assert "! Sorry, I did not understand that." in text


def test_training_mode_in_the_terminal(demo_dir: Path, run_cli: CliRunner) -> None:
    result = run_cli("chat", "--json", "--training", "--flows", str(demo_dir), "demo", input="")
    assert turns(result.stdout)[0]["text"] == "Is anyone in danger?\n\nWhy: Safety first. (Source: A source)"


def test_people_mode_about_shows_the_disclaimer_review_dates_and_sources(demo_dir: Path, run_cli: CliRunner) -> None:
    result = run_cli("chat", "--flows", str(demo_dir), "demo", input="about\nquit\n")
    assert result.returncode == 0
    assert "Referral Guide is guidance, not legal advice." in result.stdout
    assert ("- Demo flow: reviewed 2026-01-01, review due 2099-01-01\n"
            "- Another flow (draft): reviewed 2026-01-01, review due 2099-01-01\n"
            "Owner of every guide: Test owner") in result.stdout
    assert "Demo flow:\n  - A source: https://example.org/source" in result.stdout
    assert "Is anyone in danger?" in result.stdout.split("https://example.org/source", 2)[2]
