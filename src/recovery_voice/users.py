"""People who sign in: creating them and checking their passwords (argon2)."""

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import User

ROLES = ("storyteller", "volunteer", "admin")
MIN_PASSWORD = 10
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


class UserProblem(Exception):
    """A user cannot be created or changed as asked; the message says what to fix."""


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Check a password against the user's stored hash."""
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_strength(password: str) -> None:
    """Refuse passwords too short to be safe."""
    if len(password or "") < MIN_PASSWORD:
        raise UserProblem(f"the password must be at least {MIN_PASSWORD} characters long")


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
        user = User(email=email, display_name=email.split("@")[0])
        session.add(user)
    user.password_hash, user.role = hash_password(password), role
    session.flush()
    return user
