"""Which hard topics a text touches: "suicide" and "drug-death" (the words are data, in topics.toml; topic_model.py hears the rest)."""

from __future__ import annotations

import marshal
import os
import re
import sys
from collections import namedtuple
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from ..language.lazy import compile_pattern
from . import TOPICS  # suicide and drug-death, in the order results list them

DATA = Path(__file__).with_name("topics.toml")
PREFIX_CODE = Path(__file__).parent.parent / "language" / "index.py"  # what works out the prefixes, in the cache's key
MAX_INPUT = 1_000_000  # characters, as the language check takes
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_CONTEXT = 80  # characters either side of a match in which an exception is looked for


class Topic(namedtuple("Topic", "name pattern exceptions first later everyday")):
    """One topic: what touches it (pattern), the senses that do not, and where its matches can begin.

    re tries every alternative of a pattern at every word start, and most word starts begin none, so
    (as the language check does, language/index.py) the pattern is reduced to the prefixes its matches
    begin with: `first` tells whether the text opens with one, `later` finds each later word start with one.
    """

    # collections' namedtuple, not typing's: importing typing costs every `check` command's start.
    __slots__ = ()


def topics(text: str) -> list[str]:
    """Return the topics of TOPICS that the text touches, in that order: by topics.toml's patterns, or else by the word models.

    A topic whose words the text holds only in another sense ("career suicide", "overdosed on mince pies")
    is not asked of the models: the patterns' exceptions are a decision, and the models would undo it. Nor
    are the models asked once a pattern found a topic: what needs the second approval and the footer is
    known, and their word for the other topic was mostly a suicide by pills heard as a death from drugs.
    """
    low = _lowered(text)
    readings = [(topic.name, reading(topic, low)) for topic in load_topics()]
    found = [name for name, said in readings if said is True]
    unread = tuple(name for name, said in readings if said is None)
    if found or not unread:
        return found
    from .topic_model import heard  # here: reading the models costs a process that never asks for topics

    more = heard(text, unread)
    return [name for name in TOPICS if name in found or name in more]


def by_patterns(text: str) -> list[str]:
    """Return the topics that topics.toml's patterns alone find in the text, in TOPICS' order."""
    low = _lowered(text)
    return [topic.name for topic in load_topics() if touches(topic, low)]


def _lowered(text: str) -> str:
    """Return the text lower-cased with straight apostrophes, refusing what is not text or is over the limit."""
    if not isinstance(text, str):
        raise TypeError(f"topics() needs text as a str, not {type(text).__name__}")
    if len(text) > MAX_INPUT:
        raise ValueError(f"the text is {len(text):,} characters; topics() takes up to {MAX_INPUT:,} at a time")
    return text.lower().translate(_APOSTROPHES)


def touches(topic: Topic, low: str) -> bool:
    """Tell whether a lower-cased text touches a topic: a match, tried only where a match can begin, in no other sense."""
    return reading(topic, low) is True


def reading(topic: Topic, low: str) -> bool | None:
    """Return True if a lower-cased text touches a topic, False if its words are there only in other senses (or in an
    everyday sense no pattern matches), else None."""
    end, other_sense = 0, False  # as finditer, a match is not looked for inside the one before it
    for at in _word_starts(topic, low):
        if at < end:
            continue
        found = topic.pattern.match(low, at)
        if found is not None:
            if not _excepted(topic, low, found):
                return True
            end, other_sense = found.end(), True
    if other_sense or (topic.everyday is not None and topic.everyday.search(low)):
        return False
    return None


def _word_starts(topic: Topic, low: str) -> Iterator[int]:
    """Yield, in order, the word starts of the text that begin with one of the topic's prefixes."""
    if topic.first.match(low):
        yield 0
    for place in topic.later.finditer(low):
        yield place.start() + 1  # after the character that ends the word before


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
    """Return topics.toml parsed, with each topic's prefixes, from a cache where the file and code are unchanged.

    Working out the prefixes parses every pattern; the cache spares each process that, and the TOML parser.
    """
    source = DATA.read_bytes()
    key = b"\0".join((sys.version.encode(), source, Path(__file__).read_bytes(), PREFIX_CODE.read_bytes()))
    cache = _cache_file()
    try:
        cached_key, data = marshal.loads(cache.read_bytes()) if cache else (None, None)
    except (OSError, ValueError, EOFError, TypeError):
        cached_key = data = None
    if cached_key == key:
        return data
    import tomllib  # here: only a changed file or a first run needs the parser

    data = tomllib.loads(source.decode("utf-8"))
    for table in data.get("topic", []):
        table["prefixes"] = _prefixes(table)
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


def _prefixes(table: dict) -> list[str]:
    """Return the sorted prefixes that every match of a topic's patterns begins with, naming a pattern that has none."""
    from ..language.index import prefixes  # only when topics.toml or the code changed: parsing is the slow part

    found: set[str] = set()
    for pattern in table.get("patterns") or []:
        try:
            keys = prefixes(_source([pattern]))
        except re.error as error:
            raise ValueError(f"{DATA}: topic {table.get('name')!r}: {error} in {pattern!r}") from None
        if keys is None:
            raise ValueError(f"{DATA}: topic {table.get('name')!r}: a pattern must begin with known letters, "
                             f"not with any character: {pattern!r}")
        found |= keys
    return sorted(found)


def _topic(table: dict) -> Topic:
    """Compile one [[topic]] table."""
    from ..language.index import trie  # a greedy pattern for many prefixes, one character at a time

    name = table.get("name")
    try:
        pattern = _compile(table["patterns"])
        exceptions = _compile(table["except"]) if table.get("except") else None
        everyday = _compile(table["everyday"]) if table.get("everyday") else None
    except (KeyError, re.error) as error:
        raise ValueError(f"{DATA}: topic {name!r}: {error}") from None
    heads = trie(table["prefixes"])
    # A character that ends a word first, not a lookbehind: re then skips to such characters without trying each letter.
    return Topic(name, pattern, exceptions, compile_pattern(heads), compile_pattern(rf"\W(?={heads})"), everyday)


def _source(patterns: list[str]) -> str:
    """Join patterns into the source of one that matches whole words, a space standing for any run of white space."""
    body = "|".join(p.replace(" ?", r"\s*").replace(" ", r"\s+") for p in patterns)
    return rf"(?<!\w)(?:{body})(?!\w)"


def _compile(patterns: list[str]) -> re.Pattern:
    """Compile the joined patterns (from the rules cache's code: re.compile took 16 ms a start)."""
    return compile_pattern(_source(patterns))
