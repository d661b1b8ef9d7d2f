"""The append-only publishing log: writing entries and reading them back as table, CSV or JSON."""

import csv
import io
import json
import re
from datetime import datetime, timezone

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .models import LogEntry, User, utcnow

COLUMNS = ("id", "at", "event", "post_id", "account", "attempt", "remote_id", "url", "error", "actor",
           "approved_by", "reason")
TABLE_COLUMNS = ("at", "event", "post_id", "account", "attempt", "url", "error", "approved_by", "reason")


USER_REF = re.compile(r"user (\d+)")


def user_ref(user_id: int) -> str:
    """Name a person in the log by their user id: the log is kept forever, so it never holds an email."""
    return f"user {user_id}"


def display_names(session: Session, rows: list[LogEntry]) -> dict[str, str]:
    """Map each "user N" actor in these entries to that person's display name, for an admin reading the log."""
    ids = {int(m.group(1)) for e in rows if e.actor and (m := USER_REF.fullmatch(e.actor))}
    if not ids:
        return {}
    found = session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
    return {user_ref(user_id): name for user_id, name in found if name}


def record(session: Session, event: str, **fields) -> None:
    """Append one entry to the log in the caller's transaction."""
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


def as_dict(entry: LogEntry) -> dict:
    """Return one entry as a plain dict with an ISO 8601 UTC time."""
    row = {column: getattr(entry, column) for column in COLUMNS}
    row["at"] = entry.at.isoformat().replace("+00:00", "Z")
    return row


def to_json(rows: list[LogEntry]) -> str:
    """Format entries as a JSON list."""
    return json.dumps([as_dict(e) for e in rows], indent=2, ensure_ascii=False)


def to_csv(rows: list[LogEntry]) -> str:
    """Format entries as CSV with a header row, safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in rows:
        writer.writerow([_spreadsheet_safe(as_dict(entry)[c]) for c in COLUMNS])
    return out.getvalue()


def _spreadsheet_safe(value):
    """Quote values a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def to_table(rows: list[LogEntry], tz=timezone.utc) -> str:
    """Format entries as an aligned text table for a terminal, with times in `tz`."""
    if not rows:
        return "The log is empty."
    cells = [[f"{e.at.astimezone(tz):%Y-%m-%d %H:%M:%S}"] + [shorten(as_dict(e)[c]) for c in TABLE_COLUMNS[1:]]
             for e in rows]
    return format_table(TABLE_COLUMNS, cells)


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

