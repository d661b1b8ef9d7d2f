"""Your data: download everything held about you, or erase your account (every signed-in person, any role)."""

import logging

from flask import Blueprint, Response, current_app, redirect, render_template, request, session as cookie, url_for
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import InputRequired, Length

from .. import data_export, erasure
from ..models import User, utcnow
from ..users import MAX_PASSWORD, ROLES, verify_password
from .auth import PAUSED, _throttle_keys
from .common import config, db, roles, sentence

blueprint = Blueprint("data_rights", __name__)
log = logging.getLogger(__name__)
WRONG_PASSWORD = "That is not your password. Type the password you sign in with."


class DownloadForm(FlaskForm):
    """The download button: a POST with its CSRF token, since what comes back is personal data."""


class EraseForm(FlaskForm):
    password = PasswordField("Your password, to confirm it is you", validators=[
        InputRequired("Type your password to confirm it is you"),
        Length(max=MAX_PASSWORD, message=WRONG_PASSWORD)])


@blueprint.get("/account/data")
@roles(*ROLES)
def data():
    """Say what we hold about the signed-in person, with the download and the way to erase it."""
    return render_template("data/index.html", form=DownloadForm())


@blueprint.post("/account/data")
@roles(*ROLES)
def download():
    """Answer with the person's archive as a zip download (or say plainly why it cannot be made here)."""
    form = DownloadForm()
    if not form.validate_on_submit():
        return render_template("data/index.html", form=form), 400
    session, now = db(), utcnow()
    try:
        archive = data_export.archive_bytes(session, config(), session.get(User, current_user.id), now)
    except data_export.ExportTooLarge as problem:
        return render_template("data/index.html", form=form, problem=sentence(problem)), 413
    name = f"my-data-{now:%Y-%m-%d}.zip"
    return Response(archive, mimetype="application/zip", headers={
        "Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"})


@blueprint.route("/account/erase", methods=["GET", "POST"])
@roles(*ROLES)
def erase():
    """Ask the person to confirm with their password, then erase their account and sign them out."""
    session = db()
    user = session.get(User, current_user.id)
    form, refusal = EraseForm(), erasure.refusal(session, user)
    if refusal is None and form.validate_on_submit():
        answer = _erase_if_confirmed(session, user, form)
        if answer is not None:
            return answer
    status = 429 if PAUSED in form.password.errors else 400 if request.method == "POST" and not refusal else 200
    return render_template("data/erase.html", form=form, refusal=sentence(refusal) if refusal else None,
                           outcome=erasure.outcome(session, user), role=user.role), status


def _erase_if_confirmed(session, user: User, form: EraseForm):
    """Erase the account when the password is right (counted like a sign-in); None to show the form again."""
    throttle, keys = current_app.config["RV_THROTTLE"], _throttle_keys(user.email)
    if throttle.blocked(session, *keys):
        form.password.errors.append(PAUSED)
        return None
    if not verify_password(user, form.password.data or ""):
        throttle.failed(session, *keys)
        session.commit()
        form.password.errors.append(WRONG_PASSWORD)
        return None
    erasure.erase_account(session, config(), user)
    session.commit()
    log.info("an account was erased at its owner's request (%s)", f"user {user.id}")
    logout_user()
    cookie.clear()
    return redirect(url_for("data_rights.erased"))


@blueprint.get("/account/erased")
def erased():
    """Tell someone whose account was just erased that it is done (they are signed out by now)."""
    return render_template("data/erased.html")
