"""Which hard topics a text touches: "suicide" and "drug-death" (the words are data, in topics.toml)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

TOPICS = ("suicide", "drug-death")
DATA = Path(__file__).with_name("topics.toml")
MAX_INPUT = 1_000_000  # characters, as the language check takes
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_CONTEXT = 80  # characters either side of a match in which an exception is looked for


class Topic(NamedTuple):
    """One topic: the words that let a text in, what touches the topic, and the senses that do not."""

    name: str
    keywords: tuple[str, ...]
    pattern: re.Pattern
    exceptions: re.Pattern | None


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
    import tomllib  # here: only the first call reads the file

    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    found = tuple(_topic(table) for table in data.get("topic", []))
    if tuple(topic.name for topic in found) != TOPICS:
        raise ValueError(f"{DATA}: topics must be {', '.join(TOPICS)}, in that order")
    return found


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
    body = "|".join(p.replace(" ?", r"\s*").replace(" ", r"\s+") for p in patterns)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")
