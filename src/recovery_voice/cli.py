"""The `recovery-voice` command line: a thin door into the same pipeline the web app uses.

The root group names every command here but imports the module that holds one only when that
command is asked for (click's lazy-subcommand pattern), so `check` starts without the database,
the publishers or the web app: cli_check.py holds `check`, cli_commands.py all the others.
"""

import importlib

import click

# command name -> (module of this package, attribute): what `recovery-voice NAME` runs.
COMMANDS = {
    "accounts": ("cli_commands", "accounts_group"),
    "check": ("cli_check", "check_command"),
    "email": ("cli_email", "email_group"),
    "init": ("cli_commands", "init_command"),
    "log": ("cli_commands", "log_command"),
    "posts": ("cli_commands", "posts_group"),
    "queue": ("cli_commands", "queue_group"),
    "serve": ("cli_commands", "serve_command"),
    "templates": ("cli_commands", "templates_group"),
    "worker": ("cli_commands", "worker_command"),
}


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


@click.group(cls=LazyGroup, lazy_commands=COMMANDS)
@click.option("--config", "config_path", metavar="PATH", help="Config file (default ./config.toml).")
@click.version_option(package_name="recovery-voice")
def main(config_path):
    """recovery-voice: queue, check and publish recovery-positive posts."""
    # Logging is set up by the commands that log (cli_commands.command); `check` does not.
