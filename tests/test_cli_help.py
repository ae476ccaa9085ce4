"""Every command documents itself: help text that ends with an example (the sqlite-utils habit)."""

from __future__ import annotations

import click
import pytest

from bot.cli import _COMMANDS, cli


def all_commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    context = click.Context(cli)
    for name in sorted(_COMMANDS):
        command = cli.get_command(context, name)
        assert command is not None, f"command {name!r} is listed but its module is missing"
        found.append((name, command))
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", command.commands[sub]) for sub in sorted(command.commands)]
    return found


@pytest.mark.parametrize(("name", "command"), all_commands(), ids=[n for n, _ in all_commands()])
def test_help_text_ends_with_an_example(name: str, command: click.Command) -> None:
    text = command.help or ""
    assert text.strip(), f"{name} has no help text"
    assert "Example:" in text, f"{name}'s help has no Example: block"
    example = text.rsplit("Example:", 1)[1]
    assert "referral-bot" in example, f"{name}'s example does not show the command"


def test_the_group_has_help_with_an_example() -> None:
    assert "Example:" in (cli.help or "")
