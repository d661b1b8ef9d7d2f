"""Read-only pages: what is queued, when the next slots are, and what the log says."""

from datetime import datetime

from flask import Blueprint, current_app, render_template

from .. import logbook
from ..dispatch import next_run_at
from ..models import utcnow
from ..posts import list_posts
from ..slots import slot_instants

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def overview():
    """Show the queue, the next timetable slots and the latest log entries."""
    config = current_app.config["RV_CONFIG"]
    with current_app.config["RV_SESSIONS"]() as session:
        queue = [p for p in list_posts(session) if p["status"] in ("pending", "scheduled", "publishing")][:200]
        entries = logbook.entries_newest(session, 50)
        next_due = next_run_at(session)
    slots = []
    for instant in slot_instants(list(config.slots), config.timezone, utcnow()):
        slots.append(instant.astimezone(config.timezone))
        if len(slots) == 7:
            break
    return render_template("overview.html", config=config, queue=queue, entries=entries, slots=slots,
                           next_due=next_due.astimezone(config.timezone) if next_due else None,
                           local=lambda iso: _local(config, iso))


@blueprint.get("/health")
def health():
    """Answer for monitoring: the app is up and the database answers."""
    with current_app.config["RV_SESSIONS"]() as session:
        next_run_at(session)
    return {"ok": True}


def _local(config, moment) -> str:
    """Format a UTC time (datetime or ISO text) in the organisation's time zone."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment.astimezone(config.timezone).strftime("%a %d %b %Y, %H:%M")
