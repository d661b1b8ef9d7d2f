"""Pages about email: "Forgot your password?", the reset link's page, and each person's email settings."""

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, TimeField
from wtforms.validators import EqualTo, InputRequired, Length, Optional

from .. import emails, resets
from ..models import EMAIL_DIGEST, EMAIL_EACH, EMAIL_OFF
from ..users import MAX_PASSWORD, MIN_PASSWORD, UserProblem
from .common import db, sentence, wake_worker
from .forms import options

blueprint = Blueprint("email_pages", __name__)
log = logging.getLogger(__name__)
PAUSED = "Too many password reset requests. For your safety, please wait 15 minutes before asking again."
DELIVERY_WORDS = {
    EMAIL_EACH: "One email for each thing that needs me or concerns me",
    EMAIL_DIGEST: "One summary email a day (from 8:00), with everything since the last one",
    EMAIL_OFF: "No emails, except invitations and password resets",
}
# The use case's field names -> this form's fields, so its message shows beside the right one.
SETTINGS_FIELDS = {"delivery": "delivery", "quiet_start": "quiet_start", "quiet_end": "quiet_end"}


class ForgotForm(FlaskForm):
    email = EmailField("Email address", validators=[InputRequired("Enter the email address you sign in with"),
                                                    Length(max=320, message="That is too long for an email address")])


class ResetForm(FlaskForm):
    new = PasswordField(f"New password (at least {MIN_PASSWORD} characters)", validators=[
        InputRequired("Choose a new password"),
        Length(min=MIN_PASSWORD, max=MAX_PASSWORD, message=f"Use at least {MIN_PASSWORD} characters")])
    confirm = PasswordField("New password again", validators=[EqualTo("new", "The two new passwords are not the same")])


class EmailSettingsForm(FlaskForm):
    delivery = RadioField("Which emails do you want?", choices=options(DELIVERY_WORDS.items()),
                          validators=[InputRequired("Choose which emails you want")])
    quiet_start = TimeField("Quiet from", validators=[Optional()])
    quiet_end = TimeField("Quiet until", validators=[Optional()])


def _reset_keys(address: str) -> tuple[str, str]:
    """What reset requests count against: the address asked about, and the client asking (an "ip:" key)."""
    return f"reset-email:{(address or '').strip().lower()}", f"ip:reset:{request.remote_addr or '-'}"


@blueprint.route("/forgot", methods=["GET", "POST"])
def forgot():
    """Ask for a password reset link; the answer is the same whether or not the address has an account."""
    form = ForgotForm()
    if not form.validate_on_submit():
        return render_template("email/forgot.html", form=form), 400 if form.errors else 200
    throttle, session = current_app.config["RV_THROTTLE"], db()
    email_key, client_key = _reset_keys(form.email.data)
    if throttle.blocked(session, client_key):
        log.warning("password reset requests paused for one client after too many")
        return render_template("email/forgot.html", form=form, problem=PAUSED), 429
    if not throttle.blocked(session, email_key):  # past its limit an address silently gets no more emails
        resets.request_reset(session, form.email.data)
    throttle.failed(session, email_key, client_key)  # every request counts, so the limit holds for everyone
    session.commit()
    wake_worker()  # under `serve`, the email goes at once rather than at the worker's next check
    return render_template("email/forgot_sent.html", address=form.email.data.strip())


@blueprint.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Choose a new password through a one-time link; sessions made before it end."""
    session = db()
    try:
        resets.open_reset(session, token)
    except UserProblem as error:
        return render_template("error.html", title="This link cannot be used", detail=sentence(error)), 410
    form = ResetForm()
    if form.validate_on_submit():
        try:
            resets.use_reset(session, token, form.new.data)
        except UserProblem as error:
            session.rollback()
            form.new.errors.append(sentence(error))
        else:
            session.commit()
            flash("Your password is changed. Sign in with it now.", "success")
            return redirect(url_for("auth.login"))
    return render_template("email/reset.html", form=form), 400 if form.errors else 200


@blueprint.route("/account/email", methods=["GET", "POST"])
@login_required
def settings():
    """Choose one email per event, a daily summary or none, and quiet hours."""
    session = db()
    form = EmailSettingsForm()
    if request.method == "GET":
        _fill(form, emails.choices(session, current_user.id))
    elif form.validate_on_submit():
        wanted = emails.Choices(form.delivery.data, form.quiet_start.data, form.quiet_end.data)
        try:
            emails.save_choices(session, current_user.id, wanted)
        except emails.EmailSettingsProblem as error:
            session.rollback()
            getattr(form, SETTINGS_FIELDS[error.field]).errors.append(sentence(error))
        else:
            session.commit()
            flash("Your email settings are saved.", "success")
            return redirect(url_for("email_pages.settings"))
    return render_template("email/settings.html", form=form), 400 if form.errors else 200


def _fill(form: EmailSettingsForm, current: emails.Choices) -> None:
    """Show the person's current choices in the form."""
    form.delivery.data = current.delivery
    form.quiet_start.data, form.quiet_end.data = current.quiet_start, current.quiet_end
