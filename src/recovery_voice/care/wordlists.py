"""The word lists the identifier check reads (first names, places, cue words), loaded once when first needed.

The lists are plain text beside this module, in sections headed "[name]"; a line is either words
separated by spaces, or one entry that may hold spaces (places, cue phrases), or "entry = words"
(venues and employers with what is offered in their place). Lines starting with "#" are comments.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def sections(name: str) -> dict[str, list[str]]:
    """Return each section of a list file as its non-comment lines, stripped."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in (_HERE / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = found.setdefault(line[1:-1], [])
        else:
            current.append(line)
    return found


def occurrences(text: str, word: str):
    """Yield every index where the word occurs in the text."""
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + 1)


def words(lines: list[str]) -> set[str]:
    """Return every space-separated word of the lines."""
    return {word for line in lines for word in line.split()}


def pairs(lines: list[str]) -> dict[str, str]:
    """Return {"entry": "words in its place"} from "entry = words" lines."""
    return {key.strip(): value.strip() for key, _, value in (line.partition("=") for line in lines)}


_EVERYDAY = {"target", "boots", "subway", "iceland", "coral", "costa", "next", "uber", "argos", "pret", "co-op"}


class Lists:
    """Every list the check needs, as sets and maps ready to look words up in."""

    def __init__(self) -> None:
        names, places, cues = sections("first_names.txt"), sections("places.txt"), sections("cues.txt")
        self.name_words = words(names["also-words"])  # names that are also everyday words
        self.names = words(names["names"]) - self.name_words  # lower case
        self.place_words = set(places["also-words"])
        self.places = set(places["places"]) - self.place_words
        self.titles = words(cues["titles"])
        self.roles = words(cues["roles"])
        self.people = words(cues["people"])
        self.not_names = words(cues["not-names"])
        self.venues = pairs(cues["venues"])
        self.streets = words(cues["streets"])
        self.place_before = cues["place-before"]
        self.work_before = cues["work-before"]
        self.employers = pairs(cues["employers"])
        self.public = set(cues["public-figures"])
        # Employers written in lower case ("on tills at tesco"): one word, and no everyday word.
        self.lower_employers = {name.lower(): words for name, words in self.employers.items()
                                if " " not in name and name.lower() not in _EVERYDAY}
        # Each lower-case first name as a word of text.split() may stand: bare or with punctuation after.
        self.lower_names = {name + end for name in self.names for end in ("", ".", ",", "!", "?", ";", ":", "'s", "’s")}
        self.venue_starts = {venue.split()[0] for venue in self.venues}
        self.place_starts = {place.split()[0] for place in self.places}
        # The last word of each kind of cue: a name after any other word cannot follow that cue.
        self.work_ends = {phrase.split()[-1].lower() for phrase in self.work_before} | {"at", "for", "with", "the"}
        self.place_ends = {phrase.split()[-1].lower() for phrase in self.place_before} | {"the"}
        self.role_ends = {role.lower() for role in self.roles}
        self.cue_ends = self.work_ends | self.place_ends | self.role_ends | {"called", "named", "of"}


@cache
def lists() -> Lists:
    """Return the lists, read from their files the first time."""
    return Lists()
