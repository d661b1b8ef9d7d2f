"""What in a text could identify the storyteller or other people: phone numbers, emails, addresses...

find() gathers what each finder sees (contacts.py: phone, email, address, postcode, date-of-birth;
proper.py: person, place, workplace; fellowships.py: fellowship), makes the storyteller's own name
count as their naming choice says, and keeps one identifier where finders overlap. Each identifier
carries a redaction: the words the storyteller can accept in its place. redact() applies the chosen
ones; fellowship_note() is the gentle word about a fellowship's tradition of anonymity.

    >>> [i.kind for i in find("Ring me on 07700 900123, I'm at AA on Tuesdays.")]
    ['phone', 'fellowship']
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from ..language.lazy import LazyPattern
from . import proper
from .wordlists import lists
from .words import may_hold_contacts, may_name_fellowship, says_digits


KINDS = ("phone", "email", "address", "postcode", "date-of-birth", "person", "place", "workplace", "fellowship")
# Where two finders claim the same words, the more exact kind wins ("12 Elm Street" is an address).
_RANK = {kind: rank for rank, kind in enumerate(
    ("email", "phone", "address", "postcode", "date-of-birth", "fellowship", "workplace", "person", "place"))}
_SENTENCE_START = LazyPattern(r"(?:^|[.!?\n\"“]\s*)$")


class Identifier:
    """One piece of text that could identify someone, with the redaction offered for it."""

    __slots__ = ("kind", "start", "end", "text", "redaction")

    def __init__(self, kind: str, start: int, end: int, text: str, redaction: str) -> None:
        self.kind, self.start, self.end, self.text, self.redaction = kind, start, end, text, redaction

    def to_dict(self) -> dict:
        """Return {"kind", "start", "end", "text", "redaction"} for JSON."""
        return {"kind": self.kind, "start": self.start, "end": self.end, "text": self.text,
                "redaction": self.redaction}

    def __repr__(self) -> str:
        return f"Identifier({self.kind!r}, {self.start}, {self.end}, {self.text!r}, {self.redaction!r})"


def find(text: str, *, naming: str | None = None, own_name: str | None = None, region: str = "uk",
         shown_name: str | None = None) -> list[Identifier]:
    """Return every identifier in the text, sorted by where it starts (`shown_name`: the name the story goes out under)."""
    lowered = text.lower()
    digits = sum(map(text.count, "0123456789"))  # substring counts: far cheaper than a pattern's scan
    found = _contacts(text, lowered, digits, region) + _fellowships(text, lowered) + proper.find(text)
    if naming and own_name:
        found = _as_named(text, found, naming, own_name)
    if shown_name and naming in ("first_name", "pseudonym"):
        found = _without_shown_name(text, found, shown_name)
    return [Identifier(kind, start, end, text[start:end], words) for kind, start, end, words in _untangled(found)]


def _contacts(text: str, lowered: str, digits: int, region: str) -> list[tuple]:
    """Return the phones, emails, addresses, postcodes and dates of birth (contacts.py, loaded only if it could find one)."""
    if not may_hold_contacts(text, lowered, digits):
        return []
    from . import contacts

    found = contacts.emails(text) + contacts.spelled_emails(text, lowered) + contacts.dates_of_birth(text, lowered)
    if digits:
        found += contacts.numbered(text)
    if digits >= 7:
        found += contacts.phones(text, region)
    if digits >= 4 or says_digits(lowered):
        found += contacts.said_phones(text)
    return found


def _fellowships(text: str, lowered: str) -> list[tuple]:
    """Return the fellowships named (fellowships.py, loaded only when the text could name one)."""
    if not may_name_fellowship(text, lowered):
        return []
    from . import fellowships

    return fellowships.fellowships(text, lowered)


def _untangled(found: list[tuple]) -> list[tuple]:
    """Keep one identifier where several overlap: the more exact kind, then the longer."""
    kept: list[tuple] = []  # sorted by start and never overlapping, so each new one meets two neighbours at most
    starts: list[int] = []
    for item in sorted(set(found), key=lambda f: (_RANK[f[0]], f[1] - f[2], f[1])):
        at = bisect.bisect_right(starts, item[1])
        if (at and kept[at - 1][2] > item[1]) or (at < len(kept) and kept[at][1] < item[2]):
            continue
        kept.insert(at, item)
        starts.insert(at, item[1])
    return kept


def _as_named(text: str, found: list[tuple], naming: str, own_name: str) -> list[tuple]:
    """Make the storyteller's own name count as they chose to be named.

    Named by their own name, it is theirs to use; by first name, their surname (and full name) is an
    identifier; by a pseudonym or anonymously, so is their first name.
    """
    parts = [part for part in re.findall(r"[^\W\d_][\w'’-]*", own_name) if len(part) > 1]
    if not parts:
        return found
    allowed = {p.lower() for p in parts} if naming == "own_name" else {parts[0].lower()} if naming == "first_name" \
        else set()
    mine = _own_name_found(text, parts, allowed, naming)
    kept = [f for f in found if not (f[0] == "person" and (_names_in(text, f) <= allowed or _overlaps(f, mine)))]
    return kept + mine


def _without_shown_name(text: str, found: list[tuple], shown_name: str) -> list[tuple]:
    """Leave out the people whose names are the name the story goes out under: the storyteller chose it."""
    shown = {word.lower() for word in re.findall(r"[^\W\d_][\w'’-]*", shown_name)}
    return [f for f in found if not (f[0] == "person" and (named := _names_in(text, f)) and named <= shown)]


def _names_in(text: str, item: tuple) -> set[str]:
    """Return the name words of a person identifier, in lower case (its role word left out)."""
    words = {w.lower() for w in re.findall(r"[^\W\d_][\w'’-]*", text[item[1]:item[2]])}
    return words - {w.lower() for w in item[3].split()} - {"mr", "mrs", "ms", "miss", "dr"}


def _overlaps(item: tuple, others: list[tuple]) -> bool:
    """Tell whether the identifier shares any characters with one of the others."""
    return any(item[1] < other[2] and other[1] < item[2] for other in others)


def _own_name_found(text: str, parts: list[str], allowed: set[str], naming: str) -> list[tuple]:
    """Find the storyteller's own name where their choice does not allow it: full name first, then each part."""
    if naming == "own_name":
        return []
    found: list[tuple] = []
    full = re.compile(r"\b" + r"\s+".join(map(re.escape, parts)) + r"\b", re.IGNORECASE)
    instead = parts[0] if naming == "first_name" else "[my name]"
    found += [("person", m.start(), m.end(), instead) for m in full.finditer(text)]
    for part in parts:
        if part.lower() in allowed:
            continue
        # Capitalised as a name; a surname such as "Green" or "Hope" in lower case is an ordinary word.
        pattern = re.compile(r"\b(?:" + re.escape(part[0].upper() + part[1:]) + r"|(?i:" + re.escape(part) + r"))\b"
                             if part.lower() in lists().names else r"\b" + re.escape(part[0].upper() + part[1:]) + r"\b")
        words = "[my name]" if naming != "first_name" else part[0].upper() + "."
        found += [("person", m.start(), m.end(), words) for m in pattern.finditer(text)
                  if not _overlaps(("person", m.start(), m.end(), ""), found)]
    return found


def redact(text: str, identifiers: list[Identifier], chosen: Iterable[int] | None = None) -> str:
    """Return the text with the chosen identifiers (by index; all when None) replaced by their redactions."""
    picked = [identifiers[i] for i in (range(len(identifiers)) if chosen is None else sorted(set(chosen)))]
    for found in picked:
        if text[found.start:found.end] != found.text:
            raise ValueError(f"the text has changed since it was checked: {found.text!r} is no longer at "
                             f"{found.start}; check it again")
    result, last = [], len(text)
    for found in sorted(picked, key=lambda f: f.start, reverse=True):
        if found.end > last:  # overlaps one already replaced: the first of the two stands
            continue
        words = _fitted(text, found)
        if words.endswith(".") and text.startswith(".", found.end):
            words = words[:-1]  # "My name is D." not "D.."
        result.append(text[found.end:last])
        result.append(words)
        last = found.start
    result.append(text[:last])
    return "".join(reversed(result))


def _fitted(text: str, found: Identifier) -> str:
    """Return the redaction, capitalised where it starts a sentence as the words it replaces did."""
    words = found.redaction
    if words and found.text[:1].isupper() and words[0].islower() and _SENTENCE_START.search(text, 0, found.start):
        return words[0].upper() + words[1:]
    return words


def fellowship_note(text: str, naming: str | None, identifiers: list[Identifier]) -> str | None:
    """Return a gentle note about the tradition of anonymity when a storyteller named by their own name names
    a fellowship, else None."""
    named = [found.text for found in identifiers if found.kind == "fellowship"]
    if naming != "own_name" or not named:
        return None
    return (f"You are sharing this under your own name, and it mentions {named[0]}. Many fellowships ask their "
            "members not to be named as members in public: their eleventh tradition speaks of anonymity \"at the "
            "level of press, radio and films\", and social media is public in the same way. Many people speak "
            "openly about their recovery without naming the fellowship, for example \"recovery meetings\" or "
            "\"a recovery fellowship\". It is your choice, and you can change the words below if you want to.")
