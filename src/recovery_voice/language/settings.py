"""An organisation's language settings: region, switched-off rules, changed severities and its own terms."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from .index import Index, build, prefixes
from .model import SEVERITIES
from .record import Record
from .rules import _ID, SEP, VOICES, Rule, Trigger, load_rules

REGIONS = ("uk", "us")
_TERM_KEYS = ("id", "pattern", "severity", "message", "suggestions", "source")
_VOWEL_Y = re.compile(r"[^aeiou]y\Z")


class LanguageSettings(Record):
    """How one organisation wants its texts checked; invalid settings raise ValueError saying what to fix."""

    region: str = "uk"
    disabled: frozenset[str] = frozenset()
    severities: Mapping[str, str] = MappingProxyType({})  # read-only, so the one default is never changed
    extra_terms: tuple[dict, ...] = ()

    def __post_init__(self) -> None:
        """Check every setting against the built-in rules and compile the organisation's own terms."""
        if not isinstance(self.region, str) or self.region.strip().lower() not in REGIONS:
            raise ValueError(f"region {self.region!r} is not known; use 'uk' or 'us'")
        object.__setattr__(self, "region", self.region.strip().lower())
        builtin = {rule.id for rule in load_rules()}
        extra = _compile_terms(self.extra_terms, builtin)
        known = builtin | {rule.id for rule in extra}
        object.__setattr__(self, "extra_terms", tuple(dict(t) for t in self.extra_terms))
        object.__setattr__(self, "disabled", _check_disabled(self.disabled, known))
        object.__setattr__(self, "severities", _check_severities(self.severities, known))
        # Not fields: derived data, kept out of equality and repr.
        object.__setattr__(self, "_extra_rules", extra)
        object.__setattr__(self, "_active", {})
        object.__setattr__(self, "_indexes", {})

    def __hash__(self) -> int:
        """Hash by value so settings can key caches even though they hold dicts."""
        return hash((self.region, self.disabled, frozenset(self.severities.items()), len(self.extra_terms)))

    def active_rules(self, voice: str) -> tuple[tuple[Rule, str], ...]:
        """Return the rules that run for a voice with the severity this organisation gives each."""
        cached = self._active.get(voice)
        if cached is None:
            rules = [r for r in (*load_rules(), *self._extra_rules)
                     if r.id not in self.disabled and r.applies(self.region, voice)]
            cached = tuple((r, self.severities.get(r.id, r.severity)) for r in rules)
            self._active[voice] = cached
        return cached

    def rules_by_id(self, voice: str) -> dict[str, tuple[Rule, str]]:
        """Return the active rules of a voice by id, each with its severity (as active_rules)."""
        cached = self._active.get(("by id", voice))
        if cached is None:
            cached = self._active[("by id", voice)] = {rule.id: (rule, severity)
                                                       for rule, severity in self.active_rules(voice)}
        return cached

    def index(self, voice: str) -> tuple[tuple, Index]:
        """Return every active trigger as (rule, severity, trigger, order) and the prefilter over them."""
        cached = self._indexes.get(voice)
        if cached is None:
            cached = _shared_index(self, voice)
            self._indexes[voice] = cached
        return cached


@lru_cache(maxsize=8)
def _shared_index(settings: LanguageSettings, voice: str) -> tuple[tuple, Index]:
    """Build the index once for equal settings: each loading of a config makes its own, and a build takes 50 ms."""
    table = tuple((rule, severity, trigger, order)
                  for order, (rule, severity) in enumerate(settings.active_rules(voice))
                  for trigger in rule.triggers)
    return table, build([(number, row[2]) for number, row in enumerate(table)])


def _check_disabled(disabled, known: set[str]) -> frozenset[str]:
    """Return the disabled rule ids as a frozenset, refusing ids no rule has."""
    if isinstance(disabled, str) or not _iterable(disabled):
        raise ValueError('disabled must be a list of rule ids, like ["rehab"]')
    ids = frozenset(disabled)
    for rule_id in sorted(ids, key=str):
        if rule_id not in known:
            raise ValueError(f"disabled: there is no rule with id {rule_id!r}")
    return ids


def _check_severities(severities, known: set[str]) -> Mapping[str, str]:
    """Return the severity changes as a read-only mapping, refusing unknown ids and severities."""
    if not isinstance(severities, Mapping):
        raise ValueError('severities must map rule ids to severities, like {"rehab" = "warning"}')
    for rule_id, severity in severities.items():
        if rule_id not in known:
            raise ValueError(f"severities: there is no rule with id {rule_id!r}")
        if severity not in SEVERITIES:
            raise ValueError(f"severities: {rule_id!r} has severity {severity!r}; use one of {', '.join(SEVERITIES)}")
    return MappingProxyType(dict(severities))


def _compile_terms(terms, builtin: set[str]) -> tuple[Rule, ...]:
    """Turn the organisation's own terms into rules, naming the term and key of any mistake."""
    if isinstance(terms, (str, Mapping)) or not _iterable(terms):
        raise ValueError("extra_terms must be a list of tables, each with id, pattern, severity and message")
    rules: list[Rule] = []
    for index, term in enumerate(terms):
        rule = _compile_term(term, f"extra term #{index + 1}")
        if rule.id in builtin or rule.id in {r.id for r in rules}:
            raise ValueError(f"extra term #{index + 1}: id {rule.id!r} is already used; choose another id")
        rules.append(rule)
    return tuple(rules)


def _compile_term(term, where: str) -> Rule:
    """Compile one extra term: words or phrases matched case-insensitively, plurals allowed."""
    if not isinstance(term, Mapping):
        raise ValueError(f"{where} must be a table with id, pattern, severity and message")
    unknown = [key for key in term if key not in _TERM_KEYS]
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r}; use {', '.join(_TERM_KEYS)}")
    rule_id = term.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise ValueError(f"{where}: id {rule_id!r} is required and must be kebab-case, like 'our-term'")
    where = f"{where} ({rule_id})"
    phrases = term.get("pattern")
    phrases = [phrases] if isinstance(phrases, str) else phrases
    if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
        raise ValueError(f"{where}: pattern is required: a word or phrase, or a list of them")
    severity = term.get("severity")
    if severity not in SEVERITIES:
        raise ValueError(f"{where}: severity {severity!r} must be one of {', '.join(SEVERITIES)}")
    message = term.get("message")
    if not isinstance(message, str) or not message.strip():
        raise ValueError(f"{where}: message is required: say in plain words why the term hurts")
    suggestions = term.get("suggestions", [])
    if not isinstance(suggestions, list) or not all(isinstance(s, str) and s.strip() for s in suggestions):
        raise ValueError(f"{where}: suggestions must be a list of words or phrases")
    source = term.get("source", "organisation")
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"{where}: source must be text, such as the name of your style guide")
    pattern = re.compile("(?:" + "|".join(_phrase_pattern(p) for p in phrases) + r")(?!\w)")
    trigger = Trigger(pattern=pattern, keys=prefixes(pattern.pattern))
    return Rule(id=rule_id, severity=severity, message=message.strip(), suggestions=tuple(suggestions),
                source=source.strip(), triggers=(trigger,), voices=frozenset(VOICES),
                self_description=True)


def _phrase_pattern(phrase: str) -> str:
    """Return a pattern for a phrase: flexible gaps between words, and a plural on the last one."""
    words = [re.escape(w) for w in re.split(r"[\s\-_]+", phrase.strip().lower()) if w]
    last = words[-1]
    if _VOWEL_Y.search(last):
        words[-1] = last[:-1] + "(?:y|ies)"
    elif last[-1:].isalpha():
        words[-1] = last + "(?:e?s)?"
    return SEP.join(words)


def _iterable(value) -> bool:
    """Tell whether a value can be iterated over."""
    try:
        iter(value)
    except TypeError:
        return False
    return True
