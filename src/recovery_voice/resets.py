"""Password reset by email: a one-time link that expires, with only a hash of its token kept.

Asking gives the same answer whether or not the address belongs to someone (the web door says so);
for an address that does, the email is queued in the same transaction as the reset it carries.
"""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import emails
from .models import PasswordReset, User, utcnow
from .users import UserProblem, _token_hash, check_password_strength, end_sessions, hash_password, is_active

RESET_LIFETIME = timedelta(hours=1)


def request_reset(session: Session, address: str, now: datetime | None = None) -> bool:
    """Make a reset link for the active person with this address and queue its email; False when there is none.

    A new link ends any earlier one of theirs still unused, so only the latest email works.
    """
    now = now or utcnow()
    user = session.scalar(select(User).where(User.email == (address or "").strip().lower()))
    if user is None or not is_active(session, user.id):
        return False
    _end_open_resets(session, user.id, now)
    token = secrets.token_urlsafe(32)
    session.add(PasswordReset(user_id=user.id, token_hash=_token_hash(token), created_at=now,
                              expires_at=now + RESET_LIFETIME))
    emails.queue(session, "password_reset", {"path": f"/reset/{token}", "expires": (now + RESET_LIFETIME).isoformat()},
                 user=user, now=now)
    return True


def _end_open_resets(session: Session, user_id: int, now: datetime) -> None:
    """Mark a person's unused reset links used, so none of them works any more."""
    session.execute(update(PasswordReset).where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
                    .values(used_at=now))


def open_reset(session: Session, token: str, now: datetime | None = None) -> PasswordReset:
    """Return the reset this token opens, or raise UserProblem saying why the link cannot be used."""
    now = now or utcnow()
    reset = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token or "")))
    if reset is None:
        raise UserProblem("this password reset link is not right: ask for a new one from the sign-in page")
    if reset.used_at is not None:
        raise UserProblem("this password reset link has been used already, or a newer one was sent: "
                          "ask for a new one from the sign-in page if you still need it")
    if reset.expires_at <= now:
        raise UserProblem("this password reset link has expired (links work for an hour): "
                          "ask for a new one from the sign-in page")
    if not is_active(session, reset.user_id):
        raise UserProblem("this account can no longer sign in; ask an admin")
    return reset


def use_reset(session: Session, token: str, password: str, now: datetime | None = None) -> User:
    """Set a new password through a reset link, once; every session made before it ends."""
    now = now or utcnow()
    reset = open_reset(session, token, now)
    check_password_strength(password)
    claimed = session.execute(update(PasswordReset).where(PasswordReset.id == reset.id,
                                                          PasswordReset.used_at.is_(None))
                              .values(used_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # two tabs sent the same link at once: only one sets the password
        raise UserProblem("this password reset link has been used already")
    user = session.get(User, reset.user_id)
    user.password_hash = hash_password(password)
    end_sessions(user)
    _end_open_resets(session, user.id, now)
    session.flush()
    return user
