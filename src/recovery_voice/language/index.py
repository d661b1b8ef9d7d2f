"""A prefilter that finds, in one pass, the few places and rules worth trying in a text.

Every match starts at the start of a word, so each pattern is reduced to the short prefixes (up to
KEY_LENGTH characters) that a match can begin with. One regular expression finds the word starts
that begin with any prefix; only the triggers filed under those prefixes are then tried there, all
in one call (probe.py). Most words of most texts start no rule, so most rules never run at all.

A space in a prefix stands for the rules' word gap (SEP: spaces, hyphens, underscores) when it is
not empty, so "a bit ocd" is filed under "a bit", "a-bit" and "a  bit" alike (and under "abito"
for the gap left out), not under "a": short words like "a" and "the" no longer stop the finder at
every other word. No other prefix character can be a gap character, so at every step of the
finder's trie at most one branch can match, and it captures the longest prefix there is.
"""

from __future__ import annotations

import re

from .lazy import remembered_pattern
from .probe import Probe, build_probe
from .record import Record

try:  # Python 3.11+ names the parser re._parser; older ones call it sre_parse.
    from re import _parser as _sre
except ImportError:  # pragma: no cover
    import sre_parse as _sre  # type: ignore[no-redef]

from re._constants import (  # type: ignore[attr-defined]
    ASSERT, ASSERT_NOT, AT, BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, NEGATE, SUBPATTERN,
)

KEY_LENGTH = 6
# Character classes bigger than this (like \s or [a-z]) end a prefix instead of multiplying it.
_MAX_CLASS = 6
_MAX_PREFIXES = 400
_MAX_NEEDS = 4
GAP = " "  # stands for a run of one or more gap characters in a prefix
_GAP_RUN = re.compile(r"[\s\-_]+")
_GAP_CHARS = frozenset(" \t\n\r\f\v-_")
# The parsed form of SEP ([\s\-_]*), the word gap that rules.py puts for every space in a pattern.
_SEP_ITEM = str(list(_sre.parse(r"[\s\-_]*")))


def prefixes(source: str, lowercase: bool = True) -> frozenset[str] | None:
    """Return the prefixes every match of a pattern starts with, or None when it could start anywhere."""
    found = _sequence(list(_sre.parse(source)), KEY_LENGTH)
    keys = frozenset((text.lower() if lowercase else text) for text, _ in found)
    if not keys or "" in keys or len(keys) > _MAX_PREFIXES or any(k.startswith(GAP) for k in keys):
        return None
    return keys


def _sequence(items: list, room: int) -> set[tuple[str, bool]]:
    """Return (prefix, open) pairs for a sequence; open means the next item may still add to it."""
    states = {("", True)}
    for item in items:
        grown: set[tuple[str, bool]] = set()
        for text, open_ in states:
            if not open_ or len(text) >= room:
                grown.add((text[:room], False))
                continue
            for more, still_open in _item(item, room - len(text)):
                joined = text + more
                while GAP + GAP in joined:  # two gaps in a row are one run of gap characters
                    joined = joined.replace(GAP + GAP, GAP)
                grown.add((joined[:room], still_open and len(joined) < room))
        states = grown
        if len(states) > _MAX_PREFIXES or all(not open_ for _, open_ in states):
            break
    return states


def _item(item, room: int) -> set[tuple[str, bool]]:
    """Return (prefix, open) pairs for one parsed item; anything unknown ends the prefix there."""
    op, arg = item
    if op is LITERAL:
        # A gap character written out ("co-dependent") is filed as a gap, which stands for it and more:
        # as a character of its own it would make two branches of the finder's trie match at once.
        return {(GAP, True)} if _is_gap(chr(arg)) else {(chr(arg), True)}
    if op is IN:
        chars = [chr(a) for o, a in arg if o is LITERAL]
        if len(chars) != len(arg) or len(chars) > _MAX_CLASS or any(o is NEGATE for o, _ in arg):
            return {("", False)}
        gaps = [c for c in chars if _is_gap(c)]
        if gaps:
            return {(GAP, True)} if len(gaps) == len(chars) else {("", False)}
        return {(c, True) for c in chars}
    if op is MAX_REPEAT and str([item]) == _SEP_ITEM:
        return {(GAP, True), ("", True)}  # the word gap: some gap characters, or none
    if op is SUBPATTERN:
        return _sequence(list(arg[-1]), room)
    if op is BRANCH:
        return set().union(*(_sequence(list(branch), room) for branch in arg[1]))
    if op in (MAX_REPEAT, MIN_REPEAT):
        low, high, body = arg
        once = {(text, open_ and high == 1) for text, open_ in _sequence(list(body), room)}
        return once | {("", True)} if low == 0 else once
    if op in (AT, ASSERT, ASSERT_NOT):
        return {("", True)}  # zero width: says nothing about the characters
    return {("", False)}


def _is_gap(char: str) -> bool:
    """Tell whether a character is one of those a gap (SEP) is made of."""
    return char in _GAP_CHARS or char.isspace()


def needs(source: str, lowercase: bool = True) -> frozenset[str] | None:
    """Return words of which every match contains at least one, or None when no such words are known."""
    found = _needs(list(_sre.parse(source)))
    if found is None or len(found) > _MAX_NEEDS:
        return None  # testing many words costs more than trying the pattern
    return frozenset(w.lower() for w in found) if lowercase else frozenset(found)


def gate_words(source: str) -> frozenset[str] | None:
    """Return lower-case words of which every match of a context pattern holds one, however many; None if unknown.

    A trigger whose `near` needs words the text lacks cannot fire anywhere in it (see probe.py).
    """
    found = _needs(list(_sre.parse(source)))
    return None if found is None else frozenset(w.lower() for w in found)


def _needs(items: list) -> set[str] | None:
    """Return the best set of words (any one of them appears in every match) for a sequence of items."""
    options: list[set[str]] = []
    run = ""
    for op, arg in items:
        if op is LITERAL:
            run += chr(arg)
            continue
        if run:
            options.append({run})
        run = ""
        if op is BRANCH:
            parts = [_needs(list(branch)) for branch in arg[1]]
            if all(parts):
                options.append(set().union(*parts))
        elif op is SUBPATTERN:
            inner = _needs(list(arg[-1]))
            if inner:
                options.append(inner)
        elif op in (MAX_REPEAT, MIN_REPEAT) and arg[0] >= 1:
            inner = _needs(list(arg[2]))
            if inner:
                options.append(inner)
    if run:
        options.append({run})
    # The best words are the rarest, so prefer the set whose shortest word is longest.
    options = [o for o in options if min(map(len, o)) >= 3]
    return max(options, key=lambda o: (min(map(len, o)), -len(o))) if options else None


class Index(Record):
    """The active triggers filed by the prefixes their matches can start with."""

    finder: re.Pattern | None  # finds word starts that begin with a prefix, capturing the longest
    by_key: dict  # prefix -> trigger numbers filed under it or under any shorter prefix of it
    everywhere: tuple[int, ...]  # trigger numbers with no usable prefix: searched for everywhere
    probes: dict  # prefix -> the Probe that tries all of by_key[prefix] in one call (see probe.py), built on first use
    memo: dict  # rendered suggestions by trigger number and matched form (see suggest.py)


def build(triggers: list[tuple[int, object]]) -> Index:
    """File each (number, trigger) under its prefixes and compile the word-start finder."""
    own: dict[str, list[int]] = {}
    everywhere = []
    for number, trigger in triggers:
        if trigger.keys is None:
            everywhere.append(number)
            continue
        for key in trigger.keys:
            own.setdefault(key, []).append(number)
    # Zero width (a lookahead), as a prefix with a gap ("the h") must not hide the next word start.
    keys = sorted(own)
    finder = remembered_pattern("\n".join(keys), lambda: r"(?<!\w)(?=(" + trie(keys) + "))") if own else None
    by_key = Filed(own)
    return Index(finder, by_key, tuple(everywhere), Probes(by_key, dict(triggers)), {})


class Filed(dict):
    """The numbers filed under each prefix and under every shorter prefix inside it, worked out when first asked for.

    The finder captures the longest prefix at a word start, so that prefix's entry must also list the
    triggers of the shorter ones, and each trigger is then tried once per place. Working out all of
    them took a tenth of a short `recovery-voice check`, which meets a few of the thousands.
    """

    def __init__(self, own: dict[str, list[int]]) -> None:
        super().__init__()
        self.own = own  # prefix -> the numbers filed under it alone

    def __missing__(self, key: str) -> tuple[int, ...]:
        """Work out a prefix's numbers and keep them (KeyError for a prefix nothing is filed under)."""
        own = self.own
        if key not in own:
            raise KeyError(key)
        numbers = self[key] = tuple(sorted({n for size in range(1, len(key) + 1) for n in own.get(key[:size], ())}))
        return numbers


class Probes(dict):
    """The probe of each prefix (see probe.py), built the first time its prefix is looked up.

    Compiling them all took most of the time of a first check, and a short text needs a few.
    """

    def __init__(self, by_key: dict, triggers: dict) -> None:
        super().__init__()
        self.by_key = by_key
        self.triggers = triggers
        self.shared: dict[tuple[int, ...], Probe] = {}  # many prefixes share one list ("drugs", "drugm"...)

    def __missing__(self, key: str) -> Probe:
        """Build the probe of a prefix (KeyError for one that no trigger is filed under) and keep it."""
        numbers = self.by_key[key]
        probe = self.shared.get(numbers)
        if probe is None:
            probe = self.shared[numbers] = build_probe(numbers, self.triggers)
        self[key] = probe
        return probe


def trie(keys: list[str]) -> str:
    """Return a greedy regular expression matching any of the keys, branching one character at a time."""
    heads: dict[str, list[str]] = {}
    ends = False
    for key in keys:
        if key:
            heads.setdefault(key[0], []).append(key[1:])
        else:
            ends = True
    if not heads:
        return ""
    parts = [(r"[\s\-_]+" if head == GAP else re.escape(head)) + trie(rest) for head, rest in heads.items()]
    body = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
    # A key that ends here makes the rest optional: "ad" and "add" both start at "ad". (Marking each
    # key with an empty group, to read it from lastindex, made every match copy hundreds of groups.)
    return f"(?:{body})?" if ends else body


def candidates(index: Index, low: str) -> list[tuple[int, tuple[int, ...]]]:
    """Return (start, trigger numbers) for every word start where some filed trigger may match."""
    if index.finder is None:
        return []
    by_key = index.by_key
    return [(found.start(), by_key[key_of(found.group(1))]) for found in index.finder.finditer(low)]


def key_of(found: str) -> str:
    """Return the prefix that the finder's capture stands for: each run of gap characters is one GAP."""
    return found if found.isalpha() else _GAP_RUN.sub(GAP, found)


def present(words: frozenset[str] | None, text: str, seen: dict) -> bool:
    """Tell whether any of the words occurs in the text (None: no words needed), remembering answers."""
    if words is None:
        return True
    answer = seen.get(words)
    if answer is None:
        answer = False
        for word in words:
            if word in text:
                answer = True
                break
        seen[words] = answer
    return answer
