"""The plain way through a text: what check() means, without any of the shortcuts that make it fast.

check(text, shortcuts=False) comes here. It gives the same report as the fast way, and exists so
that can be shown: tests compare the two on many texts. So this module takes none of checker.py's
shortcuts and shares none of its code: every trigger is tried at every word start (no prefixes,
probes or needed words), before-contexts are searched forwards (no reversed patterns), quotations
and "the word ..." are always looked for, overlaps are always weighed and findings always sorted,
and suggestions are rendered afresh. It shares what decides the answer: the rules and their
contexts, prepare(), the expressions in context.py, the rendering of suggestions and the
safe-messaging model (safe_model.py), asked of every text.

It is slow (tens of times slower than the fast way) and meant for tests and for checking a doubt,
not for production.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .context import _MAX_NESTED, ARTICLE, is_mention, is_name, is_rejected, is_self_description, is_unquoted_mention, quote_spans
from .model import RANK, Finding, Report
from .rules import DEFAULT_WINDOW, Rule, Trigger, _sentence
from .safe_model import framing_denied, is_safe_messaging, stays_a_warning, with_the_model
from .settings import LanguageSettings
from .suggest import render
from .text import Prepared, prepare


@dataclass
class _Match:
    """A trigger's match that its context allows, with what the report needs about it."""

    number: int  # the row of the trigger in the settings' table, which breaks ties between equal matches
    rule: Rule
    trigger: Trigger
    severity: str
    order: int  # the rule's place among the active rules
    start: int  # offsets into the normalised text
    end: int
    groups: dict
    span: tuple[int, int]  # start and end in the original text


def check_plainly(text: str, voice: str, settings: LanguageSettings) -> Report:
    """Return the report check() gives for a text, worked out the plain, slow way (arguments already checked)."""
    prepared = prepare(text)
    table, _ = settings.index(voice)
    quotes = quote_spans(text)
    matches = _matches(prepared, table)
    dropped = [m for m in matches if _mentioned(prepared, quotes, m) or is_name(prepared.original, *m.span)]
    # A match inside a dropped one goes too: "recovering addicts" talked about is not "addicts" used.
    kept = [m for m in matches if not any(d.start <= m.start and m.end <= d.end for d in dropped)]
    for match in kept:
        if match.rule.article:
            _take_article(prepared, match)
    findings = [_finding(prepared, quotes, voice, m) for m in _without_overlaps(kept)]
    findings.sort(key=lambda f: (f.start, f.end, f.rule))
    return Report(text, tuple(with_the_model(text, voice, settings, findings)))


def _matches(prepared: Prepared, table: tuple) -> list[_Match]:
    """Try every trigger of the table at every word start, and keep the matches their context allows."""
    found = []
    for number, (rule, severity, trigger, order) in enumerate(table):
        target = prepared.norm if trigger.case_sensitive else prepared.low
        # A search for a lookahead finds the match at each place, overlapping ones too, as pattern.match would.
        for place in _anywhere(trigger.pattern).finditer(target):
            start = place.start()
            if start and (target[start - 1].isalnum() or target[start - 1] == "_"):
                continue  # matches must start a word
            match = trigger.pattern.match(target, start)
            end = match.end()
            if start == end or not _context_allows(trigger, prepared.low, start, end) or _masked(prepared, start, end):
                continue
            span = prepared.original_span(start, end)
            found.append(_Match(number, rule, trigger, severity, order, start, end, match.groupdict(), span))
    found.sort(key=lambda m: (m.start, m.number))  # in order of place, as a reader meets them
    return found


@lru_cache(maxsize=1024)
def _anywhere(pattern: re.Pattern) -> re.Pattern:
    """Return a pattern that finds every place the given one matches at, compiled once per pattern."""
    return re.compile(f"(?=({pattern.pattern}))", pattern.flags)


def _context_allows(trigger: Trigger, low: str, start: int, end: int) -> bool:
    """Tell whether the words around low[start:end] let a trigger fire, searching each context forwards."""
    at = start - 1 if start and low[start - 1] == "#" else start  # "an #alcoholic": the article comes before the "#"
    left = low[max(0, at - DEFAULT_WINDOW):at]
    if trigger.before and not trigger.before.search(left):
        return False
    if trigger.not_before and trigger.not_before.search(left):
        return False
    if trigger.after and not trigger.after.match(low, end):
        return False
    if trigger.not_after and trigger.not_after.match(low, end):
        return False
    if not (trigger.near or trigger.not_near):
        return True  # no sentence to cut out: most triggers
    around = _sentence(low, start, end, trigger.window, trigger.sentences)
    if trigger.near and not trigger.near.search(around):
        return False
    return not (trigger.not_near and trigger.not_near.search(around))


def _masked(prepared: Prepared, start: int, end: int) -> bool:
    """Tell whether a span overlaps any web address, handle or email address."""
    return any(start < masked_end and masked_start < end for masked_start, masked_end in prepared.masked)


def _innermost(quotes: tuple, start: int, end: int) -> tuple[int, int] | None:
    """Return the tightest quotation around text[start:end], or None."""
    # Spans come in order of their closing quote, so the tightest is the first around the match. Like
    # the fast way, only the first _MAX_NESTED closing at or after the match are looked at.
    later = [span for span in quotes if span[1] >= end][:_MAX_NESTED]
    return next((span for span in later if span[0] < start), None)


def _mentioned(prepared: Prepared, quotes: tuple, match: _Match) -> bool:
    """Tell whether a match is a word being talked about ("we don't say 'junkie'"), which is not a finding."""
    if is_safe_messaging(match.rule.id) and framing_denied(prepared.low, match.start, match.rule.id):
        return True
    span = _innermost(quotes, *match.span)
    if is_mention(prepared.original, prepared.low, span, match.span, match.start):
        return not is_safe_messaging(match.rule.id) or is_rejected(prepared.low, match.start)
    return span is None and is_unquoted_mention(prepared.low, match.start, match.end, match.rule.claim,
                                                noun=match.rule.article)


def _take_article(prepared: Prepared, match: _Match) -> None:
    """Widen a noun match over a directly preceding "a"/"an", so "an addict" gets "a person in recovery"."""
    found = ARTICLE.search(prepared.low, max(0, match.start - 5), match.start)
    if found:
        match.groups = {**match.groups, "_article": found.group(1)}
        match.start = found.start()
        match.span = prepared.original_span(match.start, match.end)


def _without_overlaps(matches: list[_Match]) -> list[_Match]:
    """Keep the longest match where matches overlap, then the most severe, then the earliest rule."""
    ranked = sorted(matches, key=lambda m: (m.start - m.end, -RANK[m.severity], m.order, m.start))
    kept: list[_Match] = []
    for match in ranked:
        if all(match.end <= other.start or other.end <= match.start for other in kept):
            kept.append(match)
    return kept


def _finding(prepared: Prepared, quotes: tuple, voice: str, match: _Match) -> Finding:
    """Build the finding for a match, lowered to info for quoted speech and a storyteller's words about themselves."""
    start, end = match.span
    rule = match.rule
    theirs = _innermost(quotes, start, end) is not None and not is_safe_messaging(rule.id) or (
        voice == "storyteller" and not stays_a_warning(rule.id)
        and is_self_description(prepared.low, match.start, match.end, noun=rule.article, subjectless=rule.self_description))
    matched = prepared.original[start:end]
    hashtag = any(tag_start <= match.start < tag_end for tag_start, tag_end in prepared.hashtags)
    suggestions = render(rule, match.trigger, matched, prepared.low[match.start:match.end], hashtag, match.groups)
    return Finding(rule.id, "info" if theirs else match.severity, start, end, matched, rule.message, suggestions,
                   rule.source, rewrite=not theirs)
