"""The calendar: a month as a grid of weeks, or a week as seven columns, of deliveries by the organisation's local day."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import String, cast, select

from ..models import CANCELLED, REJECTED, Account, Delivery, Post, utcnow
from .common import day_start, shown_day

MAX_ROWS = 3000  # a month is never this busy; the cap keeps a runaway month from slowing the page
DAY_SHOWN = 12  # entries listed per day in the week (calendar.html says "and N more" for the rest)
MONTH_SHOWN = 4  # entries listed per day in a month's grid cell: the rest are a link to that day's week


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


def _with_texts(session, by_day: dict[date, list], names: dict[int, str]) -> dict[date, list]:
    """Fetch texts only for the entries a day shows, not for every delivery counted."""
    wanted = {row.post_id for rows in by_day.values() for row in rows}
    texts = dict(session.execute(select(Post.id, Post.text).where(Post.id.in_(wanted))).all()) if wanted else {}
    return {day: [Entry(r.post_id, _instant(r.due), names.get(r.account_id, ""), texts.get(r.post_id, ""))
                  for r in rows] for day, rows in by_day.items()}


def _instant(stored: str) -> datetime:
    """Turn a due time read as the database's text (naive UTC) into an aware UTC instant."""
    return datetime.fromisoformat(stored).replace(tzinfo=timezone.utc)


def _utc_text(moment: datetime) -> str:
    """Write an instant as naive UTC text that sorts with the database's own text for its times."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _deliveries(session, config, first: date, end: date, account_id: int | None) -> list:
    """Read the deliveries due in [first, end) in one query (one account's, when filtered), capped at MAX_ROWS."""
    # The time as the database's text: a month's thousands of rows are only counted, so none is parsed but those shown.
    query = (select(cast(Delivery.due_at, String).label("due"), Delivery.status, Delivery.post_id, Delivery.account_id)
             .where(Delivery.due_at >= day_start(first), Delivery.due_at < day_start(end)))
    if account_id is not None:  # the account-and-due index serves this range
        query = query.where(Delivery.account_id == account_id)
    # A plain (Core) result: thousands of rows read only to be counted need no ORM rows.
    return session.connection().execute(query.order_by(Delivery.due_at, Delivery.id).limit(MAX_ROWS)).all()


def _by_day(rows, first: date, end: date, shown: int) -> tuple[dict[date, list], dict[date, int]]:
    """Group the rows that will go out (not cancelled or sent back) by local day: the first `shown`, and the count.

    The rows come in time order, so each day is the span up to the next local midnight (as UTC text).
    """
    days = [first + timedelta(days=n) for n in range((end - first).days)]
    ends = [_utc_text(day_start(day + timedelta(days=1))) for day in days]
    by_day: dict[date, list] = {}
    counts: dict[date, int] = {}
    index = 0
    # Filtered here rather than in SQL, so the database walks the due_at index alone.
    for row in (r for r in rows if r.status not in (CANCELLED, REJECTED)):
        while index < len(days) - 1 and row.due >= ends[index]:
            index += 1
        day = days[index]
        counts[day] = counts.get(day, 0) + 1
        if counts[day] <= shown:
            by_day.setdefault(day, []).append(row)
    return by_day, counts


def _grid(view: str, first: date, end: date) -> list[list[date]]:
    """Return the weeks shown, Monday first: the month's, padded to whole weeks, or the one week."""
    grid_start = first - timedelta(days=first.weekday())
    days = [grid_start + timedelta(days=n) for n in range((end - grid_start).days)]
    if view == "month":
        days += [days[-1] + timedelta(days=n) for n in range(1, 7 - days[-1].weekday())]
    return [days[i:i + 7] for i in range(0, len(days), 7)]


def calendar_view(session, config, view: str, start: str | None, account: str | None = None) -> dict:
    """Return what the calendar page shows: its weeks, the entries on each day, the filter and links to move on."""
    today = utcnow().astimezone(config.timezone).date()  # the organisation's today, not the server's
    first = _start_of(view, start, today)
    end = _next_month(first) if view == "month" else first + timedelta(days=7)
    names = dict(session.execute(select(Account.id, Account.name)).all())
    account_id = next((key for key, name in names.items() if name == account), None)
    rows = _deliveries(session, config, first, end, account_id)
    shown = MONTH_SHOWN if view == "month" else DAY_SHOWN
    weeks = _grid(view, first, end)
    by_day, counts = _by_day(rows, first, end, shown)
    previous = (first - timedelta(days=1)).replace(day=1) if view == "month" else first - timedelta(days=7)
    return {"view": view, "first": first, "end": end, "weeks": weeks, "days": [d for w in weeks for d in w],
            "by_day": _with_texts(session, by_day, names), "counts": counts, "today": today,
            "previous": previous, "following": end, "capped": len(rows) == MAX_ROWS, "day_shown": shown,
            "account": names.get(account_id), "accounts": [a.name for a in config.accounts]}
