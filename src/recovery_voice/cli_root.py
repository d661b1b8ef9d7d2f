"""The root click group of `recovery-voice`: every command of cli.COMMANDS, each imported when first asked for.

cli.main() comes here for everything but a plain `check` (see cli_quick.py): other commands,
--help, --version and every mistake, which click words.
"""

import importlib

import click

from .cli import COMMANDS


class LazyGroup(click.Group):
    """A group whose commands are imported from their modules the first time each is asked for."""

    def __init__(self, *args, lazy_commands: dict[str, tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Name every command, loaded or not, in alphabetical order as click lists them."""
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Return the command with this name, importing its module first if it is not loaded yet."""
        if name in self.lazy_commands and name not in self.commands:
            module, attribute = self.lazy_commands[name]
            self.add_command(getattr(importlib.import_module(f".{module}", __package__), attribute), name)
        return super().get_command(ctx, name)


@click.group("main", cls=LazyGroup, lazy_commands=COMMANDS)
@click.option("--config", "config_path", metavar="PATH", help="Config file (default ./config.toml).")
@click.version_option(package_name="recovery-voice")
def root(config_path):
    """recovery-voice: queue, check and publish recovery-positive posts."""
    # Logging is set up by the commands that log (cli_commands.command); `check` does not.
