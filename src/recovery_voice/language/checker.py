"""The language check: run the active rules over a text and turn matches into findings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .context import innermost, is_mention, is_name, is_self_description, quote_spans
from .index import candidates, present
from .model import RANK, Finding, Report
from .rules import VOICES, Rule, Trigger
from .settings import LanguageSettings
from .text import Prepared, prepare

_DEFAULT_SETTINGS: LanguageSettings | None = None
_ARTICLE = re.compile(r"(?<!\w)(an?)\s+\Z")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_LAST_WORD = re.compile(r"([a-z]+)[^a-z]*\Z")
_IRREGULAR_PLURALS = frozenset({"people", "men", "women", "children", "folk"})


@dataclass
class _Candidate:
    """A match that passed its rule's context checks, before quotes and overlaps are weighed."""

    rule: Rule
    trigger: Trigger
    severity: str
    order: int
    start: int  # offsets into the normalised text
    end: int
    groups: dict


def check(text: str, *, voice: str = "organisation", settings: LanguageSettings | None = None) -> Report:
    """Check a text for stigmatising language and return every finding, sorted by where it starts."""
    if not isinstance(text, str):
        raise TypeError(f"check() needs text as a str, not {type(text).__name__}")
    if voice not in VOICES:
        raise ValueError(f"voice {voice!r} is not known; use 'organisation' or 'storyteller'")
    settings = settings if settings is not None else _default_settings()
    if not isinstance(settings, LanguageSettings):
        raise TypeError("settings must be a LanguageSettings")
    prepared = prepare(text)
    candidates = _match(prepared, settings, voice)
    if not candidates:
        return Report(text, ())
    quotes = quote_spans(text) if _has_quotes(text) else ()
    kept = [c for c in candidates if not _mentioned(prepared, quotes, c) and not _named(prepared, c)]
    for candidate in kept:
        if candidate.rule.article:
            _take_article(prepared.low, candidate)
    findings = [_finding(prepared, quotes, voice, c) for c in _without_overlaps(kept)]
    findings.sort(key=lambda f: (f.start, f.end, f.rule))
    return Report(text, tuple(findings))


def _default_settings() -> LanguageSettings:
    """Return the shared default settings, built on first use so their compiled rules are reused."""
    global _DEFAULT_SETTINGS
    if _DEFAULT_SETTINGS is None:
        _DEFAULT_SETTINGS = LanguageSettings()
    return _DEFAULT_SETTINGS


def _match(prepared: Prepared, settings: LanguageSettings, voice: str) -> list[_Candidate]:
    """Find every place an active rule matches in a context that lets it fire."""
    table, index = settings.index(voice)
    low, norm = prepared.low, prepared.norm
    found: list[_Candidate] = []
    seen: dict = {}
    for at, numbers in candidates(index, low):
        for number in numbers:
            row = table[number]
            trigger = row[2]
            target = norm if trigger.case_sensitive else low
            # A cheap test first: most triggers filed under "drug" need a word like "abuse" too.
            if present(trigger.needs, target, seen):
                match = trigger.pattern.match(target, at)
                if match is not None:
                    _consider(prepared, row, match, found)
    for number in index.everywhere:
        row = table[number]
        target = norm if row[2].case_sensitive else low
        for match in row[2].pattern.finditer(target):
            start = match.start()
            # Matches must start a word; patterns carry no \b so that re can search for their prefix.
            if not start or not (target[start - 1].isalnum() or target[start - 1] == "_"):
                _consider(prepared, row, match, found)
    return found


def _consider(prepared: Prepared, row: tuple, match: re.Match, found: list) -> None:
    """Keep a match of a (rule, severity, trigger, order) row when it is not empty and its context lets it fire."""
    start, end = match.span()
    rule, severity, trigger, order = row
    if start == end or not trigger.context_ok(prepared.low, start, end) or prepared.is_masked(start, end):
        return
    found.append(_Candidate(rule, trigger, severity, order, start, end, match.groupdict()))


def _has_quotes(text: str) -> bool:
    """Tell cheaply whether a text contains any quotation mark or apostrophe."""
    return any(q in text for q in "\"'\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb")


def _mentioned(prepared: Prepared, quotes, candidate: _Candidate) -> bool:
    """Tell whether a match is a word being talked about, which is not a finding at all."""
    start, end = prepared.original_span(candidate.start, candidate.end)
    span = innermost(quotes, start, end)
    return is_mention(prepared.original, prepared.low, span, (start, end), candidate.start)


def _named(prepared: Prepared, candidate: _Candidate) -> bool:
    """Tell whether a match is part of a proper name, which is not ours to change."""
    start, end = prepared.original_span(candidate.start, candidate.end)
    return is_name(prepared.original, start, end)


def _take_article(low: str, candidate: _Candidate) -> None:
    """Widen a noun match over a directly preceding "a"/"an", so "an addict" gets "a person in recovery"."""
    found = _ARTICLE.search(low, max(0, candidate.start - 5), candidate.start)
    if found:
        candidate.groups = {**candidate.groups, "_article": found.group(1)}
        candidate.start = found.start()


def _without_overlaps(candidates: list[_Candidate]) -> list[_Candidate]:
    """Keep the longest match where matches overlap ("recovering addict" over "addict"), then the most severe."""
    ranked = sorted(candidates, key=lambda c: (c.start - c.end, -RANK[c.severity], c.order, c.start))
    taken = bytearray(max((c.end for c in candidates), default=0))  # 1 where a kept match already is
    kept: list[_Candidate] = []
    for candidate in ranked:
        if 1 not in taken[candidate.start:candidate.end]:
            kept.append(candidate)
            taken[candidate.start:candidate.end] = b"\x01" * (candidate.end - candidate.start)
    return kept


def _finding(prepared: Prepared, quotes, voice: str, candidate: _Candidate) -> Finding:
    """Build the finding for a match, lowering it to info for quoted speech and self-description."""
    start, end = prepared.original_span(candidate.start, candidate.end)
    severity = candidate.severity
    theirs = False
    if quotes and innermost(quotes, start, end) is not None:
        theirs = True  # somebody's words, quoted: show them, never block them
    elif voice == "storyteller" and candidate.rule.self_description and is_self_description(
            prepared.low, candidate.start, candidate.end, noun=candidate.rule.article):
        theirs = True  # a person's words about themselves are theirs
    matched = prepared.original[start:end]
    rule = candidate.rule
    return Finding(
        rule=rule.id,
        severity="info" if theirs else severity,
        start=start,
        end=end,
        text=matched,
        message=rule.message,
        suggestions=_suggestions(prepared, candidate, matched),
        source=rule.source,
        rewrite=not theirs,
    )


def _suggestions(prepared: Prepared, candidate: _Candidate, matched: str) -> tuple[str, ...]:
    """Fill in, number, article and capitalise the suggestions so they can replace the match as is."""
    low = prepared.low[candidate.start:candidate.end]
    last = _LAST_WORD.search(low)
    word = last.group(1) if last else ""
    plural = word in _IRREGULAR_PLURALS or (word.endswith("s") and not word.endswith(("ss", "us", "is")))
    article = candidate.groups.get("_article")
    if prepared.in_hashtag(candidate.start):
        recase = _camel
    elif candidate.trigger.case_sensitive:  # acronyms (MAT, IDU) say nothing about case
        recase = None
    else:
        recase = _CASES[_case_of(matched)]
    out: list[str] = []
    for template in candidate.trigger.suggestions or candidate.rule.suggestions:
        if "|" in template:
            singular, _, many = template.partition("|")
            template = many if plural else singular
        text = _fill(template, candidate.groups) if "{" in template else template
        if text is None:
            continue
        text = _fix_article(text, article)
        if recase is not None:
            text = recase(text)
        if text not in out:
            out.append(text)
    return tuple(out)


def _fill(template: str, groups: dict) -> str | None:
    """Put named groups into {name} slots; None when a slot's group did not take part in the match."""
    names = _PLACEHOLDER.findall(template)
    if any(not groups.get(name) for name in names):
        return None
    return _PLACEHOLDER.sub(lambda m: " ".join(groups[m.group(1)].split()), template)


def _fix_article(text: str, article: str | None) -> str:
    """Keep a suggestion's a/an only when the match had one, and choose a or an by the next word."""
    if not text.startswith(("a ", "an ", "A ", "An ")):
        return text
    head, _, rest = text.partition(" ")
    if article is None:
        return rest
    chosen = "an" if rest[:1].lower() in "aeiou" else "a"
    return chosen + " " + rest


def _case_of(matched: str) -> str:
    """Tell how the matched text is capitalised: "upper" (ALL CAPS), "title" (a capital first) or "lower"."""
    letters = [c for c in matched if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return "upper"
    first = matched.split()[0] if matched.split() else ""
    # "Addicts" starts a sentence; "IV users" starts with an acronym, which says nothing.
    if first[:1].isupper() and not (len(first) > 1 and first.isupper()):
        return "title"
    return "lower"


_CASES = {"upper": str.upper, "title": lambda text: text[:1].upper() + text[1:], "lower": None}


def _camel(text: str) -> str:
    """Turn a suggestion into CamelCase, so a hashtag can be replaced by a hashtag."""
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^\w]+", text) if w)
