"""The language check: run the active rules over a text and turn matches into findings."""

from __future__ import annotations

import re
from bisect import bisect_right

from .context import (ARTICLE, Quotes, cue_before, in_a_list, is_mention, is_name, is_rejected, is_self_description, is_unquoted_mention,
                      mention_hints, named_cues, opens_a_sentence, quote_spans)
from .index import Index, key_of, present
from .model import RANK, Finding, Report, new_finding, new_report
from .rules import VOICES, Rule, Trigger
from .safe_model import (framed_about_another, framing_denied, is_safe_messaging, stays_a_warning, touches_a_death,
                         with_the_model)
from .settings import LanguageSettings
from .suggest import suggestions
from .text import Prepared, prepare

MAX_INPUT = 1_000_000  # characters in one text: findings grow with the text, so a limit comes before the work
_DEFAULT_SETTINGS: LanguageSettings | None = None
_NO_QUOTES = Quotes(())


class _Candidate:
    """A match that passed its rule's context checks, before quotes and overlaps are weighed."""

    # A plain class with slots (not a dataclass: see record.py), made for every match, so kept lean.
    __slots__ = ("number", "rule", "trigger", "severity", "order", "start", "end", "groups", "span")

    def __init__(self, number: int, rule: Rule, trigger: Trigger, severity: str, order: int, start: int, end: int,
                 groups: dict, span: tuple[int, int]) -> None:
        self.number = number  # the row of the trigger in the settings' table
        self.rule, self.trigger, self.severity, self.order = rule, trigger, severity, order
        self.start, self.end = start, end  # offsets into the normalised text
        self.groups = groups
        self.span = span  # start and end in the original text, worked out once


def check(text: str, *, voice: str = "organisation", settings: LanguageSettings | None = None,
          shortcuts: bool = True) -> Report:
    """Check a text for stigmatising language and return every finding, sorted by where it starts.

    shortcuts=False gives the same report the plain, slow way (see plain.py), for tests to compare against.
    """
    if not isinstance(text, str):
        raise TypeError(f"check() needs text as a str, not {type(text).__name__}")
    if len(text) > MAX_INPUT:
        raise ValueError(f"the text is {len(text):,} characters; the check takes up to {MAX_INPUT:,} at a time")
    if voice not in VOICES:
        raise ValueError(f"voice {voice!r} is not known; use 'organisation' or 'storyteller'")
    settings = settings if settings is not None else _default_settings()
    if not isinstance(settings, LanguageSettings):
        raise TypeError("settings must be a LanguageSettings")
    if not shortcuts:
        from .plain import check_plainly  # here: only tests ask for it, and every command line check would load it

        return check_plainly(text, voice, settings)
    prepared = prepare(text)
    findings = _findings(prepared, voice, settings)
    if touches_a_death(prepared.low):  # most texts touch none, and the model need not look at them
        findings = with_the_model(text, voice, settings, findings)
    return new_report(text, tuple(findings))


def _findings(prepared: Prepared, voice: str, settings: LanguageSettings) -> list[Finding]:
    """Return the findings of the rules, sorted by where they start."""
    table, index = settings.index(voice)
    candidates = _match(prepared, table, index)
    if not candidates:
        return []
    text = prepared.original
    quotes = Quotes(quote_spans(text)) if _has_quotes(text) else _NO_QUOTES
    cues = named_cues(prepared.low)  # once per text, so most matches skip the search for "the word ..."
    hints = mention_hints(prepared.low)  # once per text, so most matches skip the unquoted mention patterns
    kept: list[_Candidate] = []
    dropped: list[tuple[int, int]] = []
    for candidate in candidates:
        if _mentioned(prepared, quotes, cues, hints, candidate) or _named(prepared, candidate):
            dropped.append((candidate.start, candidate.end))
        else:
            kept.append(candidate)
    if dropped:
        kept = _outside(kept, dropped)
    for candidate in kept:
        if candidate.rule.article:
            _take_article(prepared, candidate)
    if _in_order(kept):
        # Most texts: the matches came in order of place and none overlap, so all are kept, and their
        # findings are sorted by where they start already, unless normalising made two starts equal.
        findings = [_finding(prepared, quotes, voice, index.memo, c) for c in kept]
        if prepared.index is None or all(a.start < b.start for a, b in zip(findings, findings[1:])):
            return findings
    findings = [_finding(prepared, quotes, voice, index.memo, c) for c in _without_overlaps(kept)]
    findings.sort(key=lambda f: (f.start, f.end, f.rule))
    return findings


def _default_settings() -> LanguageSettings:
    """Return the shared default settings, built on first use so their compiled rules are reused."""
    global _DEFAULT_SETTINGS
    if _DEFAULT_SETTINGS is None:
        _DEFAULT_SETTINGS = LanguageSettings()
    return _DEFAULT_SETTINGS


def _match(prepared: Prepared, table: tuple, index: Index) -> list[_Candidate]:
    """Find every place an active trigger of the table matches in a context that lets it fire."""
    low = prepared.low
    found: list[_Candidate] = []
    seen: dict = {}
    gated: dict = {}  # apart from seen, which also holds answers about the text as written (case-sensitive needs)
    if index.finder is not None:
        probes = index.probes
        for place in index.finder.finditer(low):
            at = place.start()
            key = place.group(1)
            regex, slots, alone, gates = probes.get(key) or probes[key_of(key)]  # "a-bit" is filed under "a bit"
            if gates is not None and not _any_present(gates, low, gated):
                continue  # each trigger here needs a word nearby that the text lacks ("told" and harm reduction)
            # One call tries every joined trigger filed under this prefix (see probe.py).
            joined = regex.match(low, at)
            if joined.lastindex is None and not alone:
                continue  # no group took part: none of the triggers matches here, as at most places
            spans = joined.regs  # built anew on every access, so once
            for number, group, names in slots:
                if group >= 0:
                    start, end = spans[group]
                    if start >= 0:
                        _consider(prepared, table, number, start, end, joined, names, found)
                else:
                    _try_alone(prepared, table, number, at, seen, found)
    for number in index.everywhere:
        trigger = table[number][2]
        target = prepared.norm if trigger.case_sensitive else low
        for match in trigger.pattern.finditer(target):
            start = match.start()
            # Matches must start a word; patterns carry no \b so that re can search for their prefix.
            if not start or not (target[start - 1].isalnum() or target[start - 1] == "_"):
                _consider(prepared, table, number, start, match.end(), match, None, found)
    return found


def _any_present(gates: tuple, low: str, seen: dict) -> bool:
    """Tell whether the text holds a word of any of the sets (present() remembers each set's answer)."""
    for words in gates:
        if present(words, low, seen):
            return True
    return False


def _try_alone(prepared: Prepared, table: tuple, number: int, at: int, seen: dict, found: list) -> None:
    """Try one trigger that a probe could not join at a word start, the way every trigger once was."""
    trigger = table[number][2]
    target = prepared.norm if trigger.case_sensitive else prepared.low
    # A cheap test first: most triggers filed under "drug" need a word like "abuse" too.
    if present(trigger.needs, target, seen):
        match = trigger.pattern.match(target, at)
        if match is not None:
            _consider(prepared, table, number, match.start(), match.end(), match, None, found)


def _consider(prepared: Prepared, table: tuple, number: int, start: int, end: int, match: re.Match, names,
              found: list) -> None:
    """Keep a match of a table's (rule, severity, trigger, order) row when it is not empty and its context allows it.

    `names` pairs each of the trigger's group names with its name in a joined probe; None means
    `match` is the trigger's own match.
    """
    rule, severity, trigger, order = table[number]
    if start == end or (trigger.contextual and not trigger.context_ok(prepared.low, start, end)) or (
            prepared.masked and prepared.is_masked(start, end)):
        return
    if names is None:
        groups = match.groupdict()
    else:  # most triggers have no groups: skip building an empty dict the long way
        groups = {name: match.group(renamed) for name, renamed in names} if names else {}
    span = (start, end) if prepared.index is None else prepared.original_span(start, end)
    found.append(_Candidate(number, rule, trigger, severity, order, start, end, groups, span))


def _has_quotes(text: str) -> bool:
    """Tell cheaply whether a text contains any quotation mark or apostrophe."""
    return any(q in text for q in "\"'\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb")


def _mentioned(prepared: Prepared, quotes: Quotes, cues: list[int], hints: int, candidate: _Candidate) -> bool:
    """Tell whether a match is a word being talked about, which is not a finding at all."""
    start, end = candidate.span
    if is_safe_messaging(candidate.rule.id) and framing_denied(prepared.low, candidate.start, candidate.rule.id):
        return True
    span = quotes.innermost(start, end) if quotes.spans else None
    near = bool(cues) and cue_before(cues, candidate.start)
    if (span is not None or near) and is_mention(prepared.original, prepared.low, span, (start, end),
                                                 candidate.start, named_cue=near):
        return not is_safe_messaging(candidate.rule.id) or is_rejected(prepared.low, candidate.start)
    # Quoted words that are not on display are somebody speaking (info, see _finding), never a mention.
    # A bare label opening its sentence may be what it talks about ("Crackhead is not a description"), hints or none.
    # ...and so may a later item of a list that opens it ("Alkie and wino sound like jokes").
    maybe = hints or candidate.rule.claim or candidate.rule.article and (
        opens_a_sentence(prepared.low, candidate.start) or in_a_list(prepared.low, candidate.start))
    return span is None and bool(maybe) and is_unquoted_mention(
        prepared.low, candidate.start, candidate.end, candidate.rule.claim, hints, candidate.rule.article)


def _named(prepared: Prepared, candidate: _Candidate) -> bool:
    """Tell whether a match is part of a proper name, which is not ours to change."""
    start, end = candidate.span
    if prepared.original[start].islower():
        return False  # names are in Title Case; most matches are not, and is_name would say so slowly
    return is_name(prepared.original, start, end)


def _outside(kept: list[_Candidate], dropped: list[tuple[int, int]]) -> list[_Candidate]:
    """Drop the matches inside a dropped (start, end): "recovering addicts" talked about is not "addicts" used."""
    dropped.sort()
    starts = [start for start, _ in dropped]
    furthest, reach = [], -1  # furthest[i]: the furthest end among the first i + 1 dropped spans
    for _, end in dropped:
        reach = max(reach, end)
        furthest.append(reach)
    out = []
    for candidate in kept:
        at = bisect_right(starts, candidate.start) - 1
        if at < 0 or furthest[at] < candidate.end:
            out.append(candidate)
    return out


def _take_article(prepared: Prepared, candidate: _Candidate) -> None:
    """Widen a noun match over a directly preceding "a"/"an", so "an addict" gets "a person in recovery"."""
    low, start = prepared.low, candidate.start
    if not start or not low[start - 1].isspace():
        return  # ARTICLE ends in whitespace right before the match
    found = ARTICLE.search(low, max(0, start - 5), start)
    if found:
        candidate.groups = {**candidate.groups, "_article": found.group(1)}
        candidate.start = found.start()
        candidate.span = prepared.original_span(candidate.start, candidate.end)


def _in_order(candidates: list[_Candidate]) -> bool:
    """Tell whether each match starts where the one before it ended, or later: in order, and no overlaps."""
    end = 0
    for candidate in candidates:
        if candidate.start < end:
            return False
        end = candidate.end
    return True


def _without_overlaps(candidates: list[_Candidate]) -> list[_Candidate]:
    """Keep the longest match where matches overlap ("recovering addict" over "addict"), then the most severe."""
    spans = sorted([(c.start, c.end) for c in candidates])
    if all(before[1] <= after[0] for before, after in zip(spans, spans[1:])):
        return candidates  # nothing overlaps, as in most texts: all are kept, and findings get sorted anyway
    ranked = sorted(candidates, key=lambda c: (c.start - c.end, -RANK[c.severity], c.order, c.start))
    taken = bytearray(max((c.end for c in candidates), default=0))  # 1 where a kept match already is
    kept: list[_Candidate] = []
    for candidate in ranked:
        if 1 not in taken[candidate.start:candidate.end]:
            kept.append(candidate)
            taken[candidate.start:candidate.end] = b"\x01" * (candidate.end - candidate.start)
    return kept


def _finding(prepared: Prepared, quotes: Quotes, voice: str, memo: dict, candidate: _Candidate) -> Finding:
    """Build the finding for a match, lowering it to info for quoted speech and self-description."""
    start, end = candidate.span
    severity = candidate.severity
    theirs = False
    if quotes.spans and quotes.innermost(start, end) is not None and not is_safe_messaging(candidate.rule.id):
        # Somebody's words, quoted: show them, never block them. Not for safe messaging: a relative's
        # "finally at peace" quoted in a post reaches a struggling reader all the same.
        theirs = True
    elif voice == "storyteller" and not stays_a_warning(candidate.rule.id) and not framed_about_another(
            candidate.rule.id, prepared.low[candidate.start:candidate.end]) and is_self_description(
            prepared.low, candidate.start, candidate.end, noun=candidate.rule.article,
            subjectless=candidate.rule.self_description):
        theirs = True  # a person's words about themselves are theirs, whichever rule matched them
    matched = prepared.original[start:end]
    rule = candidate.rule
    hashtag = bool(prepared.hashtags) and prepared.in_hashtag(candidate.start)
    return new_finding(rule.id, "info" if theirs else severity, start, end, matched, rule.message,
                       suggestions(memo, candidate.number, rule, candidate.trigger, matched,
                                   prepared.low[candidate.start:candidate.end], hashtag, candidate.groups),
                       rule.source, not theirs)
