"""The [care] settings: where people can find support, and how long withdrawn stories are kept."""

from __future__ import annotations

from dataclasses import dataclass

# Samaritans (UK and Ireland) and the 988 Lifeline (US) are the lines the safe-messaging guides name.
SUPPORT_FOOTERS = {
    "uk": "If this brings anything up for you, Samaritans are there day or night: call 116 123 (free).",
    "us": "If this brings anything up for you, call or text 988 (Suicide & Crisis Lifeline), any time.",
}
SUPPORT_LINES = {
    "uk": ("Samaritans: call 116 123, free, day or night", "Shout: text SHOUT to 85258, free, day or night",
           "If you are in danger now, call 999"),
    "us": ("988 Suicide & Crisis Lifeline: call or text 988, any time", "Crisis Text Line: text HOME to 741741",
           "If you are in danger now, call 911"),
}
KEYS = {"support_footer", "support_contact", "support_lines", "purge_withdrawn_after_days"}


@dataclass(frozen=True)
class Care:
    """[care]: the support footer of posts about suicide or drug deaths, the support page, purging."""

    support_footer: str = SUPPORT_FOOTERS["uk"]  # added to every post that touches suicide or a drug death
    support_contact: str | None = None  # the organisation's own contact, first on the support page
    support_lines: tuple[str, ...] = SUPPORT_LINES["uk"]  # the regional lines, on the support page
    purge_withdrawn_after_days: int = 30  # withdrawn stories are erased this long after withdrawal


def parse_care(table: dict, region: str, error: type[Exception]) -> Care:
    """Check [care] and fill what it leaves out from the organisation's region."""
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise error(f"[care]: unknown key {unknown[0]!r} (known keys: {', '.join(sorted(KEYS))})")
    footer = _string(table, "support_footer", SUPPORT_FOOTERS[region], error, 500)
    contact = _string(table, "support_contact", None, error, 500)
    lines = table.get("support_lines", list(SUPPORT_LINES[region]))
    if not isinstance(lines, list) or not all(isinstance(line, str) and 0 < len(line) <= 300 for line in lines):
        raise error('[care] support_lines must be a list of short quoted lines, like '
                    'support_lines = ["Samaritans: call 116 123, free, day or night"]')
    days = table.get("purge_withdrawn_after_days", 30)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3650:
        raise error(f"[care] purge_withdrawn_after_days must be a whole number of days from 0 to 3650, not {days!r}")
    return Care(support_footer=footer, support_contact=contact, support_lines=tuple(lines),
                purge_withdrawn_after_days=days)


def _string(table: dict, key: str, default: str | None, error: type[Exception], limit: int) -> str | None:
    """Return a quoted string of at most `limit` characters (empty means none), or the default."""
    value = table.get(key, default)
    if value is not None and not isinstance(value, str):
        raise error(f'[care] {key} must be a quoted string, like {key} = "...", not {value!r}')
    if value is not None and len(value) > limit:
        raise error(f"[care] {key} is {len(value)} characters; keep it to {limit}")
    return value.strip() or None if value is not None else None
