"""Reversing a regular expression, so that "does it match at the end of this text?" is one anchored match.

A rule's `before` context is searched for in the 80 characters before a match and must end right
there (its pattern ends in \\Z). `search` tries every one of those 80 places. The same question,
asked of the reversed text with the reversed pattern, is `match` at the start: one place. The
words a pattern accepts are the same either way, and `before` only needs a yes or a no.

Only the plain parts rules use are reversed (letters, classes, groups, alternatives, repeats,
\\b, \\A, \\Z and one-character lookarounds); for anything else, reversed() returns None and the
caller keeps searching forwards.
"""

from __future__ import annotations

import re

try:  # Python 3.11+ names the parser re._parser; older ones call it sre_parse.
    from re import _parser as _sre
except ImportError:  # pragma: no cover
    import sre_parse as _sre  # type: ignore[no-redef]

from re._constants import (  # type: ignore[attr-defined]
    ANY, ASSERT, ASSERT_NOT, AT, AT_BEGINNING_STRING, AT_BOUNDARY, AT_END_STRING, AT_NON_BOUNDARY, BRANCH,
    CATEGORY, CATEGORY_DIGIT, CATEGORY_NOT_DIGIT, CATEGORY_NOT_SPACE, CATEGORY_NOT_WORD, CATEGORY_SPACE,
    CATEGORY_WORD, IN, LITERAL, MAX_REPEAT, MAXREPEAT, MIN_REPEAT, NEGATE, NOT_LITERAL, RANGE, SUBPATTERN,
)

_CATEGORIES = {CATEGORY_DIGIT: r"\d", CATEGORY_NOT_DIGIT: r"\D", CATEGORY_SPACE: r"\s",
               CATEGORY_NOT_SPACE: r"\S", CATEGORY_WORD: r"\w", CATEGORY_NOT_WORD: r"\W"}
# \A and \Z swap ends; \b and \B look at both sides alike.
_ANCHORS = {AT_BEGINNING_STRING: r"\Z", AT_END_STRING: r"\A", AT_BOUNDARY: r"\b", AT_NON_BOUNDARY: r"\B"}


class _Unsupported(Exception):
    """A part of a pattern that reversed() does not handle."""


def reversed_pattern(pattern: re.Pattern) -> re.Pattern | None:
    """Return a pattern that matches the reverse of every text the given one matches, or None."""
    if pattern.flags != re.UNICODE:
        return None
    try:
        return re.compile(_sequence(list(_sre.parse(pattern.pattern))))
    except (_Unsupported, re.error):  # re.error: a lookahead whose reverse has no fixed width
        return None


def reversed_source(pattern: re.Pattern) -> str | None:
    """Return the source of reversed_pattern(pattern), or None: what the rules cache keeps."""
    found = reversed_pattern(pattern)
    return None if found is None else found.pattern


def _sequence(items: list) -> str:
    """Return the reversed source of a sequence: its items, each reversed, in the opposite order."""
    return "".join(_item(op, arg) for op, arg in reversed(items))


def _item(op, arg) -> str:
    """Return the reversed source of one parsed item."""
    if op is LITERAL:
        return re.escape(chr(arg))
    if op is NOT_LITERAL:
        return "[^" + re.escape(chr(arg)) + "]"
    if op is ANY:
        return "."
    if op is IN:
        return _class(arg)
    if op is BRANCH:
        return "(?:" + "|".join(_sequence(list(branch)) for branch in arg[1]) + ")"
    if op is SUBPATTERN:
        _group, add_flags, del_flags, body = arg
        if add_flags or del_flags:
            raise _Unsupported("inline flags")
        return "(?:" + _sequence(list(body)) + ")"  # a capturing group's text is not needed
    if op is MAX_REPEAT or op is MIN_REPEAT:  # which repeat count wins does not change yes or no
        low, high, body = arg
        return "(?:" + _sequence(list(body)) + ")" + ("{%d,}" % low if high == MAXREPEAT else "{%d,%d}" % (low, high))
    if op is AT and arg in _ANCHORS:
        return _ANCHORS[arg]
    if op is ASSERT or op is ASSERT_NOT:
        direction, body = arg
        # What must (not) come before, read backwards, must (not) come after; and the other way round.
        kind = ("?=" if direction < 0 else "?<=") if op is ASSERT else ("?!" if direction < 0 else "?<!")
        return "(" + kind + _sequence(list(body)) + ")"
    raise _Unsupported(str(op))


def _class(items: list) -> str:
    """Return a character class as source; a class reads the same either way."""
    parts = []
    for op, arg in items:
        if op is NEGATE:
            parts.insert(0, "^")
        elif op is LITERAL:
            parts.append(re.escape(chr(arg)))
        elif op is RANGE:
            parts.append(re.escape(chr(arg[0])) + "-" + re.escape(chr(arg[1])))
        elif op is CATEGORY and arg in _CATEGORIES:
            parts.append(_CATEGORIES[arg])
        else:
            raise _Unsupported(str(op))
    return "[" + "".join(parts) + "]"
