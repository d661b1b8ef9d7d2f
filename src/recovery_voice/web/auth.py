"""Signing in and out, changing a password, and accepting an invitation."""

import logging
from dataclasses import dataclass

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from ..models import User
from ..users import UserProblem, accept_invitation, authenticate, change_password, is_active, open_invitation
from .common import db
from .forms import AcceptInviteForm, LoginForm, PasswordForm

blueprint = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


@dataclass
class SignedIn:
    """The signed-in person as Flask-Login sees them, detached from any database session."""

    id: int
    email: str
    role: str
    display_name: str
    fingerprint: str
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        """Tie the session to the password, so changing it signs out every other session."""
        return f"{self.id}:{self.fingerprint}"


def _signed_in(user: User) -> SignedIn:
    """Wrap a user row for Flask-Login."""
    return SignedIn(user.id, user.email, user.role, user.display_name, user.password_hash[-16:])


def load_user(session_id: str):
    """Load the person a session names, if their password has not changed since."""
    user_id, _, fingerprint = (session_id or "").partition(":")
    if not user_id.isdigit():
        return None
    user = db().get(User, int(user_id))
    if user is None or user.password_hash[-16:] != fingerprint or not is_active(db(), user.id):
        return None  # a changed password or a deactivation ends every session at its next request
    return _signed_in(user)


def _client() -> str:
    """Name the client address for throttling."""
    return f"ip:{request.remote_addr or '-'}"


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password; repeated failures pause sign-in for that email and address."""
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = LoginForm()
    problem = None
    if form.validate_on_submit():
        throttle, session = current_app.config["RV_THROTTLE"], db()
        keys = (f"email:{form.email.data.strip().lower()}", _client())
        if throttle.blocked(session, *keys):
            log.warning("sign-in paused after repeated failures from %s", request.remote_addr)
            problem = "Too many tries. For your safety, please wait 15 minutes before trying again."
            return render_template("login.html", form=form, problem=problem), 429
        user = authenticate(session, form.email.data, form.password.data)
        if user is None:
            throttle.failed(session, *keys)
            session.commit()
            problem = "That email and password do not match. Please try again."
        else:
            throttle.succeeded(session, *keys)
            session.commit()
            login_user(_signed_in(user))
            return redirect(_safe_next(request.args.get("next")) or url_for("pages.home"))
    return render_template("login.html", form=form, problem=problem)


def _safe_next(target: str | None) -> str | None:
    """Follow a ?next= only to a path on this site, never to another one."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@blueprint.post("/logout")
@login_required
def logout():
    """Sign out."""
    logout_user()
    flash("You have signed out. See you soon.", "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change your own password."""
    form = PasswordForm()
    if form.validate_on_submit():
        session = db()
        user = session.get(User, current_user.id)
        try:
            change_password(session, user, form.current.data, form.new.data)
        except UserProblem as error:
            form.current.errors.append(str(error).capitalize())
        else:
            session.commit()
            login_user(_signed_in(user))  # stay signed in here; other sessions end
            flash("Your password is changed.", "success")
            return redirect(url_for("pages.home"))
    return render_template("password.html", form=form)


@blueprint.route("/invite/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Let an invited person choose their name and password through their one-time link."""
    session = db()
    try:
        invite = open_invitation(session, token)
    except UserProblem as error:
        return render_template("error.html", title="This link cannot be used", detail=str(error).capitalize()), 410
    form = AcceptInviteForm()
    if form.validate_on_submit():
        try:
            user = accept_invitation(session, token, form.display_name.data, form.password.data)
        except UserProblem as error:
            form.password.errors.append(str(error).capitalize())
        else:
            session.commit()
            login_user(_signed_in(user))
            flash(f"Welcome, {user.display_name}. You are signed in.", "success")
            return redirect(url_for("pages.home"))
    return render_template("invite.html", form=form, invite=invite)

