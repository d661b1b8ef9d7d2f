"""Per-network previews: each platform's own way of counting length, and how a long text splits into a thread."""

import re
from dataclasses import dataclass

import regex
from twitter_text import parse_tweet

from ..publishers.x import with_content_warning

URL = re.compile(r"https?://\S+")
MASTODON_URL_LENGTH = 23  # Mastodon counts every link as 23 characters, however long it is
THREAD_MARK = " {n}/{total}"


def x_length(text: str) -> int:
    """Count as X does: weighted (most CJK and emoji count 2) and every link as 23."""
    return parse_tweet(text).weightedLength


def mastodon_length(text: str) -> int:
    """Count as Mastodon does: graphemes, with each link as 23."""
    return bluesky_length(URL.sub("x" * MASTODON_URL_LENGTH, text))


def bluesky_length(text: str) -> int:
    """Count as Bluesky does: graphemes (what a reader sees as one character, e.g. one emoji)."""
    return len(regex.findall(r"\X", text))


@dataclass(frozen=True)
class Network:
    """A platform's name, limit and length counter."""

    key: str
    label: str
    limit: int
    count: object


NETWORKS = (
    Network("x", "X", 280, x_length),
    Network("mastodon", "Mastodon", 500, mastodon_length),
    Network("bluesky", "Bluesky", 300, bluesky_length),
)


def split_thread(text: str, limit: int, count) -> list[str]:
    """Split a text into posts that each fit `limit`, breaking between words and numbering them."""
    if count(text) <= limit:
        return [text]
    reserve = len(THREAD_MARK.format(n=99, total=99))
    words = regex.findall(r"\S+\s*", text)
    parts, current = [], ""
    for word in words:
        while count(word) > limit - reserve:  # a single huge "word" (a long link) is cut where it must be
            head = _longest_fit(word, limit - reserve - count(current), count)
            if not head:
                parts.append(current.rstrip())
                current = ""
                continue
            parts.append((current + head).rstrip())
            current, word = "", word[len(head):]
        if count(current + word.rstrip()) > limit - reserve:
            parts.append(current.rstrip())
            current = ""
        current += word
    if current.strip():
        parts.append(current.rstrip())
    parts = [p for p in parts if p]
    return [p + THREAD_MARK.format(n=i, total=len(parts)) for i, p in enumerate(parts, 1)]


def _longest_fit(word: str, room: int, count) -> str:
    """Return the longest start of `word` that fits in `room`."""
    end = 0
    for index in range(1, len(word) + 1):
        if count(word[:index]) > room:
            break
        end = index
    return word[:end]


def _warning_cost(network: str, content_warning: str | None) -> int:
    """Say how much of a network's limit a content warning uses."""
    if not content_warning:
        return 0
    if network == "mastodon":  # spoiler_text shares the 500-character limit with the text
        return len(content_warning)
    if network == "x":  # X has no such field: the publisher puts the warning in front of the text
        return x_length(with_content_warning("", content_warning))
    return 0


def previews(text: str, content_warning: str | None = None) -> list[dict]:
    """Describe how the text looks on each network: its count, its limit and its thread parts."""
    result = []
    for network in NETWORKS:
        room = network.limit - _warning_cost(network.key, content_warning)
        length = network.count(text)
        parts = split_thread(text, max(room, 50), network.count)
        result.append({"key": network.key, "label": network.label, "length": length, "limit": room,
                       "fits": length <= room, "parts": parts})
    return result
