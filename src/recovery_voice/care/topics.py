"""Which hard topics a text touches: "suicide" and "drug-death" (the words are data, in topics.toml)."""

from __future__ import annotations

import marshal
import os
import re
import sys
from collections import namedtuple
from functools import lru_cache
from pathlib import Path

TOPICS = ("suicide", "drug-death")
DATA = Path(__file__).with_name("topics.toml")
MAX_INPUT = 1_000_000  # characters, as the language check takes
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_CONTEXT = 80  # characters either side of a match in which an exception is looked for


class Topic(namedtuple("Topic", "name keywords pattern exceptions")):
    """One topic: the words that let a text in (keywords), what touches it (pattern), the senses that do not."""

    # collections' namedtuple, not typing's: importing typing costs every `check` command's start.
    __slots__ = ()


def topics(text: str) -> list[str]:
    """Return the topics of TOPICS that the text touches, in that order."""
    if not isinstance(text, str):
        raise TypeError(f"topics() needs text as a str, not {type(text).__name__}")
    if len(text) > MAX_INPUT:
        raise ValueError(f"the text is {len(text):,} characters; topics() takes up to {MAX_INPUT:,} at a time")
    low = text.lower().translate(_APOSTROPHES)
    return [topic.name for topic in load_topics() if touches(topic, low)]


def touches(topic: Topic, low: str) -> bool:
    """Tell whether a lower-cased text touches a topic: a keyword first (most texts stop there), then a match."""
    if not any(word in low for word in topic.keywords):
        return False
    return any(not _excepted(topic, low, found) for found in topic.pattern.finditer(low))


def _excepted(topic: Topic, low: str, found: re.Match) -> bool:
    """Tell whether a match lies inside one of the topic's other senses ("political suicide")."""
    if topic.exceptions is None:
        return False
    start, end = found.span()
    for other in topic.exceptions.finditer(low, max(0, start - _CONTEXT), end + _CONTEXT):
        if other.start() <= start and end <= other.end():
            return True
    return False


@lru_cache(maxsize=1)
def load_topics() -> tuple[Topic, ...]:
    """Read topics.toml once and compile it, naming the topic of any mistake."""
    data = _document()
    found = tuple(_topic(table) for table in data.get("topic", []))
    if tuple(topic.name for topic in found) != TOPICS:
        raise ValueError(f"{DATA}: topics must be {', '.join(TOPICS)}, in that order")
    return found


def _document() -> dict:
    """Return topics.toml parsed, from a cache of it where the file is unchanged (no TOML parser to import)."""
    source = DATA.read_bytes()
    key = sys.version.encode() + b"\0" + source
    cache = _cache_file()
    try:
        cached_key, data = marshal.loads(cache.read_bytes()) if cache else (None, None)
    except (OSError, ValueError, EOFError, TypeError):
        cached_key = data = None
    if cached_key == key:
        return data
    import tomllib  # here: only a changed file or a first run needs the parser

    data = tomllib.loads(source.decode("utf-8"))
    if cache:
        _write(cache, marshal.dumps((key, data)))
    return data


def _cache_file() -> Path | None:
    """Return where the parsed topics are kept: the user's cache folder, as the language rules' cache."""
    folder = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache" if Path.home().is_dir() else None)
    return Path(folder) / "recovery-voice" / "care-topics.marshal" if folder else None


def _write(path: Path, data: bytes) -> None:
    """Write a cache file atomically; a folder that cannot be written is skipped (the answers are the same)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        pass


def _topic(table: dict) -> Topic:
    """Compile one [[topic]] table."""
    name = table.get("name")
    keywords = table.get("keywords")
    if not keywords or not all(isinstance(k, str) and k == k.lower() for k in keywords):
        raise ValueError(f"{DATA}: topic {name!r} needs lower-case keywords")
    try:
        pattern = _compile(table["patterns"])
        exceptions = _compile(table["except"]) if table.get("except") else None
    except (KeyError, re.error) as error:
        raise ValueError(f"{DATA}: topic {name!r}: {error}") from None
    return Topic(name, tuple(keywords), pattern, exceptions)


def _compile(patterns: list[str]) -> re.Pattern:
    """Join patterns into one that matches whole words, a space standing for any run of white space."""
    from ..language.lazy import compile_pattern  # built from the rules cache's code: re.compile took 16 ms a start

    body = "|".join(p.replace(" ?", r"\s*").replace(" ", r"\s+") for p in patterns)
    return compile_pattern(rf"(?<!\w)(?:{body})(?!\w)")
