"""Loading rules from TOML and compiling their patterns once, failing loudly on mistakes."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .index import gate_words, needs, prefixes
from .lazy import Derived, LazyPattern, cache_place, share
from .model import SEVERITIES
from .record import Record
from .reverse import reversed_source

RULES_DIR = Path(__file__).resolve().parent
# The built-in rule files, named: the folder also holds other data in TOML (suggest.py's rewrites.toml).
BUILTIN_FILES = ("contested.toml", "labels.toml", "people.toml", "rules.toml", "safe.toml")
REGIONS = ("uk", "us", "both")
VOICES = ("organisation", "storyteller")

# A space in a pattern stands for any run of spaces, hyphens, underscores and line breaks, or for
# nothing, so one pattern covers "ex addict", "ex-addict", "exaddict" and "#ExAddict".
SEP = r"[\s\-_]*"
DEFAULT_WINDOW = 80

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_MACRO = re.compile(r"\{([a-z_]+)\}")
_BARE_SPACE = re.compile(r"(?<!\\) ")
# What is left of a pattern once escapes and group names are gone: only letters the author typed.
_NOT_LETTERS = re.compile(r"\\.|\(\?P<[^>]*>|\(\?P=[^)]*\)")

# Where a sentence ends, for near/not_near: "cancer" in the next sentence says nothing about this one.
# Not after a short title ("St. Luke's", "Dr. Patel"), whose dot ends no sentence.
_SENTENCE_END = re.compile(r"(?<!\bst)(?<!\bdr)(?<!\bmr)(?<!\bmrs)(?<!\bms)(?<!\bmt)(?<!\bvs)(?<!\bjr)(?<!\bsr)"
                           r"[.!?\n]+(?:\s|\Z)|\n")

_CONTEXT_KEYS = ("before", "not_before", "after", "not_after", "near", "not_near")
_MATCH_KEYS = {"patterns", "case_sensitive", "window", "sentences", "suggestions", *_CONTEXT_KEYS}
_RULE_KEYS = {"id", "severity", "message", "suggestions", "source", "region", "voices",
              "self_description", "article", "claim", "match", "matches_of", *_MATCH_KEYS}
_FILE_KEYS = {"words", "rule"}
# A trigger's fields that hold patterns (LazyPatterns without flags, or None).
_PATTERN_FIELDS = frozenset({"pattern", *_CONTEXT_KEYS, "before_reversed", "not_before_reversed"})


class RuleFileError(ValueError):
    """A rules file that cannot be used, with the file, the rule id and what is wrong."""


class Trigger(Record):
    """One way a rule matches: a compiled pattern plus the context it needs around it."""

    UNCOMPARED = ("before_reversed", "not_before_reversed", "near_words")

    pattern: re.Pattern  # for the rule files, a LazyPattern (see lazy.py): compiled on first use, read alike
    case_sensitive: bool = False
    before: re.Pattern | None = None
    not_before: re.Pattern | None = None
    after: re.Pattern | None = None
    not_after: re.Pattern | None = None
    near: re.Pattern | None = None
    not_near: re.Pattern | None = None
    window: int = DEFAULT_WINDOW
    sentences: int = 0  # how many sentences either side near/not_near read besides the match's own
    suggestions: tuple[str, ...] = ()
    keys: frozenset[str] | None = None  # the prefixes a match starts with (see index.py)
    needs: frozenset[str] | None = None  # words of which every match contains one
    # before and not_before reversed (see reverse.py): one anchored match on the reversed window
    # instead of a search through it. None where a pattern cannot be reversed.
    before_reversed: re.Pattern | None = None
    not_before_reversed: re.Pattern | None = None
    # Words of which every match of `near` holds one (index.gate_words): none in a text, and this cannot fire.
    near_words: frozenset[str] | None = None
    # Set by __post_init__, not a field: `contextual`, whether any context is set.

    def __post_init__(self) -> None:
        """Note once whether context_ok has anything to check, so most matches skip calling it."""
        object.__setattr__(self, "contextual", any(
            getattr(self, key) is not None for key in ("before", "not_before", "after", "not_after", "near", "not_near")))

    def context_ok(self, low: str, start: int, end: int) -> bool:
        """Tell whether the words around low[start:end] allow this trigger to fire."""
        # Every test must pass, so the cheapest go first: after/not_after only match at one place,
        # while before/not_before search a window.
        if self.after and not self.after.match(low, end):
            return False
        if self.not_after and self.not_after.match(low, end):
            return False
        if self.before or self.not_before:
            if start and low[start - 1] == "#":
                start -= 1  # a hashtag after an article is a noun all the same: "an #alcoholic"
            lo = max(0, start - DEFAULT_WINDOW)
            # The window before the match, read backwards, cut in one step: low[lo:start][::-1].
            backwards = low[start - 1:lo - 1:-1] if lo else low[start - 1::-1] if start else ""
            if self.before and not (self.before_reversed.match(backwards) if self.before_reversed
                                    else self.before.search(low[lo:start])):
                return False
            if self.not_before and (self.not_before_reversed.match(backwards) if self.not_before_reversed
                                    else self.not_before.search(low[lo:start])):
                return False
        if self.near or self.not_near:
            around = _sentence(low, start, end, self.window, self.sentences)
            if self.near and not self.near.search(around):
                return False
            if self.not_near and self.not_near.search(around):
                return False
        return True


def _sentence(low: str, start: int, end: int, window: int, sentences: int = 0) -> str:
    """Return the sentence around low[start:end] and `sentences` more either side, at most `window` characters either side."""
    left = max(0, start - window)
    ends = [m.end() for m in _SENTENCE_END.finditer(low, left, start)]
    cut = ends[-1 - sentences] if len(ends) > sentences else left
    for count, stop in enumerate(_SENTENCE_END.finditer(low, end, end + window)):
        if count == sentences:
            return low[cut:stop.start()]
    return low[cut:end + window]


class Rule(Record):
    """A rule: what it flags, how bad it is, why, what to say instead and who says so."""

    id: str
    severity: str
    message: str
    suggestions: tuple[str, ...]
    source: str
    triggers: tuple[Trigger, ...]
    region: str = "both"
    voices: frozenset[str] = frozenset(VOICES)
    self_description: bool = False
    article: bool = False
    claim: bool = False  # a false claim rather than a word: raised in order to rebut it, it is not made

    def applies(self, region: str, voice: str) -> bool:
        """Tell whether this rule runs for the given region and voice."""
        return self.region in ("both", region) and voice in self.voices


def load_rules(path: str | Path | None = None) -> tuple[Rule, ...]:
    """Return the rules in a TOML file or folder (default: the built-in ones), parsed once and cached."""
    return _load(str(Path(path).resolve()) if path is not None else str(RULES_DIR))


@lru_cache(maxsize=8)
def _load(location: str) -> tuple[Rule, ...]:
    """Read every rules file at a location and compile it; the cache makes this happen once."""
    place = Path(location)
    if place == RULES_DIR:
        files = [place / name for name in BUILTIN_FILES]
    else:
        files = sorted(place.glob("*.toml")) if place.is_dir() else [place]
    if not files:
        raise RuleFileError(f"{place}: no rules files (*.toml) found")
    # Only the built-in rules are cached: other files come and go (tests, an organisation's own).
    derived = Derived(cache_place(files) if place == RULES_DIR else None)
    # The rules as plain values, kept whole: turning the files' tables into rules (word lists
    # filled in, prefixes looked up) took a third of a short `recovery-voice check`.
    kept = derived.remember("built", "rules", lambda: [_rule_data(rule) for rule in _parse_files(files, derived)])
    derived.save()  # only now: every pattern compiled, and the files are fine
    if place == RULES_DIR:
        share(derived)  # where index.py keeps the finder's compiled code
    return tuple(_rule_from(data) for data in kept)


def _parse_files(files: list[Path], derived: Derived) -> list[Rule]:
    """Parse and compile every rule of the files, refusing mistakes (a rule id twice among them)."""
    documents = [(file, derived.remember("documents", file.name, lambda file=file: _read(file))) for file in files]
    words = _gather_words(documents)
    rules: list[Rule] = []
    for file, data in documents:
        for index, table in enumerate(data.get("rule", [])):
            rules.append(_parse_rule(table, words, f"{file}: rule #{index + 1}", derived, rules))
    _check_unique(rules, files)
    return rules


def _rule_data(rule: Rule) -> dict:
    """Return a rule as values marshal can keep: its fields, with each trigger's patterns as their sources."""
    data = {name: getattr(rule, name) for name in Rule._fields}
    data["triggers"] = tuple({name: _source(getattr(trigger, name)) if name in _PATTERN_FIELDS
                              else getattr(trigger, name) for name in Trigger._fields} for trigger in rule.triggers)
    return data


def _rule_from(data: dict) -> Rule:
    """Return the rule that _rule_data() gave these values for."""
    triggers = tuple(Trigger(**{name: (LazyPattern(value) if value is not None and name in _PATTERN_FIELDS else value)
                                for name, value in fields.items()}) for fields in data["triggers"])
    return Rule(**{**data, "triggers": triggers})


def _source(pattern: LazyPattern | None) -> str | None:
    """Return the source of a rule file's pattern (every one is a LazyPattern, see _compile), or None."""
    return None if pattern is None else pattern.pattern


def _read(file: Path) -> dict:
    """Parse one TOML file, turning syntax errors into RuleFileError that names the file."""
    import tomllib  # here: rules read from the cache (see lazy.py) need no TOML parser

    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise RuleFileError(f"{file}: cannot read rules file: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise RuleFileError(f"{file}: not valid TOML: {error}") from None
    unknown = set(data) - _FILE_KEYS
    if unknown:
        raise RuleFileError(f"{file}: unknown top-level key(s) {', '.join(sorted(unknown))}; use [words] and [[rule]]")
    if not isinstance(data.get("rule", []), list):
        raise RuleFileError(f"{file}: rules must be written as [[rule]] tables")
    return data


def _gather_words(documents: list[tuple[Path, dict]]) -> dict[str, str]:
    """Merge the [words] lists of all files, refusing the same name twice."""
    words: dict[str, str] = {}
    for file, data in documents:
        for name, value in data.get("words", {}).items():
            if name in words:
                raise RuleFileError(f"{file}: [words] {name} is defined twice")
            if not isinstance(value, str) or not re.fullmatch(r"[a-z_]+", name):
                raise RuleFileError(f"{file}: [words] {name} must be a lower_case name set to a pattern string")
            words[name] = value
    return words


def _check_unique(rules: list[Rule], files: list[Path]) -> None:
    """Refuse two rules with one id unless one is for the UK and the other for the US."""
    seen: dict[str, list[str]] = {}
    for rule in rules:
        regions = seen.setdefault(rule.id, [])
        if regions and ("both" in regions or rule.region == "both" or rule.region in regions):
            where = ", ".join(str(f) for f in files)
            raise RuleFileError(f"{where}: rule {rule.id!r} is defined twice for the same region")
        regions.append(rule.region)


def _parse_rule(table: dict, words: dict[str, str], where: str, derived: Derived, earlier: list[Rule] = ()) -> Rule:
    """Turn one [[rule]] table into a Rule, naming the rule id in any error.

    `matches_of` names a rule before it (in `earlier`) whose matches this one also has, before its own: a
    storyteller's version of a rule matches all the organisation's does, and more.
    """
    if not isinstance(table, dict):
        raise RuleFileError(f"{where}: must be a table")
    rule_id = table.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise RuleFileError(f"{where}: id {rule_id!r} must be kebab-case like 'addict-noun'")
    where = f"{where.rsplit(': ', 1)[0]}: rule {rule_id!r}"
    unknown = set(table) - _RULE_KEYS
    if unknown:
        raise RuleFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    severity = _choice(table, "severity", SEVERITIES, None, where)
    region = _choice(table, "region", REGIONS, "both", where)
    voices = table.get("voices", list(VOICES))
    if not isinstance(voices, list) or not voices or not set(voices) <= set(VOICES):
        raise RuleFileError(f"{where}: voices must be a list drawn from {', '.join(VOICES)}")
    return Rule(
        id=rule_id,
        severity=severity,
        message=_text(table, "message", where),
        # An empty list says on purpose that no rewrite fits (a claim); a missing one is a mistake.
        suggestions=_strings(table, "suggestions", where, required="suggestions" not in table),
        source=_text(table, "source", where),
        triggers=_shared_triggers(table, earlier, where) + _parse_triggers(table, words, where, derived,
                                                                           shared="matches_of" in table),
        region=region,
        voices=frozenset(voices),
        self_description=_flag(table, "self_description", where),
        article=_flag(table, "article", where),
        claim=_flag(table, "claim", where),
    )


def _shared_triggers(table: dict, earlier: list[Rule], where: str) -> tuple[Trigger, ...]:
    """Return the triggers of the rule that `matches_of` names, which must come before this one."""
    if "matches_of" not in table:
        return ()
    named = table["matches_of"]
    found = [rule for rule in earlier if rule.id == named]
    if not isinstance(named, str) or not found:
        raise RuleFileError(f"{where}: matches_of must name a rule written before this one, not {named!r}")
    return found[-1].triggers


def _parse_triggers(table: dict, words: dict[str, str], where: str, derived: Derived,
                    shared: bool = False) -> tuple[Trigger, ...]:
    """Compile the rule's own patterns (if any) and each of its [[rule.match]] tables (none needed when `shared`)."""
    triggers = []
    if "patterns" in table:
        own = {k: table[k] for k in _MATCH_KEYS if k in table and k != "suggestions"}
        triggers.append(_parse_trigger(own, words, where, derived))
    else:
        stray = [k for k in _CONTEXT_KEYS if k in table]
        if stray:
            raise RuleFileError(f"{where}: {stray[0]} needs patterns beside it")
    extra = table.get("match", [])
    if not isinstance(extra, list):
        raise RuleFileError(f"{where}: match must be written as [[rule.match]] tables")
    for index, sub in enumerate(extra):
        if not isinstance(sub, dict) or set(sub) - _MATCH_KEYS:
            bad = sorted(set(sub) - _MATCH_KEYS) if isinstance(sub, dict) else "not a table"
            raise RuleFileError(f"{where}: match #{index + 1}: unknown key(s) {bad}")
        triggers.append(_parse_trigger(sub, words, f"{where}: match #{index + 1}", derived))
    if not triggers and not shared:
        raise RuleFileError(f"{where}: needs patterns or at least one [[rule.match]]")
    return tuple(triggers)


def _parse_trigger(table: dict, words: dict[str, str], where: str, derived: Derived) -> Trigger:
    """Compile one way of matching: its patterns, its context and its own suggestions."""
    patterns = _strings(table, "patterns", where, required=True)
    case_sensitive = _flag(table, "case_sensitive", where)
    window = table.get("window", DEFAULT_WINDOW)
    if not isinstance(window, int) or isinstance(window, bool) or not 0 < window <= 1000:
        raise RuleFileError(f"{where}: window must be a whole number of characters from 1 to 1000")
    sentences = table.get("sentences", 0)
    if not isinstance(sentences, int) or isinstance(sentences, bool) or not 0 <= sentences <= 3:
        raise RuleFileError(f"{where}: sentences must be a whole number from 0 to 3")
    expanded = [_expand(p, words, where, lowercase=not case_sensitive) for p in patterns]
    context = {}
    for key in _CONTEXT_KEYS:
        if key in table:
            parts = [_expand(p, words, f"{where}: {key}", lowercase=True) for p in _strings(table, key, where)]
            context[key] = _compile(_wrap_context(key, parts), f"{where}: {key}", derived)
    pattern = _compile("(?:" + "|".join(expanded) + r")(?!\w)", where, derived)
    for key in ("before", "not_before"):
        if key in context:
            context[f"{key}_reversed"] = _reversed(context[key], derived)
    keys, needed = _prefixes_and_needs(pattern.pattern, case_sensitive, derived)
    if "near" in context:
        context["near_words"] = _gate_words(context["near"].pattern, derived)
    return Trigger(
        pattern=pattern,
        keys=keys,
        needs=needed,
        case_sensitive=case_sensitive,
        window=window,
        sentences=sentences,
        suggestions=_strings(table, "suggestions", where) if "suggestions" in table else (),
        **context,
    )


def _wrap_context(key: str, parts: list[str]) -> str:
    """Anchor context patterns: before ends at the match, after starts at it, near is whole words."""
    body = "|".join(f"(?:{p})" for p in parts)
    if key.endswith("before"):
        return rf"(?<!\w)(?:{body}){SEP}\Z"
    if key.endswith("after"):
        return rf"{SEP}(?:{body})(?!\w)"
    return rf"(?<!\w)(?:{body})(?!\w)"


def _expand(pattern: str, words: dict[str, str], where: str, *, lowercase: bool, depth: int = 0) -> str:
    """Replace {name} with its word list and bare spaces with SEP; check the pattern is lower case."""
    if depth > 5:
        raise RuleFileError(f"{where}: word lists refer to each other in a loop")

    def fill(found: re.Match) -> str:
        """Return the named word list as a group."""
        name = found.group(1)
        if name not in words:
            raise RuleFileError(f"{where}: pattern {pattern!r} uses unknown word list {{{name}}}")
        return "(?:" + _expand(words[name], words, where, lowercase=lowercase, depth=depth + 1) + ")"

    if lowercase and _has_upper(_NOT_LETTERS.sub("", pattern)):
        raise RuleFileError(f"{where}: pattern {pattern!r} must be lower case (text is lower-cased "
                            f"before matching), or set case_sensitive = true")
    return _BARE_SPACE.sub(lambda _: SEP, _MACRO.sub(fill, pattern))


def _has_upper(text: str) -> bool:
    """Tell whether any character is upper case; in ASCII, exactly where lower() changes one (and quicker)."""
    return text != text.lower() if text.isascii() else any(c.isupper() for c in text)


def _compile(source: str, where: str, derived: Derived) -> LazyPattern:
    """Return a pattern compiled on first use, or now (naming the rule if broken) unless the files are known to compile."""
    pattern = LazyPattern(source)
    if not derived.hit:
        try:
            pattern.compiled()
        except re.error as error:
            raise RuleFileError(f"{where}: pattern does not compile: {error}") from None
    return pattern


def _reversed(pattern: LazyPattern, derived: Derived) -> LazyPattern | None:
    """Return a before-context reversed (see reverse.py), or None where it cannot be."""
    source = derived.remember("reversed", pattern.pattern, lambda: reversed_source(pattern.compiled()))
    return None if source is None else LazyPattern(source)


def _prefixes_and_needs(source: str, case_sensitive: bool, derived: Derived) -> tuple:
    """Return a trigger's prefixes and needed words (see index.py), as frozensets or None."""
    def work() -> list:
        found = prefixes(source), needs(source, lowercase=not case_sensitive)
        return [None if words is None else sorted(words) for words in found]
    keys, needed = derived.remember("triggers", f"{int(case_sensitive)} {source}", work)
    return (None if keys is None else frozenset(keys)), (None if needed is None else frozenset(needed))


def _gate_words(source: str, derived: Derived) -> frozenset[str] | None:
    """Return the words one of which every match of a near-context holds (see index.gate_words), cached."""
    def work() -> list | None:
        words = gate_words(source)
        return None if words is None else sorted(words)
    words = derived.remember("near", source, work)
    return None if words is None else frozenset(words)


def _choice(table: dict, key: str, allowed: tuple[str, ...], default: str | None, where: str) -> str:
    """Return table[key] if it is one of the allowed words."""
    value = table.get(key, default)
    if value not in allowed:
        raise RuleFileError(f"{where}: {key} {value!r} must be one of {', '.join(allowed)}")
    return value


def _text(table: dict, key: str, where: str) -> str:
    """Return a required, non-empty string."""
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RuleFileError(f"{where}: {key} is required and must be non-empty text")
    return value.strip()


def _strings(table: dict, key: str, where: str, required: bool = False) -> tuple[str, ...]:
    """Return a list of non-empty strings as a tuple."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RuleFileError(f"{where}: {key} must be a list of non-empty strings")
    if required and not value:
        raise RuleFileError(f"{where}: {key} needs at least one entry")
    return tuple(value)


def _flag(table: dict, key: str, where: str) -> bool:
    """Return an optional true/false setting."""
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise RuleFileError(f"{where}: {key} must be true or false")
    return value
