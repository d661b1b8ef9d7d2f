"""The `recovery-voice` command line: a thin door into the same pipeline the web app uses.

main() first offers the arguments to cli_quick.py, which runs a plain `check` without importing
click, so that scripts and hooks get their answer quickly. Everything else (every other command,
--help, every mistake) goes to the click group in cli_root.py, which names every command here but
imports the module that holds one only when that command is asked for (click's lazy-subcommand
pattern), so no command loads the database, the publishers or the web app unless it needs them:
cli_check.py holds `check`, cli_commands.py most of the others.
"""

import sys

# command name -> (module of this package, attribute): what `recovery-voice NAME` runs.
COMMANDS = {
    "accounts": ("cli_commands", "accounts_group"),
    "blackout": ("cli_publishing", "blackout_group"),
    "check": ("cli_check", "check_command"),
    "email": ("cli_email", "email_group"),
    "init": ("cli_commands", "init_command"),
    "log": ("cli_commands", "log_command"),
    "posts": ("cli_commands", "posts_group"),
    "publishing": ("cli_publishing", "publishing_group"),
    "queue": ("cli_commands", "queue_group"),
    "serve": ("cli_commands", "serve_command"),
    "templates": ("cli_commands", "templates_group"),
    "users": ("cli_users", "users_group"),
    "worker": ("cli_commands", "worker_command"),
}


def main(args: list[str] | None = None) -> None:
    """Run the command line with these arguments (default: the process's) and exit with its exit code."""
    from .cli_quick import run

    code = run(sys.argv[1:] if args is None else list(args))
    if code is not None:
        sys.exit(code)
    from .cli_root import root  # click, for everything the quick path leaves to it

    root.main(args=args)
