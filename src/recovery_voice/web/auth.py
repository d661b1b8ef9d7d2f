"""Signing in and out, changing a password, and accepting an invitation."""

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session as cookie, url_for
from flask_login import current_user, login_required, login_user, logout_user
from ..models import User
from ..users import (
    UserProblem,
    WrongPassword,
    accept_invitation,
    authenticate,
    change_password,
    end_sessions,
    is_active,
    open_invitation,
)
from .common import db, sentence
from .forms import AcceptInviteForm, LoginForm, PasswordForm
from .throttle import ADDRESS_PREFIX

blueprint = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


@dataclass
class SignedIn:
    """The signed-in person as Flask-Login sees them, detached from any database session."""

    id: int
    email: str
    role: str
    display_name: str
    generation: int
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        """Store the person's session generation in the session, so bumping it ends every copy of the cookie."""
        return f"{self.id}:{self.generation}"


def _signed_in(user: User) -> SignedIn:
    """Wrap a user row for Flask-Login."""
    return SignedIn(user.id, user.email, user.role, user.display_name, user.session_generation or 0)


def load_user(session_id: str):
    """Load the person a session names, if they have not signed out, been deactivated or changed password since."""
    user_id, _, generation = (session_id or "").partition(":")
    if not user_id.isdigit() or not generation.isdigit():
        return None
    user = db().get(User, int(user_id))
    if user is None or (user.session_generation or 0) != int(generation) or not is_active(db(), user.id):
        return None  # each of those bumps the generation, ending every session at its next request
    return _signed_in(user)


PAUSED = "Too many tries. For your safety, please wait 15 minutes before trying again."


def _throttle_keys(email: str) -> tuple[str, str]:
    """Name what failures count against: the email, and the client's address (the proxy's, told by waitress).

    The throttle gives the address a much higher limit than the email, so one person's mistakes pause only them.
    """
    return f"email:{(email or '').strip().lower()}", f"{ADDRESS_PREFIX}{request.remote_addr or '-'}"


def _start_session(user: User) -> None:
    """Sign someone in on a fresh session: nothing from before (a planted cookie, an old CSRF token) carries over."""
    cookie.clear()
    login_user(_signed_in(user))


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password; repeated failures pause sign-in for that email, many for that address."""
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = LoginForm()
    problem = None
    if form.validate_on_submit():
        throttle, session = current_app.config["RV_THROTTLE"], db()
        keys = _throttle_keys(form.email.data)
        if throttle.blocked(session, *keys):
            log.warning("sign-in paused after repeated failures from %s", request.remote_addr)
            return render_template("login.html", form=form, problem=PAUSED), 429
        user = authenticate(session, form.email.data, form.password.data)
        if user is None:
            throttle.failed(session, *keys)
            session.commit()
            problem = "That email and password do not match. Please try again."
        else:
            throttle.succeeded(session, keys[0])
            session.commit()
            _start_session(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("pages.home"))
    return render_template("login.html", form=form, problem=problem)


def _safe_next(target: str | None) -> str | None:
    """Follow a ?next= only to a path on this site: browsers read `//`, `\\` and tabs as another site's address."""
    if not target or not target.startswith("/") or "\\" in target:
        return None
    if any(char.isspace() or not char.isprintable() for char in target):
        return None  # a tab or newline is dropped by browsers (`/\t/evil.org`) and breaks the Location header
    parts = urlsplit(target)
    if target.startswith("//") or parts.scheme or parts.netloc:
        return None
    return target


@blueprint.post("/logout")
@login_required
def logout():
    """Sign out everywhere: a copy of this session's cookie stops working too."""
    session = db()
    user = session.get(User, current_user.id)
    if user is not None:
        end_sessions(user)
        session.commit()
    logout_user()
    cookie.clear()
    flash("You have signed out. See you soon.", "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change your own password."""
    form = PasswordForm()
    if form.validate_on_submit():
        throttle, session = current_app.config["RV_THROTTLE"], db()
        user = session.get(User, current_user.id)
        keys = _throttle_keys(user.email)
        # The same count as signing in: a stolen session must not become a free way to guess the password.
        if throttle.blocked(session, *keys):
            form.current.errors.append(PAUSED)
            return render_template("password.html", form=form), 429
        try:
            change_password(session, user, form.current.data, form.new.data)
        except WrongPassword as error:
            throttle.failed(session, *keys)
            session.commit()
            form.current.errors.append(sentence(error))
        except UserProblem as error:
            form.new.errors.append(sentence(error))
        else:
            session.commit()
            login_user(_signed_in(user))  # stay signed in here, on the new generation; other sessions end
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
        return render_template("error.html", title="This link cannot be used", detail=sentence(error)), 410
    form = AcceptInviteForm()
    if form.validate_on_submit():
        try:
            user = accept_invitation(session, token, form.display_name.data, form.password.data)
        except UserProblem as error:
            form.password.errors.append(sentence(error))
        else:
            session.commit()
            _start_session(user)
            flash(f"Welcome, {user.display_name}. You are signed in.", "success")
            return redirect(url_for("pages.home"))
    return render_template("invite.html", form=form, invite=invite)

