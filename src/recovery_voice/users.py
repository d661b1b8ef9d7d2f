"""People who sign in: creating them, checking their passwords (argon2), inviting them and managing their access."""

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from . import logbook
from .models import Deactivation, Invitation, User, utcnow

ROLES = ("storyteller", "volunteer", "admin")
MIN_PASSWORD = 10
# Checked before hashing, so nobody can make the server hash megabytes; a passphrase of many words still fits.
MAX_PASSWORD = 1000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


class UserProblem(Exception):
    """A user cannot be created or changed as asked; the message says what to fix."""


class WrongPassword(UserProblem):
    """The current password given is not the person's: counted by the sign-in throttle."""


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Check a password against the user's stored hash."""
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _common_passwords() -> frozenset[str]:
    """Load the shipped list of passwords too common to allow (lower case, spaces removed)."""
    text = files(__package__).joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def check_password_strength(password: str) -> None:
    """Refuse passwords too short, too long, too repetitive or too common to be safe."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise UserProblem(f"the password must be at least {MIN_PASSWORD} characters long")
    if len(password) > MAX_PASSWORD:
        raise UserProblem(f"the password must be at most {MAX_PASSWORD:,} characters long")
    if len(set(password)) < 4 or "".join(password.lower().split()) in _common_passwords():
        raise UserProblem("that password is one of the first ones people guess: choose another "
                          "(a few words that mean something only to you make a strong one)")


def end_sessions(user: User) -> None:
    """Sign a person out everywhere: every session cookie made before now stops working."""
    user.session_generation = (user.session_generation or 0) + 1


def create_or_update_user(session: Session, email: str, password: str, role: str) -> User:
    """Create a user, or reset the password and role of an existing one with that email."""
    email = (email or "").strip().lower()
    if not EMAIL.match(email):
        raise UserProblem(f"{email!r} does not look like an email address")
    if role not in ROLES:
        raise UserProblem(f"role must be one of {', '.join(ROLES)}")
    check_password_strength(password)
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, display_name=email.split("@")[0], session_generation=0)
        session.add(user)
    else:
        end_sessions(user)  # a reset password ends the sessions made with the old one
    user.password_hash, user.role = hash_password(password), role
    session.flush()
    # Resetting a password from the command line (`init --admin`) is how a locked-out organisation gets back in.
    session.execute(delete(Deactivation).where(Deactivation.user_id == user.id))
    return user


INVITATION_LIFETIME = timedelta(days=7)


@cache
def _dummy_hash() -> str:
    """A hash checked when the email is unknown, so a wrong email takes as long as a wrong password.

    Made on first use: hashing takes a quarter of a second, which every command would otherwise pay at start.
    """
    return _hasher.hash("not a real password, only for timing")


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the user with this email and password, or None (taking the same time either way)."""
    if len(password or "") > MAX_PASSWORD:
        return None  # no account has such a password, and hashing it would be work for nothing
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        try:
            _hasher.verify(_dummy_hash(), password or "-")
        except (VerificationError, InvalidHashError):
            pass
        return None
    if not verify_password(user, password or ""):
        return None
    return user if is_active(session, user.id) else None


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change a user's password after checking the current one; every other session of theirs ends."""
    if len(current or "") > MAX_PASSWORD or not verify_password(user, current or ""):
        raise WrongPassword("the current password is not right")
    check_password_strength(new)
    user.password_hash = hash_password(new)
    end_sessions(user)
    session.flush()


def _token_hash(token: str) -> str:
    """Hash an invitation token; only the hash is stored, so a database leak opens no invitations."""
    return hashlib.sha256(token.encode()).hexdigest()


def invite(session: Session, email: str, role: str, invited_by: str, now: datetime | None = None
           ) -> tuple[Invitation, str]:
    """Create an invitation and return it with its one-time token (shown once, never stored)."""
    now = now or utcnow()
    email = (email or "").strip().lower()
    if not EMAIL.match(email):
        raise UserProblem("enter an email address like name@example.org")
    if role not in ROLES:
        raise UserProblem(f"role must be one of {', '.join(ROLES)}")
    existing = session.scalar(select(User).where(User.email == email))
    if existing is not None and not is_active(session, existing.id):
        raise UserProblem(f"{email} has an account that is deactivated: reactivate it in the list below")
    if existing is not None:
        raise UserProblem(f"{email} already has an account and can sign in; no invitation is needed")
    if _waiting_invitations(session, email, now):
        raise UserProblem(f"{email} already has an invitation waiting: withdraw it below first "
                          "if you need a new link")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(email=email, role=role, token_hash=_token_hash(token), invited_by=invited_by,
                            created_at=now, expires_at=now + INVITATION_LIFETIME)
    session.add(invitation)
    session.flush()
    return invitation, token


def _waiting_invitations(session: Session, email: str, now: datetime) -> list[Invitation]:
    """Return the invitations for this email that could still be accepted."""
    return list(session.scalars(select(Invitation).where(
        Invitation.email == email, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > now)))


def open_invitation(session: Session, token: str, now: datetime | None = None) -> Invitation:
    """Return the invitation this token opens, or raise UserProblem saying why it cannot be used."""
    now = now or utcnow()
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token or "")))
    if invitation is None or invitation.revoked_at is not None:
        raise UserProblem("this invitation link is not valid; ask the person who invited you for a new one")
    if invitation.used_at is not None:
        raise UserProblem("this invitation has already been used; sign in with your email and password")
    if invitation.expires_at <= now:
        raise UserProblem("this invitation link has expired; ask the person who invited you for a new one")
    if session.scalar(select(User.id).where(User.email == invitation.email)) is not None:
        raise UserProblem(f"there is already an account for {invitation.email}: sign in with its password, "
                          "or ask an admin if you cannot")
    return invitation


def accept_invitation(session: Session, token: str, display_name: str, password: str,
                      now: datetime | None = None) -> User:
    """Create the invited user with their chosen password, use the invitation up and withdraw any others.

    It only ever creates: an invitation never changes an account that exists (its password, role or access).
    """
    now = now or utcnow()
    invitation = open_invitation(session, token, now)
    check_password_strength(password)
    # Claimed with a conditional update, so two people sending the same link at once make one account.
    claimed = session.execute(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
        .values(used_at=now)).rowcount
    if claimed != 1:
        raise UserProblem("this invitation has already been used; sign in with your email and password")
    session.execute(update(Invitation).where(
        Invitation.email == invitation.email, Invitation.id != invitation.id, Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None)).values(revoked_at=now))
    user = User(email=invitation.email, role=invitation.role, password_hash=hash_password(password),
                display_name=(display_name or "").strip()[:200] or invitation.email.split("@")[0],
                session_generation=0)
    session.add(user)
    session.flush()
    return user


def revoke_invitation(session: Session, invitation_id: int, now: datetime | None = None) -> None:
    """Stop an unused invitation from working."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.used_at is not None:
        raise UserProblem("that invitation is not waiting to be used")
    invitation.revoked_at = now or utcnow()


def is_active(session: Session, user_id: int) -> bool:
    """Tell whether a person may sign in (no admin has deactivated them, and their account was not erased)."""
    user = session.get(User, user_id)
    return user is not None and user.erased_at is None and session.get(Deactivation, user_id) is None


def _active_admins(session: Session) -> int:
    """Count the admins who can still sign in (an erased account never counts, whatever its rows say)."""
    return session.scalar(select(func.count(User.id)).where(
        User.role == "admin", User.erased_at.is_(None), User.id.not_in(select(Deactivation.user_id)))) or 0


def _other_person(session: Session, user_id: int, actor: User) -> User:
    """Return the person an admin is changing, refusing the admin themselves."""
    user = session.get(User, user_id)
    if user is None or user.erased_at is not None:  # an erased account is a tombstone: nothing about it changes
        raise UserProblem("that person is not here any more: their account was erased")
    if user.id == actor.id:
        raise UserProblem("you cannot change your own role or access; ask another admin")
    return user


def change_role(session: Session, user_id: int, role: str, actor: User) -> User:
    """Give someone else a new role, keeping at least one admin, and log it."""
    if role not in ROLES:
        raise UserProblem(f"role must be one of {', '.join(ROLES)}")
    user = _other_person(session, user_id, actor)
    if user.role == role:
        raise UserProblem(f"{user.email} is already {_a(role)}")
    before, user.role = user.role, role
    session.flush()
    if _active_admins(session) == 0:
        raise UserProblem("there must always be an admin who can sign in")
    logbook.record(session, "role_changed", actor=actor.email, reason=f"{logbook.user_ref(user.id)}: {before} to {role}")
    return user


def deactivate(session: Session, user_id: int, actor: User, now: datetime | None = None) -> User:
    """Stop someone else signing in (their open sessions end at their next page), and log it."""
    user = _other_person(session, user_id, actor)
    if not is_active(session, user.id):
        raise UserProblem(f"{user.email} is already deactivated")
    session.add(Deactivation(user_id=user.id, deactivated_by=actor.email, deactivated_at=now or utcnow()))
    end_sessions(user)
    session.flush()
    if _active_admins(session) == 0:
        raise UserProblem("there must always be an admin who can sign in")
    # The person is named by id: the log is kept forever and they may be a storyteller.
    logbook.record(session, "user_deactivated", actor=actor.email, reason=logbook.user_ref(user.id))
    return user


def reactivate(session: Session, user_id: int, actor: User) -> User:
    """Let a deactivated person sign in again, and log it."""
    user = _other_person(session, user_id, actor)
    if is_active(session, user.id):
        raise UserProblem(f"{user.email} can already sign in")
    session.execute(delete(Deactivation).where(Deactivation.user_id == user.id))
    logbook.record(session, "user_reactivated", actor=actor.email, reason=logbook.user_ref(user.id))
    return user


def deactivated_ids(session: Session) -> set[int]:
    """Return the ids of everyone who cannot sign in."""
    return set(session.scalars(select(Deactivation.user_id)))


def _a(role: str) -> str:
    """Put the right article before a role."""
    return ("an " if role[0] in "aeiou" else "a ") + role
