"""Admin pages about people: who can sign in, their roles, deactivating and reactivating them, and invitations."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import emails, safeguarding
from ..models import Invitation, User, utcnow
from ..users import UserProblem, change_role, deactivate, deactivated_ids, invite, reactivate, revoke_invitation
from .common import db, roles, sentence, wake_worker
from .forms import ActionForm, InviteForm, RoleForm

blueprint = Blueprint("people", __name__)


def _role_form(user: User, bound: RoleForm | None = None) -> RoleForm:
    """Return a row's role form: the one just sent (with its errors) or a fresh one showing the current role."""
    if bound is not None:
        return bound
    form = RoleForm(prefix=f"u{user.id}", formdata=None)
    form.role.data = user.role
    return form


def _page(form: InviteForm | None = None, link: str | None = None, bound: dict | None = None, status: int = 200):
    """Render the people page; `bound` holds a row's sent form so its errors show beside its field."""
    session = db()
    # An erased account is only a tombstone keeping its id for the log: nobody to show, nothing to change.
    people = list(session.scalars(select(User).where(User.erased_at.is_(None)).order_by(User.role, User.email)))
    off = deactivated_ids(session)
    rows = [(p, p.id not in off, _role_form(p, (bound or {}).get(p.id))) for p in people]
    invitations = list(session.scalars(select(Invitation).order_by(Invitation.id.desc()).limit(100)))
    return render_template("users.html", rows=rows, invitations=invitations, form=form or InviteForm(),
                           action=ActionForm(), now=utcnow(), link=link,
                           has_lead=bool(safeguarding.leads(session))), status


@blueprint.get("/users")
@roles("admin")
def users():
    """List the people who can sign in and the invitations waiting."""
    return _page()


@blueprint.post("/users/invite")
@roles("admin")
def invite_user():
    """Invite someone by email and role; the one-time link is shown once, here."""
    form = InviteForm()
    link = None
    if form.validate():
        try:
            invitation, token = invite(db(), form.email.data, form.role.data, current_user.email)
        except UserProblem as error:
            form.email.errors.append(sentence(error))
        else:
            emails.invitation(db(), invitation, token, current_user.display_name or "An admin")
            db().commit()
            wake_worker()  # under `serve`, the email goes at once
            link = url_for("auth.invitation", token=token, _external=True)
            flash(f"Invitation made for {invitation.email}, and emailed to them. The link below is the same, if "
                  "you would rather send it yourself: it works once, for 7 days.", "success")
    return _page(form, link)


@blueprint.post("/invitations/<int:invitation_id>/revoke")
@roles("admin")
def revoke(invitation_id: int):
    """Stop an unused invitation from working."""
    try:
        revoke_invitation(db(), invitation_id)
    except UserProblem as error:
        flash(sentence(error), "error")
    else:
        db().commit()
        flash("The invitation no longer works.", "success")
    return redirect(url_for("people.users"))


def _me() -> User:
    """Return the signed-in admin's own row."""
    return db().get(User, current_user.id)


@blueprint.post("/users/<int:user_id>/role")
@roles("admin")
def set_role(user_id: int):
    """Give someone a new role; a problem shows beside that person's role field."""
    db().get(User, user_id) or abort(404)
    form = RoleForm(prefix=f"u{user_id}")
    if form.validate():
        try:
            user = change_role(db(), user_id, form.role.data, _me())
            safeguarding.role_changed(db(), user, _me())  # only admins are leads: the mark goes with the role
        except UserProblem as error:
            db().rollback()
            if user_id == current_user.id:  # your own row has no role field to show the message beside
                flash(sentence(error), "error")
                return redirect(url_for("people.users"))
            form.role.errors.append(sentence(error))
        else:
            db().commit()
            flash(f"{user.email} is now {form.role.data}. It applies from their next page.", "success")
            return redirect(url_for("people.users"))
    return _page(bound={user_id: form}, status=400)


def _access(user_id: int, change, done: str):
    """Switch someone's access off or on, flash what happened and go back to the people page."""
    if ActionForm().validate_on_submit():
        try:
            user = change(db(), user_id, _me())
        except UserProblem as error:
            db().rollback()
            flash(sentence(error), "error")
        else:
            db().commit()
            flash(done.format(email=user.email), "success")
    return redirect(url_for("people.users"))


@blueprint.post("/users/<int:user_id>/deactivate")
@roles("admin")
def deactivate_user(user_id: int):
    """Stop someone signing in; their open sessions end at their next page."""
    return _access(user_id, deactivate, "{email} can no longer sign in, and has been signed out everywhere.")


@blueprint.post("/users/<int:user_id>/reactivate")
@roles("admin")
def reactivate_user(user_id: int):
    """Let a deactivated person sign in again."""
    return _access(user_id, reactivate, "{email} can sign in again with their old password.")


@blueprint.post("/users/<int:user_id>/safeguarding")
@roles("admin")
def set_safeguarding(user_id: int):
    """Mark an admin as a safeguarding lead (told at once when a storyteller may be at risk), or unmark them."""
    lead = request.form.get("lead") == "yes"
    if ActionForm().validate_on_submit():
        try:
            user = safeguarding.set_lead(db(), user_id, lead, _me())
        except safeguarding.SafeguardingProblem as error:
            db().rollback()
            flash(sentence(error), "error")
        else:
            db().commit()
            flash(f"{user.email} is now a safeguarding lead: they are emailed at once when a story suggests its "
                  "storyteller may be at risk." if lead else f"{user.email} is no longer a safeguarding lead.",
                  "success")
    return redirect(url_for("people.users"))
