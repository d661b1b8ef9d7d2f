"""The word lists the identifier check reads (first names, places, cue words), loaded once when first needed.

Made once and kept, as made, in the user's cache folder (care-lists.marshal, beside the language rules'
cache) while the lists and this module are unchanged: parsing them again took a few milliseconds of every check.

The lists are plain text beside this module, in sections headed "[name]"; a line is either words
separated by spaces, or one entry that may hold spaces (places, cue phrases), or "entry = words"
(venues and employers with what is offered in their place). Lines starting with "#" are comments.
"""

from __future__ import annotations

import marshal
import os
import sys
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
        # Each place as written in lower case ("baltimore made me"), but not those that are everyday words.
        lower_words = {name.lower() for name in places["lower-words"]}
        self.lower_places = {name.lower() for name in self.places} - lower_words
        self.titles = words(cues["titles"])
        self.roles = words(cues["roles"])
        self.people = words(cues["people"])
        self.not_names = words(cues["not-names"])
        self.venues = pairs(cues["venues"])
        self.streets = words(cues["streets"])
        self.place_before = cues["place-before"]
        self.work_before = cues["work-before"]
        self.jobs = set(cues["jobs"])  # "a pharmacist at", "driver for", "paramedic with": a workplace follows
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
        self.work_ends = {phrase.split()[-1].lower() for phrase in self.work_before} | {"at", "for", "with", "the", "in",
                                                                                          "from", "of"}
        self.place_ends = {phrase.split()[-1].lower() for phrase in self.place_before} | {"the"}
        self.role_ends = {role.lower() for role in self.roles}
        self.cue_ends = self.work_ends | self.place_ends | self.role_ends | {"called", "named", "of", "cried", "cawed", "as", "by"}


_FILES = ("first_names.txt", "places.txt", "cues.txt", "wordlists.py")  # what the lists are made from


@cache
def lists() -> Lists:
    """Return the lists, from the cache file while their files are unchanged, else read and kept there."""
    key = _cache_key()
    tables = _cached(key) if key is not None else None
    if tables is not None:
        ready = Lists.__new__(Lists)  # the sets and maps as they were made: no file to parse
        ready.__dict__.update(tables)
        return ready
    made = Lists()
    if key is not None:
        _keep(key, vars(made))
    return made


def _cache_key() -> bytes | None:
    """Return the key a cached copy must carry: the Python version and every file the lists are made from."""
    try:
        return b"\0".join([sys.version.encode(), *(_HERE.joinpath(name).read_bytes() for name in _FILES)])
    except OSError:
        return None


def _cache_file() -> Path | None:
    """Return where the made lists are kept: the user's cache folder, beside the language rules' cache."""
    folder = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache" if _has_home() else None)
    return Path(folder) / "recovery-voice" / "care-lists.marshal" if folder else None


def _has_home() -> bool:
    """Tell whether this user has a home folder to keep a cache in."""
    try:
        return Path.home().is_dir()
    except (RuntimeError, KeyError, OSError):
        return False


def _cached(key: bytes) -> dict | None:
    """Return the cached lists when the cache file carries this key, else None."""
    path = _cache_file()
    try:
        cached_key, tables = marshal.loads(path.read_bytes()) if path else (None, None)
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return tables if cached_key == key and isinstance(tables, dict) else None


def _keep(key: bytes, tables: dict) -> None:
    """Write the lists to the cache file atomically; a folder that cannot be written is skipped (same answers)."""
    path = _cache_file()
    if path is None:
        return
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(marshal.dumps((key, tables)))
        os.replace(temporary, path)
    except (OSError, ValueError):  # a cache is a saving, never a requirement
        try:
            temporary.unlink(missing_ok=True)
        except OSError:
            pass
