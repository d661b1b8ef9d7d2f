"""The calendar: a week or a month of deliveries, grouped by the organisation's local day."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..models import CANCELLED, REJECTED, Account, Delivery, Post
from .common import day_start, shown_day

MAX_ROWS = 3000  # a month is never this busy; the cap keeps a runaway month from slowing the page
DAY_SHOWN = 12  # entries listed per day (calendar.html says "and N more" for the rest)


def _start_of(view: str, start: str | None, today: date) -> date:
    """Return the first day shown: the Monday of the week, or the first of the month, within the years shown."""
    try:
        day = date.fromisoformat(start) if start else today
    except ValueError:
        day = today
    day = shown_day(day)
    return day.replace(day=1) if view == "month" else day - timedelta(days=day.weekday())


def _next_month(day: date) -> date:
    """Return the first of the following month."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Entry:
    """One delivery on the calendar."""

    id: int
    due_at: datetime
    name: str
    text: str


def _with_texts(session, by_day: dict[date, list]) -> dict[date, list]:
    """Fetch texts and account names only for the entries a day shows, not for every delivery counted."""
    shown = {row.post_id for rows in by_day.values() for row in rows[:DAY_SHOWN]}
    texts = dict(session.execute(select(Post.id, Post.text).where(Post.id.in_(shown))).all()) if shown else {}
    names = dict(session.execute(select(Account.id, Account.name)).all())
    return {day: [Entry(r.post_id, r.due_at, names.get(r.account_id, ""), texts.get(r.post_id, ""))
                  for r in rows] for day, rows in by_day.items()}


def calendar_view(session, config, view: str, start: str | None) -> dict:
    """Return what the calendar page shows: its days, the entries on each and links to move on."""
    today = day_start(date.today()).astimezone(config.timezone).date()
    first = _start_of(view, start, today)
    end = _next_month(first) if view == "month" else first + timedelta(days=7)
    rows = session.execute(
        select(Delivery.due_at, Delivery.status, Delivery.post_id, Delivery.account_id)
        .where(Delivery.due_at >= day_start(first), Delivery.due_at < day_start(end))
        .order_by(Delivery.due_at, Delivery.id).limit(MAX_ROWS)
    ).all()
    by_day: dict[date, list] = {}
    # Filtered here rather than in SQL, so the database walks the due_at index alone.
    for row in (r for r in rows if r.status not in (CANCELLED, REJECTED)):
        by_day.setdefault(row.due_at.astimezone(config.timezone).date(), []).append(row)
    by_day = _with_texts(session, by_day)
    grid_start = first - timedelta(days=first.weekday())
    days = [grid_start + timedelta(days=n) for n in range((end - grid_start).days)]
    if view == "month":
        days += [days[-1] + timedelta(days=n) for n in range(1, 7 - days[-1].weekday())]
    previous = (first - timedelta(days=1)).replace(day=1) if view == "month" else first - timedelta(days=7)
    return {"view": view, "first": first, "end": end, "days": days, "by_day": by_day, "today": today,
            "previous": previous, "following": end, "weeks": [days[i:i + 7] for i in range(0, len(days), 7)],
            "capped": len(rows) == MAX_ROWS, "day_shown": DAY_SHOWN}
