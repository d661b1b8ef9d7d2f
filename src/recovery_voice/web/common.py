"""What every page needs: the request's database session, role checks, page numbers and time formatting."""

from datetime import date, datetime, time
from functools import wraps

from flask import abort, current_app, g, request
from flask_login import current_user

from ..posts import LATEST_YEAR, PostProblem
from ..slots import typed_local_to_utc
from ..timer import nudge

MAX_PAGE = 10_000  # a limit before work: OFFSET reads every row it skips
# Days a page can be asked about: no post is due outside them, and days near the years 1 and 9999
# overflow when turned into instants.
EARLIEST_DAY, LATEST_DAY = date(1970, 1, 1), date(LATEST_YEAR - 1, 12, 31)


def config():
    """Return the organisation's config."""
    return current_app.config["RV_CONFIG"]


def db():
    """Return this request's database session, opened on first use and closed when the request ends."""
    if "db" not in g:
        g.db = current_app.config["RV_SESSIONS"]()
    return g.db


def roles(*allowed: str):
    """Let only signed-in people with one of these roles through; others sign in or get 403."""
    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)
        return checked
    return decorate


STAFF = ("volunteer", "admin")  # an admin can do all a volunteer can


def wake_worker() -> None:
    """Wake the in-process worker so a post approved for now goes out without waiting."""
    scheduler = current_app.config.get("RV_SCHEDULER")
    if scheduler is not None:
        nudge(scheduler)


def page_number(last: int = MAX_PAGE) -> int:
    """Read ?page= as a whole number from 1 to `last`: anything else is the first page, one past the end the last."""
    text = request.args.get("page", "")
    if not (text.isascii() and text.isdigit()):
        return 1
    return last if len(text) > len(str(last)) else min(max(int(text), 1), last)


def sentence(error: Exception) -> str:
    """Turn an error's message into a sentence for a page, keeping the case of names like "Europe/London".

    A message that starts with an email address keeps it as typed: "Val@example.org" reads as a different address.
    """
    text = str(error)
    first = text.split(" ", 1)[0]
    return (text if "@" in first else text[:1].upper() + text[1:]) + ("" if text.endswith(".") else ".")


def local(moment, time_only: bool = False) -> str:
    """Format a UTC time (datetime or ISO text) in the organisation's time zone, always with the zone, for people.

    "Fri 5 Dec 2025, 09:30 GMT"; the zone also says which of the autumn change's two 01:30s is meant.
    The pages' `local` filter and global: one way of showing a time everywhere. time_only gives "09:30 GMT".
    """
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    here = moment.astimezone(config().timezone)
    clock = here.strftime("%H:%M %Z")
    return clock if time_only else f"{here:%a} {here.day} {here:%b %Y}, {clock}"


def local_input(moment: datetime | None) -> str:
    """Format a UTC time for a datetime-local input, in the organisation's time zone."""
    return moment.astimezone(config().timezone).strftime("%Y-%m-%dT%H:%M") if moment else ""


def from_local(value: datetime | None) -> datetime | None:
    """Turn a naive local time typed in a form into UTC, the way slots.typed_local_to_utc says (PostProblem if none)."""
    if value is None:
        return None
    try:
        return typed_local_to_utc(value, config().timezone)
    except ValueError as error:
        raise PostProblem(str(error)) from None


def shown_day(day: date) -> date:
    """Return the day, or the nearest one a page can show when it is outside EARLIEST_DAY..LATEST_DAY."""
    return min(max(day, EARLIEST_DAY), LATEST_DAY)


def day_start(day: date) -> datetime:
    """Return the aware instant a local day starts."""
    return datetime.combine(day, time(), config().timezone)
