"""Context that changes what a match means: quotation, mentions and a storyteller's words about themselves.

Its patterns are LazyPatterns (see lazy.py), compiled when a text first needs them: most texts have no
match for them to weigh, and compiling them all took a tenth of a command line check's start.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from .lazy import LazyPattern
from .text import occurrences

_QUOTE_CHARS = LazyPattern("[\"\u201c\u201d\u201e\u00ab\u00bb'\u2018\u2019]")
_OPEN_DOUBLE = "\u201c\u201e\u00ab"
_CLOSE_DOUBLE = "\u201d\u00bb"
_MAX_SINGLE = 300
_MAX_NESTED = 24  # quotations looked at around one match  # a single quote left open longer than this was an apostrophe, not a quotation

# A quoted item, as in a list of words: 'junkie', "crackhead" or ‘addict’.
_ITEM = "[\"\u201c\u2018'][^\"\u201c\u201d\u2018\u2019'\\n]{1,40}[\"\u201d\u2019']"

# Words that introduce a word being talked about rather than used: "we don't say 'junkie'",
# "words like 'clean'", "they called us 'addicts'". Earlier quoted items in a list count too.
_CUE_BEFORE = LazyPattern(
    r"(?<!\w)(?:say|says|said|saying|call|calls|called|calling|word|words|term|terms|phrase|phrases|"
    r"label|labels|like|use|uses|used|using|write|writes|wrote|hear|heard|mean|means|meant|avoid|"
    r"avoids|avoided|avoiding|instead of|rather than|not|than|such as|including|e\.g\.|eg|as|"
    r"replace|replaced|swap|swapped|ban|banned|drop|dropped)"
    r"(?:\s+(?:us|me|them|him|her|you|it|people|someone|somebody|anyone|everyone|others|"
    r"ourselves|themselves|myself|yourself))?"
    rf"\s*[:,]?\s*(?:{_ITEM}\s*(?:,|or|and|/|nor)?\s*)*\Z",
    re.IGNORECASE,
)
# ...or follow it: "'Junkie' is a slur", "'clean', 'dirty' are loaded words", "'addict' hurts".
_CUE_AFTER = LazyPattern(
    rf"(?:\s*(?:,|or|and|/)\s*{_ITEM})*\s*(?:"
    r"(?:is|are|was|were|isn't|aren't|remains?)\s+(?:(?:a|an|the|not|such|just|another|still|very|"
    r"deeply|really|so|hurtful|harmful|stigmatising|stigmatizing|offensive|loaded|old|outdated|"
    r"negative|cruel|damaging)\s+){0,3}(?:word|term|label|slur|insult|name)s?"
    r"|(?:hurts?|harms?|stigmati[sz]es?|stings?|wounds?|shames?|labels?)\b)",
    re.IGNORECASE,
)
# A quotation that opens with a subject ("I'm an addict") is somebody speaking, however short.
_SPEAKER = LazyPattern(r"\s*(?:i|we|you|he|she|they)(?:['\u2019]\w+)?\b", re.IGNORECASE)
# An unquoted mention: "we stopped using the word junkie".
_NAMED_NOUNS = ("word", "term", "label", "phrase", "slur", "insult")
_NAMED_WORD = LazyPattern(rf"(?<!\w)(?:the|that|this|a)\s+(?:{'|'.join(_NAMED_NOUNS)})s?\s*[:,]?\s*\Z")

# A storyteller speaking about themselves: "I'm (a grateful) ...", "I was ...", "I've been ...",
# "we're ...". Up to three words may sit between ("I'm a proud recovering addict"), but not words
# that turn the sentence towards other people ("I've met addicts", "I was told addicts...").
_SELF_BEFORE = LazyPattern(
    r"(?:(?<![\w'])(?:i|we)(?:'m|'re| am| are| was| were| used to be| became| become| got| get|"
    r" stayed| stay| remain| remained| identify as| call myself| called myself| call ourselves|"
    r" see myself as|(?:'ve|'d| have| had)(?: (?:always|never|now|also|just|finally|still))?"
    r" (?:been|got|gotten|stayed|remained|become))"
    r"(?:\s+(?!(?:told|met|saw|seen|know|knew|help|helped|helping|support|supported|supporting|"
    r"work|worked|working|with|around|by|to|for|of|about|that|who|said|say|called|those|these|"
    r"other|some|many|all|them|they|their|his|her|people)\b)[\w'-]+){0,3}"
    r"|(?<!\w)(?:my|our))\s*\Z"
)
_MYSELF = LazyPattern(r"(?<!\w)(?:myself|ourselves)(?!\w)")
# "my alcoholic father" is about the father, so "my" alone does not make it self-description.
_ABOUT_SOMEONE_ELSE = LazyPattern(
    r"(?:father|mother|dad|mum|mom|parents?|husband|wife|partner|boyfriend|girlfriend|brothers?|"
    r"sisters?|sons?|daughters?|friends?|uncle|aunt|family|neighbou?rs?|mates?)\Z"
)
_SENTENCE_END = LazyPattern(r"[.!?\n]")
# "a" or "an" right before a match (searched for up to it), which a noun match takes in: "an addict".
ARTICLE = LazyPattern(r"(?<!\w)(an?)\s+\Z")
# A sentence with no subject before the match ("Two years clean today!", "Clean and sober since 2019")
# is, in a storyteller's own story, about the storyteller.
_NO_SUBJECT = LazyPattern(
    r"[\s\W]*(?:(?:and|but|so|now|still|finally|today|officially|proud(?:ly)?|grateful|happy|blessed|"
    r"thankful|\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|few|several|many|"
    r"days?|weeks?|months?|years?|yrs?|decades?|staying|stayed|stay|been|getting|got|just|to be)[\s\W]+)*\Z")


def quote_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Return (open, close) offsets of quotations in double or single quotes, straight or curly."""
    spans: list[tuple[int, int]] = []
    double: int | None = None
    single: int | None = None
    for found in _QUOTE_CHARS.finditer(text):
        at, char = found.start(), found.group()
        if char == '"':
            if double is None:
                double = at
            else:
                spans.append((double, at))
                double = None
        elif char in _OPEN_DOUBLE:
            double = at
        elif char in _CLOSE_DOUBLE:
            if double is not None:
                spans.append((double, at))
                double = None
        else:
            single = _single_quote(text, at, char, single, spans)
    return tuple(spans)


def _single_quote(text: str, at: int, char: str, single: int | None, spans: list) -> int | None:
    """Handle one single quote or apostrophe; return the offset of the quotation still open, if any."""
    before = text[at - 1] if at else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    # A closing quote follows text and is not followed by a letter; an apostrophe inside a word
    # (don't, I’m) is followed by a letter, and one after a plural (addicts’) has no opener.
    if single is not None and char in "'\u2019" and not before.isspace() and not after.isalnum():
        if at - single <= _MAX_SINGLE:
            spans.append((single, at))
        return None
    if char in "'\u2018" and not before.isalnum() and not after.isspace():
        return at
    return single


def innermost(spans: tuple[tuple[int, int], ...], start: int, end: int) -> tuple[int, int] | None:
    """Return the tightest quotation around text[start:end], or None."""
    return Quotes(spans).innermost(start, end)


class Quotes:
    """A text's quotation spans, kept with what lets each match find its innermost quotation quickly."""

    __slots__ = ("spans", "closes", "lowest")

    def __init__(self, spans: tuple[tuple[int, int], ...]) -> None:
        """Remember the spans, their closing offsets and the earliest opening among each next few."""
        self.spans = spans
        self.closes = [close for _, close in spans]
        opens = [open_at for open_at, _ in spans]
        # lowest[i]: the earliest opening quote among the spans innermost() looks at from i on. Most
        # matches are in no quotation, and this says so without looking at each of those spans.
        self.lowest = [min(opens[at:at + _MAX_NESTED]) for at in range(len(spans))]

    def __bool__(self) -> bool:
        """Tell whether the text has any quotation."""
        return bool(self.spans)

    def innermost(self, start: int, end: int) -> tuple[int, int] | None:
        """Return the tightest quotation around text[start:end], or None."""
        # Spans are in order of their closing quote; the innermost one around a match is the first,
        # from the match on, that opened before it. Looking at a few is enough: quotes nest shallowly.
        spans = self.spans
        first = bisect_left(self.closes, end)
        if first == len(spans) or self.lowest[first] >= start:
            return None
        for at in range(first, min(first + _MAX_NESTED, len(spans))):
            if spans[at][0] < start:
                return spans[at]
        return None  # pragma: no cover - lowest[first] < start means one of them opened before


def named_cues(low: str) -> list[int]:
    """Return, in order, where the words that _NAMED_WORD needs ("word", "term"...) occur in a lower-cased text."""
    if not any(word in low for word in _NAMED_NOUNS):
        return []  # most texts: a quick look, no list of places
    return sorted(at for word in _NAMED_NOUNS for at in occurrences(low, word))


def cue_before(cues: list[int], start: int) -> bool:
    """Tell whether a cue from named_cues() starts in the 40 characters that is_mention searches before `start`."""
    at = bisect_left(cues, start - 40)
    return at < len(cues) and cues[at] < start


def is_mention(text: str, low: str, span: tuple[int, int] | None, match: tuple[int, int], norm_start: int,
               named_cue: bool = True) -> bool:
    """Tell whether a word is talked about rather than used ("we don't say 'junkie'").

    `named_cue` False (from cue_before) says no "word", "term"... is near enough for an unquoted mention.
    """
    if named_cue and _NAMED_WORD.search(low, max(0, norm_start - 40), norm_start):
        return True
    if span is None:
        return False
    open_at, close_at = span
    # Only a quotation that is (nearly) just the flagged words puts them on display, like
    # 'junkie' or "been clean"; "I was a junkie" in quotes is somebody speaking.
    before = text[open_at + 1:match[0]]
    others = len(before.split()) + len(text[match[1]:close_at].split())
    if others > 1 or _SPEAKER.match(before):
        return False
    return bool(_CUE_BEFORE.search(text, max(0, open_at - 120), open_at) or _CUE_AFTER.match(text, close_at + 1))


def is_self_description(low: str, start: int, end: int, noun: bool = False) -> bool:
    """Tell whether the words at low[start:end] are the writer describing themselves.

    A noun ("Addicts are...") opening a sentence is its subject, so only other words count as
    self-description in a sentence without a subject.
    """
    left = low[max(0, start - 120):start]
    cut = max((m.end() for m in _SENTENCE_END.finditer(left)), default=0)
    sentence_left = left[cut:]
    if not noun and _NO_SUBJECT.match(sentence_left):
        return True
    found = _SELF_BEFORE.search(sentence_left)
    if found and not (found.group().strip() in ("my", "our") and _ABOUT_SOMEONE_ELSE.search(low, start, end)):
        return True
    right = low[end:end + 120]
    stop = _SENTENCE_END.search(right)
    return bool(_MYSELF.search(sentence_left) or _MYSELF.search(right, 0, stop.start() if stop else len(right)))


# Proper names keep their words: "Addicts Anonymous", "Drug Users Network", "Substance Abuse Treatment
# Centre", "the National Institute on Drug Abuse". A name is Title Case words next to an institution word.
_INSTITUTION = (r"(?:Anonymous|Act|Administration|Institute|Council|Foundation|Trust|Project|Society|Association|"
                r"Network|Alliance|Centre|Center|Clinic|Services?|Team|Unit|Forum|Commission|Partnership|"
                r"Helpline|Court|Programme|Program|Coalition|Office|Department|Bureau|Division)")
_NAME_AFTER = LazyPattern(rf"[\s-]+(?:[A-Z][\w'\u2019-]*[\s-]+){{0,2}}?{_INSTITUTION}\b")
_NAME_BEFORE = LazyPattern(rf"\b{_INSTITUTION}\s+(?:on|for|of|against)\s+(?:the\s+)?(?:[A-Z][\w'\u2019-]*\s+){{0,3}}\Z")
_WORDS = LazyPattern(r"[^\W\d_]+")


def is_name(text: str, start: int, end: int) -> bool:
    """Tell whether text[start:end] is part of the proper name of an organisation, a law or a service."""
    if text[start].isalpha() and not text[start].isupper():
        return False  # the first word starts lower case: the check below would say so, more slowly
    words = _WORDS.findall(text, start, end)
    if not words or not all(w[0].isupper() for w in words) or (start and text[start - 1] == "#"):
        return False
    return bool(_NAME_AFTER.match(text, end) or _NAME_BEFORE.search(text, max(0, start - 80), start))
