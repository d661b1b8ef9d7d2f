"""Preparing a text for matching: a normalised, lower-cased copy whose offsets map back to the original."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import namedtuple
from itertools import repeat
from operator import itemgetter

from .offsets import Segments

# Characters that NFKC leaves alone but that should match like their plain forms: curly
# apostrophes (addicts’), Unicode hyphens (ex‑addict) and invisible joiners and soft hyphens,
# which people paste from word processors or use to dodge filters.
_SPECIAL = {
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "\uff07": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\ufe63": "-", "\uff0d": "-",
    "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "",
    "\u00a0": " ", "\u202f": " ",
}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# A hashtag is # after a non-word character ("C#" is not one).
_HASHTAG = re.compile(r"(?<![\w#])#\w+")
# Where CamelCase hashtags change word: lower→Upper, the end of an acronym (NHSRecovery), letters↔digits.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
# A lower-case hashtag often ends in one of these words, run on from the word before: "#dopefiendnomore",
# "#junkiefree". A cut goes before it when at least four letters come before it.
_TAIL = re.compile(r"(?<=[a-z]{4})(?:nomore|forlife|4life|forever|free|life|strong|proud|warrior)\Z")
_end = itemgetter(1)
_STRETCH = re.compile(r"\S*")  # a stretch of text without whitespace
# Web addresses, @handles (incl. Mastodon's @name@server) and email addresses are names, not prose.
_MASK = re.compile(r"https?://\S+|www\.\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w@])@\w+(?:@[\w-]+(?:\.[\w-]+)+)?")


class Prepared(namedtuple("Prepared", "original norm low index hashtags masked")):
    """The text as written plus the normalised copies the rules run over."""

    # A named tuple, not a frozen record: it is built for every text, and a frozen record sets each
    # field through checks. collections' namedtuple, not typing's: importing typing costs a check's start.
    __slots__ = ()
    # original: str, norm: str, low: str
    # index: Segments | None: norm offset -> original offset (see offsets.py); None when the same
    # hashtags, masked: tuple[tuple[int, int], ...]: norm offsets

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text back to offsets in the original text."""
        if self.index is None:
            return start, end
        return self.index[start], self.index[end - 1] + 1

    def in_hashtag(self, start: int) -> bool:
        """Tell whether a normalised offset falls inside a hashtag."""
        # Hashtags are in order and never overlap: only the last one starting before `start` can hold it.
        at = bisect_left(self.hashtags, (start,)) - 1
        return at >= 0 and start < self.hashtags[at][1]

    def is_masked(self, start: int, end: int) -> bool:
        """Tell whether a span overlaps a web address, handle or email address."""
        if start >= self.masked[-1][1] or end <= self.masked[0][0]:
            return False  # outside them all, as most matches are
        # Masked spans are in order and never overlap: only the first one ending after `start` can touch it.
        at = bisect_right(self.masked, start, key=_end)
        return at < len(self.masked) and self.masked[at][0] < end


def prepare(text: str) -> Prepared:
    """Normalise a text for matching and remember how to find each character in the original."""
    norm, index = _normalise(text)
    norm, index, hashtags = _split_hashtags(norm, index)
    low = norm.lower()
    if len(low) != len(norm):
        # A few characters (like "İ") grow when lower-cased; keep those as they are so offsets hold.
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in norm)
    return Prepared(text, norm, low, index, hashtags, _masked(norm))


def _masked(norm: str) -> tuple[tuple[int, int], ...]:
    """Return the spans of web addresses, handles and email addresses, as _MASK.finditer over the text finds them."""
    # Every address holds "@", "://" or "www." and no whitespace. So only the whitespace-free stretches
    # around those are searched: running _MASK over a whole story cost more than the rest of prepare.
    if "@" not in norm and "://" not in norm and "www." not in norm:
        return ()  # most texts
    hits = sorted(at for needle in ("@", "://", "www.") for at in occurrences(norm, needle))
    spans: list[tuple[int, int]] = []
    searched = 0
    for at in hits:
        if at < searched:
            continue  # in a stretch already searched
        start = at
        while start > searched and not norm[start - 1].isspace():
            start -= 1
        searched = _STRETCH.match(norm, at).end()
        # A match never crosses whitespace, so searching each stretch alone finds the same matches.
        spans.extend(m.span() for m in _MASK.finditer(norm, start, searched))
    return tuple(spans)


def _hashtags(norm: str) -> list[tuple[int, int]]:
    """Return the spans of the hashtags in a text, as _HASHTAG.finditer finds them."""
    # Matching at each "#" finds the same (a tag holds no other "#") without running the
    # expression along the whole text.
    if "#" not in norm:
        return []
    return [m.span() for m in map(_HASHTAG.match, repeat(norm), occurrences(norm, "#")) if m]


def occurrences(text: str, needle: str) -> list[int]:
    """Return every offset where needle occurs in text."""
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def _normalise(text: str) -> tuple[str, Segments | None]:
    """Apply NFKC and the special mappings to non-ASCII characters, recording original offsets."""
    if text.isascii():
        return text, None
    parts: list[str] = []
    index = Segments()
    last = length = 0  # where the unchanged run starts, in the original and in the result
    for found in _NON_ASCII.finditer(text):
        at = found.start()
        if at > last:
            parts.append(text[last:at])
            index.add(length, last, 1)
            length += at - last
        char = text[at]
        # NFKC folds stylised letters (𝐣𝐮𝐧𝐤𝐢𝐞, ｊｕｎｋｉｅ) and ligatures into plain ones.
        replacement = _SPECIAL.get(char)
        if replacement is None:
            replacement = unicodedata.normalize("NFKC", char)
        parts.append(replacement)
        if replacement:
            index.add(length, at, 1 if len(replacement) == 1 else 0)  # all of an expansion maps to its character
            length += len(replacement)
        last = at + 1
    parts.append(text[last:])
    index.add(length, last, 1)
    return "".join(parts), index


def _split_hashtags(norm: str, index: Segments | None) -> tuple[str, Segments | None, tuple]:
    """Space out the words of CamelCase hashtags (#RecoveringAddict), returning text, offset map and tag spans."""
    tags = _hashtags(norm)
    cuts = [m.start() for start, end in tags for m in _CAMEL.finditer(norm, start, end)]
    cuts += [m.start() for start, end in tags if norm[start + 1:end].islower() for m in _TAIL.finditer(norm, start, end)]
    cuts.sort()
    if not cuts:
        return norm, index, tuple(tags)
    parts, last = [], 0
    for cut in cuts:
        # The inserted space maps to the character after it, so no span can start before the word.
        parts += [norm[last:cut], " "]
        last = cut
    parts.append(norm[last:])
    # Each hashtag grows by the spaces put inside it and moves by those put before it.
    # The cuts are in order, so counting them is a bisection (a sum per hashtag made long texts quadratic).
    shifted = tuple((s + bisect_right(cuts, s), e + bisect_left(cuts, e)) for s, e in tags)
    return "".join(parts), (index or Segments()).spaced(cuts, len(norm)), shifted
