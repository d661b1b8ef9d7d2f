"""Trying every trigger filed under one prefix with a single regular-expression call.

The prefilter (index.py) finds a word start and the triggers worth trying there. Calling each
trigger's `pattern.match` costs a Python call per trigger, and most of them fail. A probe joins the
triggers of one prefix into one expression, each inside an optional lookahead with its own group:

    (?:(?=(?P<_0>pattern 0))|)(?:(?=(?P<_1>pattern 1))|)...

A lookahead takes the first match of its pattern at that place, exactly like `pattern.match`, and
keeps its groups, so one call tells which triggers match, where each ends and what their named
groups captured. Triggers that cannot be joined (case-sensitive ones, which run over the text as
written, and patterns with back-references or flags) are tried one by one, as before.
"""

from __future__ import annotations

import re
from collections import namedtuple

from .lazy import compile_pattern

# Named groups are renamed per trigger ("what" -> "_3_what") so that triggers cannot clash.
_NAMED_GROUP = re.compile(r"\(\?P<([A-Za-z_]\w*)>")
# Back-references and conditionals depend on group numbers and names that joining would change.
_UNSAFE = re.compile(r"\\\d|\(\?P=|\(\?\(|\(\?[aiLmsux-]")


class Probe(namedtuple("Probe", "regex slots alone gates")):
    """The triggers filed under one prefix, joined into one expression where they can be."""

    # A named tuple: the checker reads these at every word start a prefix is found at (collections',
    # not typing's, whose import costs a check's start).
    __slots__ = ()
    # regex: re.Pattern: matches the empty string, with a group set for each joined trigger that matches
    # slots: (trigger number, its group in regex or -1 when tried alone, ((name, renamed group), ...)),
    #   in the order of the trigger numbers, which is the order matches were always found in
    # alone: bool: whether any slot is tried alone, so the slots must be looked at even when no group matched
    # gates: the near_words of each trigger when every one of them has some, else None: a text holding none
    #   of any trigger's words has no match here that its context allows, so the probe need not run


def build_probe(numbers: tuple[int, ...], triggers: dict) -> Probe:
    """Join the triggers with these numbers (looked up in `triggers`) into one probe."""
    parts: list[str] = []
    pending: list[tuple[int, str | None, tuple[tuple[str, str], ...]]] = []
    for number in numbers:
        trigger = triggers[number]
        source = _joinable(trigger, number)
        if source is None:
            pending.append((number, None, ()))
            continue
        names = tuple((name, f"_{number}_{name}") for name in _group_names(trigger.pattern))
        parts.append(f"(?:(?=(?P<_{number}>{source}))|)")
        pending.append((number, f"_{number}", names))
    regex = compile_pattern("".join(parts))  # from the rules cache's compiled code where it has it (lazy.py)
    slots = tuple((number, regex.groupindex[group] if group else -1, names) for number, group, names in pending)
    gates = tuple(triggers[number].near_words for number in numbers)
    return Probe(regex, slots, any(group < 0 for _, group, _ in slots), None if None in gates else gates)


def _joinable(trigger, number: int) -> str | None:
    """Return the trigger's pattern with its groups renamed, or None when it must be tried alone."""
    pattern = trigger.pattern
    if trigger.case_sensitive or not _default_flags(pattern) or _UNSAFE.search(pattern.pattern):
        return None
    source = _NAMED_GROUP.sub(lambda found: f"(?P<_{number}_{found.group(1)}>", pattern.pattern)
    try:
        renamed = compile_pattern(source)
    except re.error:  # pragma: no cover - a pattern the renaming misread
        return None
    if set(renamed.groupindex) != {f"_{number}_{name}" for name in _group_names(pattern)}:
        return None  # pragma: no cover - the renaming touched something that was not a group
    return source


def _group_names(pattern) -> list[str]:
    """The named groups of a pattern, read from its source: a lazy pattern is not compiled just to tell them."""
    return list(dict.fromkeys(_NAMED_GROUP.findall(pattern.pattern)))


def _default_flags(pattern) -> bool:
    """Whether a pattern was made with no flags of its own (a lazy pattern says so without compiling)."""
    if isinstance(pattern, re.Pattern):
        return pattern.flags == re.UNICODE
    return pattern._flags == 0  # a LazyPattern
