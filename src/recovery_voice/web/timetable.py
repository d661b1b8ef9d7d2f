"""The timetable page: admins add and remove weekly slots; the config's slots are used until they do."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import timetable as stored
from ..slots import parse_slot
from .common import config, db, roles
from .forms import RemoveSlotForm, SlotForm

blueprint = Blueprint("timetable", __name__)
BUSY = "someone else changed the timetable at the same moment; please look again and retry"


def _page(form: SlotForm | None = None, status: int = 200):
    """Render the timetable with its add form (and that form's errors, if any)."""
    session = db()
    return render_template("timetable.html", slots=stored.current_slots(session, config()),
                           from_config=not stored.is_stored(session), upcoming=stored.upcoming(session, config()),
                           form=form or SlotForm(formdata=None)), status


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
