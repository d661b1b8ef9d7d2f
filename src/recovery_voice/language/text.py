"""Preparing a text for matching: a normalised, lower-cased copy whose offsets map back to the original."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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
# Web addresses, @handles (incl. Mastodon's @name@server) and email addresses are names, not prose.
_MASK = re.compile(r"https?://\S+|www\.\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w@])@\w+(?:@[\w-]+(?:\.[\w-]+)+)?")


@dataclass(frozen=True)
class Prepared:
    """The text as written plus the normalised copies the rules run over."""

    original: str
    norm: str
    low: str
    index: tuple[int, ...] | None  # norm offset -> original offset; None when they are the same
    hashtags: tuple[tuple[int, int], ...]  # norm offsets
    masked: tuple[tuple[int, int], ...]  # norm offsets

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text back to offsets in the original text."""
        if self.index is None:
            return start, end
        return self.index[start], self.index[end - 1] + 1

    def in_hashtag(self, start: int) -> bool:
        """Tell whether a normalised offset falls inside a hashtag."""
        return any(s < start < e for s, e in self.hashtags)

    def is_masked(self, start: int, end: int) -> bool:
        """Tell whether a span overlaps a web address, handle or email address."""
        return any(s < end and start < e for s, e in self.masked)


def prepare(text: str) -> Prepared:
    """Normalise a text for matching and remember how to find each character in the original."""
    norm, index = _normalise(text)
    norm, index, hashtags = _split_hashtags(norm, index)
    low = norm.lower()
    if len(low) != len(norm):
        # A few characters (like "İ") grow when lower-cased; keep those as they are so offsets hold.
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in norm)
    masked = tuple(m.span() for m in _MASK.finditer(norm)) if ("@" in norm or "/" in norm or "www." in low) else ()
    return Prepared(text, norm, low, index, hashtags, masked)


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """Apply NFKC and the special mappings to non-ASCII characters, recording original offsets."""
    if text.isascii():
        return text, None
    parts: list[str] = []
    index: list[int] = []
    last = 0
    for found in _NON_ASCII.finditer(text):
        at = found.start()
        if at > last:
            parts.append(text[last:at])
            index.extend(range(last, at))
        char = text[at]
        # NFKC folds stylised letters (𝐣𝐮𝐧𝐤𝐢𝐞, ｊｕｎｋｉｅ) and ligatures into plain ones.
        replacement = _SPECIAL.get(char)
        if replacement is None:
            replacement = unicodedata.normalize("NFKC", char)
        parts.append(replacement)
        index.extend([at] * len(replacement))
        last = at + 1
    parts.append(text[last:])
    index.extend(range(last, len(text)))
    return "".join(parts), index


def _split_hashtags(norm: str, index: list[int] | None) -> tuple[str, tuple[int, ...] | None, tuple]:
    """Space out the words of CamelCase hashtags (#RecoveringAddict), returning text, offset map and tag spans."""
    tags = [m.span() for m in _HASHTAG.finditer(norm)] if "#" in norm else []
    cuts = [m.start() for start, end in tags for m in _CAMEL.finditer(norm, start, end)]
    if not cuts:
        return norm, tuple(index) if index is not None else None, tuple(tags)
    positions = index if index is not None else list(range(len(norm)))
    parts, new_index, last = [], [], 0
    for cut in cuts:
        parts.append(norm[last:cut])
        new_index.extend(positions[last:cut])
        # The inserted space points at the character after it, so no span can start before the word.
        parts.append(" ")
        new_index.append(positions[cut])
        last = cut
    parts.append(norm[last:])
    new_index.extend(positions[last:])
    # Each hashtag grows by the spaces put inside it and moves by those put before it.
    shifted = tuple((s + sum(c <= s for c in cuts), e + sum(c < e for c in cuts)) for s, e in tags)
    return "".join(parts), tuple(new_index), shifted
