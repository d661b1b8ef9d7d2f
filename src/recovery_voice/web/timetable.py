"""The timetable page: admins add and remove weekly slots (the config's are used until they do) and blackout days."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import pausing
from .. import timetable as stored
from ..models import utcnow
from ..slots import parse_slot
from .common import config, db, roles, sentence
from .forms import RemoveSlotForm, SlotForm
from .pausing import BlackoutForm, RemoveBlackoutForm

blueprint = Blueprint("timetable", __name__)
BUSY = "someone else changed the timetable at the same moment; please look again and retry"


def _page(form: SlotForm | None = None, status: int = 200, blackout: BlackoutForm | None = None, due=()):
    """Render the timetable with its add forms (and their errors, or the posts due on a day being added)."""
    session = db()
    upcoming = pausing.outside_blackout(session, stored.upcoming(session, config()))
    return render_template("timetable.html", slots=stored.current_slots(session, config()),
                           from_config=not stored.is_stored(session), upcoming=upcoming,
                           form=form or SlotForm(formdata=None), blackout_days=pausing.upcoming_days(session, utcnow()),
                           blackout=blackout or BlackoutForm(formdata=None), due_that_day=due), status


@blueprint.get("/timetable")
@roles("admin")
def timetable():
    """Show the weekly slots, the next times they fall on and the form to add one."""
    return _page()


@blueprint.post("/timetable")
@roles("admin")
def add():
    """Add a weekly slot; a problem shows beside the field it is about."""
    form = SlotForm()
    if form.validate():
        try:
            slot = stored.make_slot(form.weekday.data, form.at.data)
            stored.add_slot(db(), config(), slot, current_user.email)
            db().commit()
        except stored.TimetableProblem as error:
            db().rollback()
            form.at.errors.append(str(error).capitalize() + ".")
        except IntegrityError:
            db().rollback()
            form.at.errors.append(BUSY.capitalize() + ".")
        else:
            flash(f"{slot} is added. New posts can take it from now on.", "success")
            return redirect(url_for("timetable.timetable"))
    return _page(form, 400)


@blueprint.post("/timetable/remove")
@roles("admin")
def remove():
    """Remove a weekly slot; posts already given that time keep it."""
    form = RemoveSlotForm()
    if form.validate():
        try:
            slot = parse_slot(form.slot.data)
            stored.remove_slot(db(), config(), slot, current_user.email)
            db().commit()
        except (ValueError, stored.TimetableProblem) as error:
            db().rollback()
            flash(str(error).capitalize() + ".", "error")
        except IntegrityError:
            db().rollback()
            flash(BUSY.capitalize() + ".", "error")
        else:
            flash(f"{slot} is removed. Posts already given that time still go out then.", "success")
    return redirect(url_for("timetable.timetable"))


# Blackout days ------------------------------------------------------------------------------------------------------

@blueprint.post("/timetable/blackout")
@roles("admin")
def add_blackout():
    """Add a blackout day; when posts are due that day, first say how many and ask whether to move them."""
    form = BlackoutForm()
    if not form.validate():
        return _page(status=400, blackout=form)
    try:
        pausing.check_day(db(), config(), form.day.data, form.reason.data, utcnow())
        due = pausing.due_on_day(db(), config(), form.day.data)
        if due and not form.posts.raw_data:  # asked once, with the numbers, before anything moves
            return _page(blackout=form, due=due)
        moved = pausing.add_day(db(), config(), form.day.data, form.reason.data, current_user.email, utcnow(),
                                move=form.posts.data != "keep")
        db().commit()
    except pausing.PauseProblem as problem:
        db().rollback()
        (form.reason if problem.field == "reason" else form.day).errors.append(sentence(problem))
        return _page(status=400, blackout=form)
    except IntegrityError:  # another admin added the same day at the same moment
        db().rollback()
        form.day.errors.append(f"{form.day.data:%a %d %b %Y} is already a blackout day.")
        return _page(status=400, blackout=form)
    flash(_added_words(form, moved), "success")
    return redirect(url_for("timetable.timetable"))


def _added_words(form: BlackoutForm, moved: int) -> str:
    """Say what adding a blackout day did."""
    said = f"Nothing will go out on {form.day.data:%a %d %b %Y}."
    if not moved:
        return said
    return f"{said} {moved} {'post' if moved == 1 else 'posts'} moved to the next free slots after it."


@blueprint.post("/timetable/blackout/remove")
@roles("admin")
def remove_blackout():
    """Make a blackout day an ordinary day again; posts moved off it stay where they went."""
    form = RemoveBlackoutForm()
    if form.validate():
        try:
            pausing.remove_day(db(), form.day.data, current_user.email, utcnow())
            db().commit()
        except pausing.PauseProblem as problem:
            db().rollback()
            flash(sentence(problem), "error")
        else:
            flash(f"{form.day.data:%a %d %b %Y} is an ordinary day again. Posts moved off it stay at their new "
                  "times.", "success")
    else:
        flash("Choose a blackout day to remove.", "error")
    return redirect(url_for("timetable.timetable"))
