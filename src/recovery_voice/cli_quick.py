"""`recovery-voice check` without click: the quick path for the command scripts and hooks run most.

Importing click (and inspect, typing and the rest it brings) took about a third of a short check's
whole run. So cli.py first hands the arguments to run(), which reads `check`'s few options itself
and checks the text with the same functions the click command (cli_check.py) uses. Anything it does
not recognise exactly, --help, every mistake and every other command is left to click, which says
what it always said: run() returns None before it has printed anything or used up any input.
"""

import os
import sys

from .language import MAX_INPUT, SEVERITIES

FORMATS = ("text", "json")
VOICES = ("organisation", "storyteller")
DEFAULTS = {"file_path": None, "lines": False, "fmt": "text", "fail_on": "warning", "voice": "organisation",
            "config_path": None}
# check's options that take a value, and the parameter each fills; --lines is its only flag.
_VALUED = {"--file": "file_path", "--format": "fmt", "--fail-on": "fail_on", "--voice": "voice",
           "--config": "config_path"}
_CHOICES = {"fmt": FORMATS, "fail_on": SEVERITIES, "voice": VOICES}


class InputError(Exception):
    """The text to check cannot be had; `option` names the option at fault (None: the usage as a whole)."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


def read_check_input(text: str | None, file_path: str | None) -> str:
    """Read the text to check from the argument, standard input or a file, refusing more than MAX_INPUT characters."""
    if (text is not None) == (file_path is not None):
        raise InputError("give the text to check, - to read standard input, or --file PATH (one of them)")
    if file_path:
        try:
            with open(file_path, encoding="utf-8") as handle:
                source = handle.read(MAX_INPUT + 1)  # no further: the check's work grows with the text
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"cannot read {file_path}: {error}", "--file") from None
    else:
        source = sys.stdin.read(MAX_INPUT + 1) if text == "-" else text
    if len(source) > MAX_INPUT:
        raise InputError(f"the text to check is over {MAX_INPUT:,} characters; split it and check each part")
    return source


# What could identify someone, in words, for the text output (care.identifiers' kinds).
KIND_WORDS = {"phone": "a phone number", "email": "an email address", "address": "a street address",
              "postcode": "a postcode", "date-of-birth": "a date of birth", "person": "a person's name",
              "place": "a named place", "workplace": "a workplace", "fellowship": "a fellowship, with a name"}


def check_texts(source: str, lines: bool, fmt: str, fail_on: str, voice: str, settings, write,
                in_parts: bool = True) -> bool:
    """Check the source (each line on its own with `lines`), write(...) each result; tell whether any reached fail_on.

    Each result carries its care (care.assess): JSON as its "care" object, text as plain sentences after the findings.
    A long file's lines are checked on every core (parts.py) unless in_parts is False; the output is the same.
    """
    from . import care  # imported with the first check, not at start-up: --help and mistakes need none of it
    from .language import check  # the package is loaded already (MAX_INPUT); check is what runs

    if fmt == "json":
        import json  # here: a plain-text check needs no JSON

    def check_some(items: list[str], first: int, write_one) -> bool:
        failed = False
        for number, item in enumerate(items, start=first):
            if fmt == "json":
                result = care.check_text(item, voice=voice, settings=settings, fail_on=fail_on)
                failed = failed or not result["ok"]
                write_one(json.dumps({"line": number, **result} if lines else result, ensure_ascii=False))
                continue
            report = check(item, voice=voice, settings=settings)
            failed = failed or report.reaches(fail_on)
            concern = care.assess(item, voice=voice, region=care.region_of(settings))
            write_one(describe_report(report, number if lines else None, concern, care.TOPIC_WORDS))
        return failed

    if not lines:
        return check_some([source], 1, write)
    from . import parts

    items = source.splitlines()
    return parts.check_in_parts(items, check_some, write, parts.part_count(len(items)) if in_parts else 1)


def describe_report(report, line: int | None, concern: dict | None = None, topic_words: dict | None = None) -> str:
    """Describe one report's findings, then its care points, in plain words for a terminal."""
    prefix = f"line {line}: " if line else ""
    parts = [] if report.findings else [f"{prefix}no stigmatising language found."]
    for f in report.findings:
        parts.append(f"{prefix}{f.severity}: \"{f.text}\" (characters {f.start}-{f.end}, rule {f.rule})\n"
                     f"  {f.message}\n  Try: {' / '.join(f.suggestions) or '-'}   Source: {f.source}")
    return "\n".join(parts + describe_care(concern or {}, prefix, topic_words or {}))


def describe_care(concern: dict, prefix: str, topic_words: dict) -> list[str]:
    """Say what a care result means for the text, one sentence each: topics, a crisis, what could identify someone."""
    said = []
    if concern.get("topics"):
        topics = " and ".join(topic_words.get(topic, topic) for topic in concern["topics"])
        said.append(f"{prefix}Touches {topics}: needs a second admin's approval and gets the support footer.")
    if concern.get("crisis"):
        said.append(f"{prefix}These words suggest the writer may be at risk now: a storyteller is shown at once "
                    "where to get support, and the safeguarding leads are told straight away.")
    for found in concern.get("identifiers", []):
        what = KIND_WORDS.get(found["kind"], found["kind"])
        said.append(f"{prefix}Could identify someone: {what}, \"{found['text']}\" (characters "
                    f"{found['start']}-{found['end']}).")
    return said


def run(argv: list[str]) -> int | None:
    """Run `check` from these arguments and return its exit code, or None (nothing done) for click to handle them."""
    options = parse_check(argv)
    if options is None or not _writes_as_click_does():
        return None
    settings = _settings(options["config_path"])
    if settings is _CLICK:
        return None  # a config that click will describe as it always has
    if options["text"] == "-":
        _keep_standard_input()
    try:
        source = read_check_input(options["text"], options["file_path"])
    except InputError:
        source = None
    if source is None or "\x1b" in source:  # a mistake, or terminal escapes (which click.echo strips): click's
        if options["text"] == "-":
            sys.stdin.seek(0)  # click reads the same text again, and says the same about it
        return None
    return _check_and_print(source, options, settings)


def parse_check(argv: list[str]) -> dict | None:
    """Return check's parameters from `[--config PATH] check ...`, or None for anything else or anything unusual."""
    root_config, rest = _root_options(argv)
    if rest is None:
        return None
    options, texts = dict(DEFAULTS), []
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            texts += rest
            break
        if not arg.startswith("-") or arg == "-":
            texts.append(arg)
            continue
        name, has_value, value = arg.partition("=")
        if name == "--lines" and not has_value:
            options["lines"] = True
        elif name in _VALUED and (has_value or (rest and not rest[0].startswith("-"))):
            options[_VALUED[name]] = value if has_value else rest.pop(0)
        else:
            return None  # --help, an unknown option, or one without its value: click's to answer
    if len(texts) > 1 or any(options[key] not in allowed for key, allowed in _CHOICES.items()):
        return None
    options["text"] = texts[0] if texts else None
    options["config_path"] = options["config_path"] or root_config
    if (options["text"] is None) == (options["file_path"] is None) or options["file_path"] == "":
        return None
    return options


def _root_options(argv: list[str]) -> tuple[str | None, list[str] | None]:
    """Return the root group's --config and the arguments after `check`, or (None, None) if it is not `check`."""
    rest, config = list(argv), None
    while rest and rest[0] != "check":
        name, has_value, value = rest.pop(0).partition("=")
        if name != "--config" or not (has_value or (rest and not rest[0].startswith("-"))):
            return None, None
        config = value if has_value else rest.pop(0)
    return (config, rest[1:]) if rest else (None, None)


def _writes_as_click_does() -> bool:
    """Tell whether printing here gives what click.echo would: no shell completion, no rewrapped or missing stdout."""
    if os.name == "nt" or any(name.startswith("_") and name.endswith("_COMPLETE") for name in os.environ):
        return False  # Windows expands wildcards in arguments; completion is click's
    encoding = getattr(sys.stdout, "encoding", None)
    if not encoding:
        return False
    import codecs  # already loaded by Python itself

    return codecs.lookup(encoding).name != "ascii"  # click writes UTF-8 instead to a stream set to ASCII


_CLICK = object()  # _settings' answer for a config that click must report


def _settings(config_path: str | None):
    """Return the language settings of the config that applies (None: the defaults), or _CLICK if it is wrong."""
    from .config_place import find_config_path

    if find_config_path(config_path) is None:
        return None  # no config file: the defaults, and config.py (dates, time zones, slots) need not load
    from .config import ConfigError, load_config

    try:
        return load_config(config_path).language
    except ConfigError:
        return _CLICK


def _keep_standard_input() -> None:
    """Read standard input (as far as the check reads) into memory, so that click can read it again if handed over."""
    import io  # loaded by Python itself

    sys.stdin = io.StringIO(sys.stdin.read(MAX_INPUT + 1))


def _check_and_print(source: str, options: dict, settings) -> int:
    """Check and print as the click command does (one write per result, flushed at the end); return the exit code."""
    out = sys.stdout
    try:
        failed = check_texts(source, options["lines"], options["fmt"], options["fail_on"], options["voice"],
                             settings, lambda text: out.write(text + "\n"))
        out.flush()
    except (KeyboardInterrupt, EOFError):
        sys.stderr.write("\nAborted!\n")  # what click's standalone mode says
        return 1
    except BrokenPipeError:
        _quiet_closed_output()
        return 1
    return 1 if failed else 0


def _quiet_closed_output() -> None:
    """Point stdout at /dev/null after the reader went away, so exiting does not complain about the pipe (as click)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
