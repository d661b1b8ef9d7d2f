"""The append-only publishing log: writing entries and reading them back as table, CSV or JSON."""

import csv
import io
import json
import re
from datetime import datetime, timezone

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from .models import LogEntry, User, utcnow

COLUMNS = ("id", "at", "event", "post_id", "account", "attempt", "remote_id", "url", "error", "actor",
           "approved_by", "reason")
TABLE_COLUMNS = ("at", "event", "post_id", "account", "attempt", "url", "error", "approved_by", "reason")
# Added after COLUMNS in CSV and JSON (an extension: scripts reading the columns above see them unchanged).
NAME_COLUMNS = ("actor_name", "approved_by_name")
ERASED = "a person whose account was erased"
PEOPLE_FIELDS = ("actor", "approved_by")  # the fields that name a person: "user N" from now on


USER_REF = re.compile(r"user (\d+)")


def user_ref(user_id: int) -> str:
    """Name a person in the log by their user id: the log is kept forever, so it never holds an email."""
    return f"user {user_id}"


def display_names(session: Session, rows: list[LogEntry]) -> dict[str, str]:
    """Map each person named in these entries ("user N") to their display name, or to ERASED for an erased account."""
    return names(session, [getattr(e, field) for e in rows for field in PEOPLE_FIELDS])


def names(session: Session, refs) -> dict[str, str]:
    """Map each person reference ("user N", or an email in rows older than ids) to their display name, or ERASED."""
    refs = {ref for ref in refs if ref}
    emails = {ref.strip().lower() for ref in refs if "@" in ref}
    ids = {int(m.group(1)) for ref in refs if (m := USER_REF.fullmatch(ref))}
    found = {}
    person = (User.id, User.email, User.display_name, User.erased_at)
    if emails:
        rows = session.execute(select(*person).where(func.lower(User.email).in_(emails)))
        found.update({email.lower(): _shown_name(name, erased) for _id, email, name, erased in rows})
    if ids:
        rows = session.execute(select(*person).where(User.id.in_(ids)))
        found.update({user_ref(user_id): _shown_name(name, erased) for user_id, _email, name, erased in rows})
    keys = {ref: ref.strip().lower() if "@" in ref else ref for ref in refs}
    return {ref: found[key] for ref, key in keys.items() if found.get(key)}


def _shown_name(display_name: str | None, erased_at) -> str:
    """The name the log shows for one person: ERASED once their account is erased."""
    return ERASED if erased_at is not None else (display_name or "").strip()


def as_ref(session: Session, who: str | None) -> str | None:
    """Turn an email that belongs to a user into "user N", so the log never holds an email; other values as given."""
    if not who or "@" not in who:
        return who
    known = session.info.setdefault("rv_log_refs", {})  # a worker's round logs one approver per attempt
    email = who.strip().lower()
    if email not in known:  # only found ones are kept: an address may become an account later in the session
        user_id = session.scalar(select(User.id).where(User.email == email))
        if user_id is None:
            return who
        known[email] = user_ref(user_id)
    return known[email]


def record(session: Session, event: str, **fields) -> None:
    """Append one entry to the log in the caller's transaction, naming every person by "user N"."""
    for field in PEOPLE_FIELDS:
        if fields.get(field):
            fields[field] = as_ref(session, fields[field])
    # A plain INSERT: the worker writes one per attempt, and the ORM's unit of work costs more.
    session.execute(insert(LogEntry), [{"event": event, **fields, "at": fields.get("at") or utcnow()}])


def entries(session: Session, since: datetime | None = None, limit: int | None = None) -> list[LogEntry]:
    """Return log entries, oldest first, optionally only those at or after `since`."""
    query = select(LogEntry).order_by(LogEntry.at, LogEntry.id)
    if since is not None:
        query = query.where(LogEntry.at >= since)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def as_dict(entry: LogEntry, names: dict[str, str] | None = None) -> dict:
    """Return one entry as a plain dict with an ISO 8601 UTC time; with `names`, the people's names too."""
    row = {column: getattr(entry, column) for column in COLUMNS}
    row["at"] = entry.at.isoformat().replace("+00:00", "Z")
    if names is not None:
        row.update({f"{field}_name": names.get(row[field]) for field in PEOPLE_FIELDS})
    return row


def to_json(rows: list[LogEntry], names: dict[str, str] | None = None) -> str:
    """Format entries as a JSON list (with `names`, each person's name beside their "user N")."""
    return json.dumps([as_dict(e, names) for e in rows], indent=2, ensure_ascii=False)


def to_csv(rows: list[LogEntry], names: dict[str, str] | None = None) -> str:
    """Format entries as CSV with a header row, safe to open in a spreadsheet (with `names`, two name columns)."""
    columns = COLUMNS + (NAME_COLUMNS if names is not None else ())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for entry in rows:
        row = as_dict(entry, names)
        writer.writerow([_spreadsheet_safe(row[c]) for c in columns])
    return out.getvalue()


def _spreadsheet_safe(value):
    """Quote values a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def to_table(rows: list[LogEntry], tz=timezone.utc, names: dict[str, str] | None = None) -> str:
    """Format entries as an aligned text table for a terminal, with times in `tz` and approvers by name."""
    if not rows:
        return "The log is empty."
    names = names or {}
    cells = [[f"{e.at.astimezone(tz):%Y-%m-%d %H:%M:%S}"] + [shorten(_cell(e, c, names)) for c in TABLE_COLUMNS[1:]]
             for e in rows]
    return format_table(TABLE_COLUMNS, cells)


def _cell(entry: LogEntry, column: str, names: dict[str, str]):
    """One table cell: a person as "Name (user N)" where their name is known."""
    value = getattr(entry, column)
    return f"{names[value]} ({value})" if column in PEOPLE_FIELDS and value in names else value


def format_table(headers, cells: list[list[str]]) -> str:
    """Align rows of strings under their headers."""
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def shorten(value, limit: int = 60) -> str:
    """Render a value on one line, cut to `limit` characters."""
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

