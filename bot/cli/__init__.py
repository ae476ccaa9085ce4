"""The ``referral-bot`` command line: one click group, each command in its own module.

Commands are imported lazily so that the terminal chat never imports Telegram.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

__all__ = ["cli", "main"]

# name -> (module, attribute, one-line summary)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "chat": ("bot.cli.chat", "chat", "Chat through the flows in the terminal (no token needed)."),
    "validate": ("bot.cli.validate", "validate", "Check flow files and report file:line:column problems."),
    "run": ("bot.cli.run", "run", "Run the Telegram bot (long polling or webhook)."),
    "stats": ("bot.cli.stats", "stats", "Report anonymised flow statistics."),
    "diagram": ("bot.cli.diagram", "diagram", "Draw a flow as a diagram."),
    "handbook": ("bot.cli.handbook", "handbook", "Write an offline HTML handbook of every flow."),
    "web": ("bot.cli.web", "web", "Serve the web channel: the guides in any browser."),
    "export-site": ("bot.cli.export_site", "export_site", "Write the offline web pack: static HTML for every step."),
    "health": ("bot.cli.health", "health", "Check that a running bot is alive (for container health checks)."),
    "translations": ("bot.cli.translations", "translations", "PO catalogues for translators: export, import, status."),
}


class LazyGroup(click.Group):
    """A group whose commands load on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = _COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attribute, _ = entry
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None
        command: click.Command = getattr(module, attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, summary) for name, (_, _, summary) in sorted(_COMMANDS.items())
                if self.get_command(ctx, name) is not None]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="referral-guide")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Referral Guide: guidance on modern slavery and exploitation concerns in the UK.

    With no command: runs the Telegram bot when TELEGRAM_BOT_TOKEN is set, otherwise
    the terminal chat.

    Example:

    \b
        referral-bot chat report_concern
    """
    if ctx.invoked_subcommand is None:
        import os

        name = "run" if os.environ.get("TELEGRAM_BOT_TOKEN") else "chat"
        command = cli.get_command(ctx, name)
        assert command is not None
        ctx.invoke(command)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    return cli.main(args=argv, prog_name="referral-bot")
