"""The `check` command: the language check from the command line, for scripts and hooks.

It imports only what checking needs (click, the config and the language check), so that it starts
quickly; cli.py loads it, and nothing else, when `check` is asked for.
"""

import sys

import click

from .config import ConfigError, load_config
from .language import MAX_INPUT, SEVERITIES, check


@click.command("check")
@click.argument("text", required=False)
@click.option("--file", "file_path", type=click.Path(dir_okay=False), help="Check the text in this file.")
@click.option("--lines", is_flag=True, help="Check each line as its own text.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(list(SEVERITIES)), default="warning", show_default=True)
@click.option("--voice", type=click.Choice(["organisation", "storyteller"]), default="organisation",
              show_default=True, help="storyteller: the writer's own story, where self-description is theirs.")
@click.option("--config", "config_path", metavar="PATH", help="Config file (default ./config.toml).")
@click.pass_context
def check_command(ctx, text, file_path, lines, fmt, fail_on, voice, config_path):
    """Check TEXT (or - for standard input) for stigmatising language."""
    try:
        config = load_config(config_path or ctx.find_root().params.get("config_path"))
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    source = _read_check_input(text, file_path)
    texts = source.splitlines() if lines else [source]
    failed = False
    for number, item in enumerate(texts, start=1):
        report = check(item, voice=voice, settings=config.language)
        failed = failed or report.reaches(fail_on)
        if fmt == "json":
            import json  # here: a plain-text check needs no JSON

            result = report.to_dict(fail_on=fail_on)
            click.echo(json.dumps({"line": number, **result} if lines else result, ensure_ascii=False))
        else:
            click.echo(_describe_report(report, number if lines else None))
    ctx.exit(1 if failed else 0)


def _read_check_input(text, file_path) -> str:
    """Read the text to check from the argument, standard input or a file, refusing more than MAX_INPUT characters."""
    if (text is not None) == (file_path is not None):
        raise click.UsageError("give the text to check, - to read standard input, or --file PATH (one of them)")
    if file_path:
        try:
            with open(file_path, encoding="utf-8") as handle:
                source = handle.read(MAX_INPUT + 1)  # no further: the check's work grows with the text
        except (OSError, UnicodeDecodeError) as error:
            raise click.BadParameter(f"cannot read {file_path}: {error}", param_hint="--file") from None
    else:
        source = sys.stdin.read(MAX_INPUT + 1) if text == "-" else text
    if len(source) > MAX_INPUT:
        raise click.UsageError(f"the text to check is over {MAX_INPUT:,} characters; split it and check each part")
    return source


def _describe_report(report, line: int | None) -> str:
    """Describe one report's findings in plain words for a terminal."""
    prefix = f"line {line}: " if line else ""
    if not report.findings:
        return f"{prefix}no stigmatising language found."
    parts = []
    for f in report.findings:
        parts.append(f"{prefix}{f.severity}: \"{f.text}\" (characters {f.start}-{f.end}, rule {f.rule})\n"
                     f"  {f.message}\n  Try: {' / '.join(f.suggestions) or '-'}   Source: {f.source}")
    return "\n".join(parts)
