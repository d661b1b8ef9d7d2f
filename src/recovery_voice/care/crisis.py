"""Whether a storyteller's words suggest they may be at risk now (not a past crisis told as recovery).

Two readers, either of which is enough: the cues, and a word model learnt from labelled stories
(crisis_model.py), which hears what no cue foresaw; the cues say why, the model quotes its likeliest sentence.
The cues live in crisis.toml, by kind: thoughts of ending their life, hopelessness now, a plan or the
means, using with no care for their own safety, saying goodbye, a past crisis coming back, and a past
crisis (never a risk alone). One scan finds the word starts where a cue may begin ("I", "nobody",
"goodbye"...), and only the cues that can begin there are tried; only the sentences around a cue are
read further, so a long story with no cue costs little more than that scan. Each cue is then weighed
against its sentence: a past time in its clause ("back then", "years ago", "used to"), a negation just
before it, someone else speaking, hyperbole, and for the soft kinds support in the same or next sentence.

    >>> at_risk("Three years ago I tried to end my life; today I run the Tuesday group.")
    False
    >>> reasons("I cannot go on like this. Nobody would even notice.")
    ['hopelessness now: "I cannot go on like this."', 'hopelessness now: "Nobody would even notice."']
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Iterator

from ..language.index import Filed, prefixes
from ..language.lazy import Derived, cache_place, compile_pattern
from . import crisis_model

try:  # Python 3.11+ names these re._parser and re._constants; older ones sre_parse and sre_constants.
    from re import _parser as _sre_parse
    from re._constants import ASSERT, ASSERT_NOT, AT, BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, RANGE, SUBPATTERN
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse  # type: ignore[no-redef]
    from sre_constants import (ASSERT, ASSERT_NOT, AT, BRANCH, IN, LITERAL, MAX_REPEAT,  # type: ignore
                               MIN_REPEAT, RANGE, SUBPATTERN)

DATA = Path(__file__).with_name("crisis.toml")
CACHE_FILE = "crisis-rules.marshal"  # beside the language check's cache, under the same key rules
QUOTES = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u02bc", "'"))
STOPS = ".!?\u2026\n"  # what ends a sentence, when a space or the end of a line follows
# The past perfect at a cue's start ("I'd picked the night", "I had written a letter"): the writer looks back.
# The writer's "I'd" may stand just before the match, which then starts at the participle.
PLUPERFECT = re.compile(r"(?:i(?:'d| had) (?:already |just )?)?(?:[a-z]+ed|picked|chosen|written|bought|got|made|saved|hidden|hid)\b")
HAD_BEFORE = re.compile(r"\bi(?:'d| had) (?:already |just )?\Z")
AGAIN = re.compile(r"(?:\s+[a-z']+){0,2}?\s+again\b")  # "I overdosed again": a past crisis now, unless dated
ONGOING = re.compile(r"(?:\bi'?ve|\bive|\bi have|\bhave) (?:[a-z]+ )?(?:wanted|felt|thought|been|kept thinking)\b")
NAMES_WHAT = re.compile(r"suicid|dark|death|dying|die\b")
QUOTE_LIMIT = 240  # characters of a sentence quoted back in a reason
NEGATION_WINDOW = 40  # characters before a cue searched for a negation
PLANS_WINDOW = 600  # characters either side of a goodbye searched for the writer's plans
HEAD = "<i> <a>"  # how a cue about the writer starts in crisis.toml
EASED_SENTENCES = 2  # sentences after a soft cue searched for support or hope
ADVERBS = 3  # softening words allowed between the writer and the cue, as <a> in crisis.toml


@dataclass(frozen=True)
class Kind:
    """One kind of cue, as crisis.toml describes it."""

    name: str
    label: str
    eased: bool = False  # support or hope nearby eases it (hopelessness, unsafe use)
    past: bool = False  # a past crisis: a risk only when recent
    needs_before: bool = False  # "I feel like that again": a risk only after a crisis is mentioned
    plans: bool = False  # a goodbye to a group, a topic or a town, beside the writer's plans, is a move


@dataclass(frozen=True)
class Concern:
    """One sentence that suggests the writer may be at risk now, and why."""

    kind: str
    label: str
    start: int
    end: int
    sentence: str

    def reason(self) -> str:
        """Say in a few words what worried the check, quoting the sentence."""
        quoted = self.sentence if len(self.sentence) <= QUOTE_LIMIT else self.sentence[:QUOTE_LIMIT - 1] + "\u2026"
        return f'{self.label}: "{quoted}"'


@dataclass(frozen=True)
class Rules:
    """The compiled cues and the checks that weigh them."""

    finder: re.Pattern  # a word start where a cue may begin: group "head" for "I"/"me", "key"/"key2" a prefix
    first: re.Pattern  # the same at the very start of the text
    writer: re.Pattern  # "I", "I'm", "I've", "me"... and a space: how the cues about the writer begin
    adverb: re.Pattern  # one softening word and a space ("just ", "really ") after the writer
    bodies: list  # the rest of each cue about the writer, as (kind name, pattern source, first characters)
    by_key: dict  # prefix -> the numbers of the other cues whose matches may begin with it
    others: list  # the other cues, each as (kind name, pattern source)
    probes: dict  # numbers of cues -> the pattern trying them all at one place, built on first use
    by_letter: dict  # the letter after the writer's words -> its probe (or None), as first looked up
    by_prefix: dict  # a prefix -> its probe (or None), as first looked up
    kinds: dict
    past: re.Pattern
    recent: re.Pattern
    comparison: re.Pattern
    negation: re.Pattern
    other: re.Pattern
    self_speaks: re.Pattern
    hyperbole: re.Pattern
    support: re.Pattern
    boundary: re.Pattern
    plans: re.Pattern
    reassured: re.Pattern


MODEL_KIND, MODEL_LABEL = "words", "the words as a whole read like someone at risk now, most of all"


def at_risk(text: str) -> bool:
    """Tell whether the text suggests its writer may be at risk now: a cue says so, or, where no cue was met, the word model."""
    heard: list[bool] = []
    return next(_concerns(text, heard), None) is not None or (not heard and _model_says(text))


def concerns(text: str) -> list[Concern]:
    """Return each sentence that suggests the writer may be at risk now, once, in order.

    Where no cue was met at all but the word model (crisis_model.py) finds a risk, the sentence it finds
    likeliest stands for the text. Where a cue was met and weighed away (told as past, denied, someone
    else's, a joke, held with support), the cues' reading stands: that is what they are precise about.
    """
    seen, found, heard = set(), [], []
    for concern in _concerns(text, heard):
        if concern.start not in seen:
            seen.add(concern.start)
            found.append(concern)
    if not found and not heard and _model_says(text):
        start, end = crisis_model.load_model().likeliest_sentence(text)
        found.append(Concern(MODEL_KIND, MODEL_LABEL, start, end, text[start:end].strip()))
    return found


def _model_says(text: str) -> bool:
    """Tell whether the word model finds the text at risk, unless the writer says plainly it is nothing dark."""
    return crisis_model.load_model().at_risk(text) and not _rules().reassured.search(_lower(text))


def reasons(text: str) -> list[str]:
    """Say why the text worried the check: the kind of cue and the sentence, for the safeguarding lead."""
    return [concern.reason() for concern in concerns(text)]


def _concerns(text: str, heard: list | None = None) -> Iterator[Concern]:
    """Yield a Concern for each cue that, weighed against its sentence, suggests a risk now.

    `heard`, if given, gets True appended when any cue is met, whatever its weighing says.
    """
    if not isinstance(text, str):
        raise TypeError(f"at_risk() needs text as a str, not {type(text).__name__}")
    rules = _rules()
    low = _lower(text)
    matches = _cues(rules, low)
    first = next(matches, None)
    if first is None:
        return
    if heard is not None:
        heard.append(True)
    crisis_before = False
    for match in chain((first,), matches):
        kind = rules.kinds[match.lastgroup]
        start, end = _sentence_around(low, match.start())
        verdict = _weigh(rules, kind, low, match, start, end, crisis_before)
        crisis_before = crisis_before or verdict is not None
        if verdict:
            yield Concern(kind.name, kind.label, start, end, text[start:end].strip())


def _cues(rules: Rules, low: str) -> Iterator[re.Match]:
    """Yield each cue in the text, left to right, none inside another (as one finditer would)."""
    covered = 0
    for place in chain((rules.first.match(low),), rules.finder.finditer(low)):
        if place is None or place.end() < covered:
            continue
        start = place.end()
        head, key, key2 = place.groups()
        match = _writer_cue(rules, low, start) if head else None
        key = key or key2
        if match is None and key:
            probe = rules.by_prefix.get(key, False)
            if probe is False:
                probe = _probe(rules, rules.by_key[key], rules.by_prefix, key)
            match = probe.match(low, start) if probe is not None else None
        if match is not None:
            covered = match.end()
            yield match


def _writer_cue(rules: Rules, low: str, start: int, by_letter: bool = True) -> re.Match | None:
    """Return the cue about the writer that begins at start ("I", then up to three softening words).

    Only the cues that can begin with the letter after the writer's words are tried, unless by_letter
    is False (every cue: what the tests compare the quick way with).
    """
    found = rules.writer.match(low, start)
    if found is None:
        return None
    places = [found.end()]
    while len(places) <= ADVERBS and (more := rules.adverb.match(low, places[-1])):
        places.append(more.end())
    # Right after the "i" of "i'm", "ive", "i'd" too: the cues name the verb ("'m", "m", "'ve") themselves.
    places = ([start + 1] if low[start] == "i" and low[start + 1:start + 2] != " " else []) + places
    for place in reversed(places):  # the most softening words first, as a greedy pattern would
        letter = low[place:place + 1] if by_letter else None
        probe = rules.by_letter.get(letter, False)
        if probe is False:
            probe = _probe(rules, ("writer", letter), rules.by_letter, letter)
        match = probe.match(low, place) if probe is not None else None
        if match is not None:
            return match
    return None


def _probe(rules: Rules, key: tuple, names: dict | None = None, name: str | None = None) -> re.Pattern | None:
    """Return the pattern that tries, at one place, the cues filed under a key, a named group per kind.

    The key is ("writer", the first character after the writer's words, or None for all of them) or
    the numbers of other cues. The pattern is kept under the key, and in `names` under the name it is
    looked up by next time (the letter, or the prefix: the same numbers are filed under many prefixes).
    """
    if key not in rules.probes:
        rules.probes[key] = _compiled_probe(rules, key)
    if names is not None:
        names[name] = rules.probes[key]
    return rules.probes[key]


def _compiled_probe(rules: Rules, key: tuple) -> re.Pattern | None:
    """Compile the pattern of a probe's cues (None when no cue is filed under its key)."""
    if key[0] == "writer":
        cues = [(kind, source) for kind, source, firsts in rules.bodies
                if firsts is None or key[1] is None or key[1] in firsts]
    else:
        cues = [rules.others[number] for number in key]
    by_kind: dict = {}
    for kind, source in cues:
        by_kind.setdefault(kind, []).append(source)
    groups = "|".join(f"(?P<{kind}>{'|'.join(sources)})" for kind, sources in by_kind.items())
    return compile_pattern(f"(?:{groups})(?![a-z])", re.MULTILINE) if groups else None


def _weigh(rules: Rules, kind: Kind, low: str, match: re.Match, start: int, end: int,
           crisis_before: bool) -> bool | None:
    """Return True for a risk now, False for a crisis that is not now, None when the cue is not one."""
    if kind.past and not (rules.recent.search(low, start, end) or AGAIN.match(low, match.end())
                          or ONGOING.search(low, max(0, match.start() - 12), min(match.end(), match.start() + 40))):
        return False  # the usual case, answered before the clause is worked out: a past crisis, told as past
    clause = _clause_words(rules, low, match, start, end)
    if kind.past and ONGOING.search(low, max(0, match.start() - 12), min(match.end(), match.start() + 40)):
        kind = rules.kinds["intent"]  # "I've wanted to die for months": a state that goes on now
    if kind.past and not (rules.recent.search(clause) or AGAIN.match(low, match.end())):
        return False  # the usual case, and the cheapest answer: a past crisis, told as past
    if _spoken_otherwise(rules, low, match, start, end):
        return None
    if kind.past:
        return not rules.past.search(rules.recent.sub(" ", clause))
    if kind.needs_before and not (crisis_before or NAMES_WHAT.search(match.group())):
        return None
    if not kind.needs_before and rules.past.search(rules.comparison.sub(" ", rules.recent.sub(" ", clause))):
        return False  # a memory ("back then I'd think: I can't go on"); a crisis coming back is never one
    if _past_perfect(low, match) and not rules.recent.search(clause):
        return False  # "I'd picked the night.": a plan told in the past perfect is a story of then
    if kind.eased and _eased(rules, low, match.end(), end):  # from its end: "my family are" is no support
        return False
    if kind.plans and rules.plans.search(low, max(0, start - PLANS_WINDOW), end + PLANS_WINDOW):
        return False  # "So this is goodbye to all of you" from someone moving to Aberdeen for a job
    return True


def _spoken_otherwise(rules: Rules, low: str, match: re.Match, start: int, end: int) -> bool:
    """Tell whether the cue is negated, someone else's words, or hyperbole."""
    window = low[max(start, match.start() - NEGATION_WINDOW):match.start()]
    if rules.negation.search(window) or rules.hyperbole.search(low, start, end):
        return True
    before = low[start:match.start()]
    other = None
    for other in rules.other.finditer(before):
        pass
    return other is not None and not rules.self_speaks.search(before, other.end())


def _past_perfect(low: str, match: re.Match) -> bool:
    """Tell whether the cue is told in the past perfect: "I'd picked the night", "I had written the letters"."""
    told = match.group()
    return PLUPERFECT.match(told) is not None and (
        told.startswith(("i'd ", "i had ")) or HAD_BEFORE.search(low, max(0, match.start() - 16), match.start()) is not None)


def _clause_words(rules: Rules, low: str, match: re.Match, start: int, end: int) -> str:
    """Return the words of the cue's clause around the cue (the cue itself left out), for its time."""
    clause_start, clause_end = start, end
    for boundary in rules.boundary.finditer(low, start, end):
        if boundary.end() <= match.start():
            clause_start = boundary.start()
        elif boundary.start() >= match.end():
            clause_end = boundary.start()
            break
    return f"{low[clause_start:match.start()]} \u2026 {low[match.end():clause_end]}"


def _eased(rules: Rules, low: str, cue_end: int, end: int) -> bool:
    """Tell whether support or hope follows a soft cue in its sentence or the next two."""
    # Two, not one: a hard day is often told and then answered ("Today was one of them. I went to group").
    for _ in range(EASED_SENTENCES):
        end = _sentence_around(low, end + 1)[1] if end + 1 < len(low) else end
    return rules.support.search(low, cue_end, end) is not None


def _sentence_around(low: str, offset: int) -> tuple[int, int]:
    """Return the start and end of the sentence holding the offset (found from there, not by splitting all)."""
    start = max(_stop_before(low, stop, offset) for stop in STOPS)
    end = min(_stop_after(low, stop, offset) for stop in STOPS)
    return start, end


def _stop_before(low: str, stop: str, offset: int) -> int:
    """Return where the sentence holding the offset starts, as far as one kind of stop says."""
    at = low.rfind(stop, 0, offset)
    while at >= 0 and not _ends_sentence(low, at):
        at = low.rfind(stop, 0, at)
    return at + 1


def _stop_after(low: str, stop: str, offset: int) -> int:
    """Return where the sentence holding the offset ends, as far as one kind of stop says."""
    at = low.find(stop, offset)
    while at >= 0 and not _ends_sentence(low, at):
        at = low.find(stop, at + 1)
    return len(low) if at < 0 else at + 1


def _ends_sentence(low: str, at: int) -> bool:
    """Tell whether the stop at `at` ends a sentence: a line break, or a stop before a space ("3.5" is not)."""
    after = low[at + 1:at + 2]
    return low[at] == "\n" or not after or after.isspace() or (after in "\"')]" and low[at + 2:at + 3].isspace())


def _lower(text: str) -> str:
    """Lower-case the text with straight quotes, keeping every offset where it was."""
    low = text.lower()
    if not low.isascii():  # str.replace is many times quicker than str.translate here
        for curly, straight in QUOTES:
            low = low.replace(curly, straight)
    if len(low) != len(text):  # a few letters grow when lower-cased ("İ"); keep offsets aligned
        low = "".join(char.lower()[:1] for char in text)
        for curly, straight in QUOTES:
            low = low.replace(curly, straight)
    return low


@lru_cache(maxsize=1)
def _rules() -> Rules:
    """Read crisis.toml: the cues about the writer in one pattern, the others filed by how they begin."""
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    derived = _derived()
    words = _expand_words(data["words"])
    kinds, bodies, others = {}, [], []
    for entry in data["kind"]:
        kind = Kind(entry["name"], entry["label"], entry.get("eased", False), entry.get("past", False),
                    entry.get("needs_before", False), entry.get("plans", False))
        kinds[kind.name] = kind
        for cue in entry["cues"]:
            if cue.startswith(HEAD):
                body = _expand(cue[len(HEAD):], words)
                bodies.append((kind.name, body, derived.remember("firsts", body, lambda: _first_characters(body))))
            else:
                others.append((kind.name, _expand(cue, words)))
    flags = re.MULTILINE
    # compile_pattern keeps the compiled code in the language check's cache: compiling all of these
    # takes a third of a second, building them from the kept code microseconds.
    finder, first, by_key = _finder(others, derived)
    derived.save()
    writer, adverb = (compile_pattern(f"(?:{words[name]}) ", flags) for name in ("i", "adv"))
    time, context = data["time"], data["context"]
    return Rules(finder, first, writer, adverb, bodies, by_key, others, {}, {}, {}, kinds,
                 *(compile_pattern(time[name], flags) for name in ("past", "recent", "comparison")),
                 *(compile_pattern(context[name], flags) for name in ("negation", "other", "self_speaks",
                                                                       "hyperbole", "support", "boundary",
                                                                       "plans", "reassured")))


def _derived() -> Derived:
    """Return the cache of what parsing the cues tells (their prefixes and first characters).

    Parsing them took most of the third of a second the cues cost on first use in every process; the
    answers are kept as the language check keeps its own (language/lazy.py), in a file whose key holds
    crisis.toml, this module and the code that parses, so a change to any of them works them out again.
    """
    place = cache_place([DATA, Path(__file__)])
    return Derived(None if place is None else (place[0].with_name(CACHE_FILE), place[1]))


def _finder(others: list, derived: Derived) -> tuple[re.Pattern, re.Pattern, dict]:
    """Return the pattern that finds where cues may begin, and the cues filed under each prefix.

    re tries every alternative of a pattern at every place; most places begin no cue. So, as the
    language check does (language/index.py), each cue is reduced to the few prefixes its matches
    begin with, one pattern finds the word starts with such a prefix (or "I", "me"), and only the
    cues filed under it are tried there.
    """
    own: dict[str, list[int]] = {}
    for number, (_, source) in enumerate(others):
        keys = derived.remember("prefixes", source, lambda: prefixes(source))
        if keys is None:
            raise ValueError(f"crisis.toml: a cue must begin with known words: {source[:80]}")
        for key in keys:
            own.setdefault(key, []).append(number)
    by_key = Filed(own)
    trie = _trie(sorted(own))
    head = r"i(?:ve|m|d|k)?(?![a-z])|me(?![a-z])"
    place = f"(?:(?=(?P<head>{head}))(?=(?P<key>{trie}))?|(?=(?P<key2>{trie})))"
    # A separator first, not a lookbehind: re then skips to the separators without trying each letter.
    return compile_pattern(f"[^a-z']{place}", re.MULTILINE), compile_pattern(place, re.MULTILINE), by_key


def _trie(keys: list[str]) -> str:
    """Return a greedy pattern matching the longest of the keys, branching one character at a time."""
    heads: dict[str, list[str]] = {}
    ends = False
    for key in keys:
        if key:
            heads.setdefault(key[0], []).append(key[1:])
        else:
            ends = True
    if not heads:
        return ""
    parts = [re.escape(first) + _trie(rest) for first, rest in heads.items()]
    body = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
    return f"(?:{body})?" if ends else body


def _first_characters(pattern: str) -> frozenset | None:
    """Return the characters a pattern's matches can begin with, or None when they could begin with any."""
    chars, can_be_empty = _firsts(list(_sre_parse.parse(pattern)))
    return None if chars is None or can_be_empty or not chars else frozenset(chars)


def _firsts(items: list) -> tuple[set | None, bool]:
    """Return the characters a parsed sequence can start with (None: any) and whether it can be empty."""
    found: set = set()
    for op, arg in items:
        chars, can_be_empty = _first_of(op, arg)
        if chars is None:
            return None, False
        found |= chars
        if not can_be_empty:
            return found, False
    return found, True


def _first_of(op, arg) -> tuple[set | None, bool]:
    """Return the first characters of one parsed item and whether it can match nothing."""
    if op is LITERAL:
        return {chr(arg)}, False
    if op is IN:
        return _class_chars(arg), False
    if op is BRANCH:
        parts = [_firsts(list(branch)) for branch in arg[1]]
        if any(chars is None for chars, _ in parts):
            return None, False
        return set().union(*(chars for chars, _ in parts)), any(empty for _, empty in parts)
    if op is SUBPATTERN:
        return _firsts(list(arg[-1]))
    if op in (MAX_REPEAT, MIN_REPEAT):
        chars, can_be_empty = _firsts(list(arg[2]))
        return chars, can_be_empty or arg[0] == 0
    if op in (AT, ASSERT, ASSERT_NOT):  # zero width: the next item decides
        return set(), True
    return None, False


def _class_chars(items) -> set | None:
    """Return the characters of a small character class, or None for a large or negated one."""
    chars = set()
    for op, arg in items:
        if op is LITERAL:
            chars.add(chr(arg))
        elif op is RANGE and arg[1] - arg[0] < 40:
            chars.update(chr(code) for code in range(arg[0], arg[1] + 1))
        else:
            return None
    return chars


def _expand_words(words: dict) -> dict:
    """Expand the <name> fragments that refer to other fragments, in the order they are written."""
    done = {}
    for name, fragment in words.items():
        done[name] = _expand(fragment, done)
    return done


def _expand(pattern: str, words: dict) -> str:
    """Replace each <name> in a pattern with the fragment of that name."""
    def fragment(found: re.Match) -> str:
        if found.group(1) not in words:
            raise ValueError(f"crisis.toml: <{found.group(1)}> is not in [words] above where it is used")
        return words[found.group(1)]

    return re.sub(r"<([a-z_]+)>", fragment, pattern)
