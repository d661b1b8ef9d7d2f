"""Twelve-step fellowships named in a text ("AA", "Narcotics Anonymous", "Al-Anon"), and the words offered instead.

The short names are also other things: "AA batteries", the AA who fix cars, "N/A", California and
Georgia after a city ("Los Angeles, CA"), a master's degree ("an MA"). So "AA", "NA", "CA", "GA" count
unless those signs are there, and the rarer two-letter names only before "meeting", "group" and the like.
"""

from __future__ import annotations

import re

from ..language.lazy import LazyPattern
from .wordlists import occurrences
from .words import fellowship_names

Found = tuple[str, int, int, str]

# Found from the word "anonymous" backwards: a pattern for "any name, then Anonymous" tried at every word is slow.
_NAMED_BEFORE = LazyPattern(
    r"(?:\b(?i:Alcoholics|Narcotics|Cocaine|Gamblers|Crystal\s+Meth|Marijuana|Heroin|Pills|Overeaters|Sex\s+Addicts|"
    r"Sex\s+and\s+Love\s+Addicts|Debtors|Families|Emotions|Nicotine|Workaholics|Co-?Dependents|Codependents|"
    r"Benzodiazepines?|Methadone|Chemically\s+Dependent)|\b[A-Z][a-z]+)\s+$")
_ANON = LazyPattern(r"\b(?:Al-?\s?Anon|Alateen|Nar-?\s?Anon|Gam-?\s?Anon|CoDA)\b", re.IGNORECASE)
_MEETING = r"(?=[ ]+(?:meetings?|groups?|fellowship|sponsor|sponsee|members?|home\s+group|programme|program|literature|rooms)\b)"
_SHORT = LazyPattern(
    r"(?<![\w/.&-])(?:(?P<common>AA|NA|CA|GA|CMA|SLAA)|(?P<rare>HA|MA|SA|OA|ACA)" + _MEETING +
    r"|(?P<lower>aa|na|ca)" + _MEETING + r"|(?<=of |in |at |to )(?:aa|na)(?= \d| meeting|[ ,.!?]|$))(?![\w/&]|-rated|\.\w)")
# The motoring AA, batteries and ratings; a state after a city or before a ZIP code.
_NOT_AFTER = LazyPattern(r"[ -]*(?:batter|cell|rated|rating|road|breakdown|patrol|membership|cover|van|man\b|"
                        r"recovery truck|\d{5}|Gill)", re.IGNORECASE)
_MOTORING = LazyPattern(r"\b(?:car|van|breakdown|roadside|engine|tyre|tire|motorway|broke down|flat battery)\b",
                       re.IGNORECASE)
_STATE_AFTER_CITY = LazyPattern(r"\b(?!Anonymous,)[A-Z][a-z]+,[ ]*$")
_FOLLOWED_BY_MEETING = LazyPattern(_MEETING)
_TRAVEL_TO = LazyPattern(r"(?i:\b(?:drove|drive|driving|flew|fly|flying|moved|moving|move|travelled|traveled|down|up|"
                         r"out|back|trip)[ ]+(?:down[ ]+|up[ ]+|out[ ]+|back[ ]+)?to[ ]+)$")


def fellowships(text: str, lowered: str | None = None) -> list[Found]:
    """Find twelve-step fellowships named in the text (`lowered`: the text in lower case, if already made)."""
    lowered = text.lower() if lowered is None else lowered
    found = []
    spans = {(m.start(), m.end()) for word in ("anon", "alateen", "coda") if word in lowered
             for at in occurrences(lowered, word) for m in [_ANON.search(text, max(0, at - 4), at + 8)] if m}
    found += [("fellowship", start, end, _instead(text, start, end)) for start, end in spans | _anonymous(text, lowered)]
    # Each short name is tried only where str.find saw it: a pattern scanning the whole text is slower.
    names = fellowship_names(text, lowered)
    for start in sorted({at for name in names if name in text for at in occurrences(text, name)}):
        m = _SHORT.match(text, start)
        if m and not (m.group("common") and not _is_that_fellowship(text, m)):
            found.append(("fellowship", m.start(), m.end(), _instead(text, m.start(), m.end())))
    return found


def _anonymous(text: str, lowered: str) -> set[tuple[int, int]]:
    """Return the spans of "... Anonymous" fellowships ("Narcotics Anonymous", "Pills Anonymous")."""
    spans: set[tuple[int, int]] = set()
    if "anonymous" not in lowered:
        return spans
    for at in occurrences(lowered, "anonymous"):
        name = _NAMED_BEFORE.search(text, max(0, at - 30), at)
        if name and not text[at + 9:at + 10].isalpha():
            spans.add((name.start(), at + 9))
    return spans


def _is_that_fellowship(text: str, m: re.Match) -> bool:
    """Tell whether "AA", "NA", "CA" or "GA" here is the fellowship, not batteries, a breakdown or a state."""
    if _NOT_AFTER.match(text, m.end()):
        return False
    name = m.group("common")
    if name in ("CA", "GA") and (_STATE_AFTER_CITY.search(text, max(0, m.start() - 30), m.start())
                                 or _TRAVEL_TO.search(text, max(0, m.start() - 30), m.start())):
        return False  # "Atlanta, GA", "we drove down to GA": the state
    if name == "AA" and text[max(0, m.start() - 4):m.start()].lower() == "the " and not _FOLLOWED_BY_MEETING.match(
            text, m.end()):
        return not _MOTORING.search(_sentence(text, m.start(), m.end()))
    return True


def _sentence(text: str, start: int, end: int) -> str:
    """Return the sentence around text[start:end]."""
    low, high = max(0, start - 300), min(len(text), end + 300)  # a sentence is shorter; bounds the work
    begin = max([text.rfind(stop, low, start) for stop in ".!?\n"] + [low - 1]) + 1
    ends = [i for i in (text.find(stop, end, high) for stop in ".!?\n") if i >= 0]
    return text[begin:min(ends) if ends else high]


def _instead(text: str, start: int, end: int) -> str:
    """Offer "recovery" before "meetings" ("recovery meetings"), else "a recovery fellowship"."""
    # Recovery advocates speak of their recovery without naming the fellowship; these keep the sentence whole.
    words = "recovery" if _FOLLOWED_BY_MEETING.match(text, end) else "a recovery fellowship"
    if text[max(0, start - 4):start].lower() == "the ":
        words = "recovery" if words == "recovery" else "recovery fellowship"  # "the AA" -> "the recovery fellowship"
    return words
