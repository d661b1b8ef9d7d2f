"""The `check` command: the language check from the command line, for scripts and hooks.

It imports only what checking needs (click, the config and the language check), so that it starts
quickly; cli.py loads it, and nothing else, when `check` is asked for. Most runs never get here:
cli_quick.py runs a plain `check` without click, with the same functions, and leaves --help and
every mistake to this command, which words them.
"""

import click

from .cli_quick import FORMATS, VOICES, InputError, check_texts, read_check_input
from .config import ConfigError, load_config
from .language import SEVERITIES


@click.command("check")
@click.argument("text", required=False)
@click.option("--file", "file_path", type=click.Path(dir_okay=False), help="Check the text in this file.")
@click.option("--lines", is_flag=True, help="Check each line as its own text.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(list(SEVERITIES)), default="warning", show_default=True)
@click.option("--voice", type=click.Choice(VOICES), default="organisation",
              show_default=True, help="storyteller: the writer's own story, where self-description is theirs.")
@click.option("--config", "config_path", metavar="PATH", help="Config file (default ./config.toml).")
@click.pass_context
def check_command(ctx, text, file_path, lines, fmt, fail_on, voice, config_path):
    """Check TEXT (or - for standard input) for stigmatising language."""
    try:
        config = load_config(config_path or ctx.find_root().params.get("config_path"))
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    try:
        source = read_check_input(text, file_path)
    except InputError as error:
        if error.option:
            raise click.BadParameter(str(error), param_hint=error.option) from None
        raise click.UsageError(str(error)) from None
    failed = check_texts(source, lines, fmt, fail_on, voice, config.language, click.echo)
    ctx.exit(1 if failed else 0)
