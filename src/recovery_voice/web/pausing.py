"""Pausing all publishing and resuming it, and the banner everyone sees while it is paused.

The rules are pausing.py's; this module only chooses the web's words.
"""

from flask import Blueprint, flash, g, has_request_context, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from .. import pausing
from ..models import utcnow
from .common import config, db, roles, sentence, wake_worker
from .forms import options

blueprint = Blueprint("pausing", __name__)


class PauseForm(FlaskForm):
    reason = TextAreaField("Why are you pausing publishing?", description="Everyone with admin access sees this. "
                           "At most 500 characters.",
                           validators=[InputRequired("Say why publishing is paused, so the other admins know"),
                                       Length(max=pausing.MAX_REASON, message="Keep the reason to 500 characters "
                                                                              "or fewer")])


class ResumeForm(FlaskForm):
    # The default moves what waited, so nothing goes out all at once unless an admin chooses it.
    then = RadioField("What should happen to the posts that waited?", default="move",
                      choices=options((("move", "Move them to the next free slots in the timetable"),
                                       ("now", "Send them now"))),
                      validators=[InputRequired("Choose what happens to the posts that waited")])


class BlackoutForm(FlaskForm):
    day = DateField("Date", validators=[InputRequired("Choose a date, like 24/12/2026")])
    reason = StringField("Reason (optional)", description="Shown on this page. At most 300 characters.",
                         validators=[Optional(), Length(max=pausing.MAX_DAY_REASON,
                                                        message="Keep the reason to 300 characters or fewer")])
    # Asked only when posts are due that day, after the first try says how many.
    posts = RadioField("What should happen to the posts due that day?", default="move",
                       choices=options((("move", "Move them to the next free slots after that day"),
                                        ("keep", "Leave them at their times: they will not go out that day, and "
                                                 "will show as missed afterwards"))),
                       validators=[Optional()])


class RemoveBlackoutForm(FlaskForm):
    day = DateField("Day", validators=[InputRequired()])


@blueprint.app_context_processor
def _banner() -> dict:
    """The pause in force, for the banner at the top of every page (nothing on a failure page)."""
    if not has_request_context() or g.get("rv_failure_page") or not current_user.is_authenticated:
        return {"publishing_pause": None}
    if request.endpoint == "pausing.resume_page":  # that page says it all in full
        return {"publishing_pause": None}
    current = pausing.in_force(db())
    if current is None:
        return {"publishing_pause": None}
    if current_user.role != "admin":  # the reason may name someone who died: admins see it, others the fact
        return {"publishing_pause": {"admin": False}}
    return {"publishing_pause": {"admin": True, "by": pausing.paused_by(db(), current), "at": current.started_at,
                                 "reason": current.reason}}


@blueprint.get("/pause")
@roles("admin")
def pause_page():
    """The page to pause all publishing with a reason; while paused, the resume page instead."""
    if pausing.in_force(db()) is not None:
        return redirect(url_for("pausing.resume_page"))
    return render_template("pause.html", form=PauseForm(formdata=None))


@blueprint.post("/pause")
@roles("admin")
def pause():
    """Pause all publishing now; a missing or long reason is said beside its box, the words kept."""
    form = PauseForm()
    if form.validate():
        try:
            pausing.pause(db(), form.reason.data, current_user.email, utcnow())
            db().commit()
        except pausing.PauseProblem as problem:
            db().rollback()
            if problem.kind == "already":
                flash("Publishing was already paused by someone else.", "error")
                return redirect(url_for("pausing.resume_page"))
            form.reason.errors.append(sentence(problem))
        else:
            flash("Publishing is paused. Nothing more will go out until you resume it.", "success")
            return redirect(url_for("pausing.resume_page"))
    return render_template("pause.html", form=form), 400


@blueprint.get("/resume")
@roles("admin")
def resume_page():
    """While paused: who paused, when and why, what waited (per account), and the choice of how to resume."""
    current = pausing.in_force(db())
    if current is None:
        return redirect(url_for("pausing.pause_page"))
    return _resume_page(current, ResumeForm(formdata=None))


def _resume_page(current, form: ResumeForm, status: int = 200):
    """Render the resume page."""
    return render_template("resume.html", current=current, by=pausing.paused_by(db(), current), form=form,
                           held=pausing.held(db(), utcnow())), status


@blueprint.post("/resume")
@roles("admin")
def resume():
    """Resume publishing, moving what waited to the next free slots (or sending it now), in one step."""
    form = ResumeForm()
    current = pausing.in_force(db())
    if current is None:
        flash("Publishing is already on: someone else resumed it.", "success")
        return redirect(url_for("pausing.pause_page"))
    if not form.validate():
        return _resume_page(current, form, 400)
    moved = pausing.resume(db(), config(), current_user.email, utcnow(), send_now=form.then.data == "now")
    db().commit()
    wake_worker()
    flash(_resumed_words(moved, form.then.data == "now"), "success")
    return redirect(url_for("pausing.pause_page"))


def _resumed_words(moved: int, now: bool) -> str:
    """Say what resuming did."""
    if not moved:
        return "Publishing has resumed. Nothing was waiting."
    what = "1 post that waited" if moved == 1 else f"{moved} posts that waited"
    done = ("goes out now" if moved == 1 else "go out now") if now else "moved to the next free slots"
    return f"Publishing has resumed. {what} {done}."
