"""What every page needs: the request's database session, role checks and time formatting."""

from datetime import date, datetime, time
from functools import wraps

from flask import abort, current_app, g
from flask_login import current_user

from ..worker import nudge


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


def local(moment) -> str:
    """Format a UTC time (datetime or ISO text) in the organisation's time zone, for people."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment.astimezone(config().timezone).strftime("%a %d %b %Y, %H:%M")


def local_input(moment: datetime | None) -> str:
    """Format a UTC time for a datetime-local input, in the organisation's time zone."""
    return moment.astimezone(config().timezone).strftime("%Y-%m-%dT%H:%M") if moment else ""


def from_local(value: datetime | None) -> datetime | None:
    """Turn a naive local time from a form into an aware one in the organisation's time zone."""
    if value is None:
        return None
    return value.replace(tzinfo=config().timezone)


def day_start(day: date) -> datetime:
    """Return the aware instant a local day starts."""
    return datetime.combine(day, time(), config().timezone)
