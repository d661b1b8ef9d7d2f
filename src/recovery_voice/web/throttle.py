"""Login throttling: too many wrong passwords for one email, or from one address, pause sign-in for a while.

Failures live in the database, so every web process behind a load balancer sees the same count and a
restart does not wipe it. Each method works in the caller's session; the caller commits.
"""

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ..models import LoginFailure, utcnow

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


class Throttle:
    """Counts recent failed sign-ins per key (email, address) in the shared database."""

    def __init__(self, secret: str, max_failures: int = MAX_FAILURES, window: timedelta = WINDOW, clock=utcnow):
        if not secret:
            raise ValueError("the throttle needs the app's secret key")
        self.secret = secret.encode()
        self.max_failures, self.window, self.clock = max_failures, window, clock

    def _hashed(self, keys) -> list[str]:
        """Key-hash keys, so the table never holds an email or address, nor one a dictionary could find."""
        return [hmac.new(self.secret, key.encode(), hashlib.sha256).hexdigest() for key in keys]

    def blocked(self, session: Session, *keys: str) -> bool:
        """Tell whether any key has failed too often within the window."""
        counts = session.scalars(
            select(func.count(LoginFailure.id))
            .where(LoginFailure.key.in_(self._hashed(keys)), LoginFailure.at > self._since())
            .group_by(LoginFailure.key))
        return any(count >= self.max_failures for count in counts)

    def failed(self, session: Session, *keys: str) -> None:
        """Record one failure against each key, and forget failures too old to matter."""
        now = self.clock()
        session.execute(insert(LoginFailure), [{"key": key, "at": now} for key in self._hashed(keys)])
        session.execute(delete(LoginFailure).where(LoginFailure.at <= self._since(now)))

    def succeeded(self, session: Session, email_key: str) -> None:
        """Forget an email's failures once its owner signs in.

        Never an address's: someone with one good account could otherwise sign in between guesses
        and try passwords on everyone else's forever.
        """
        session.execute(delete(LoginFailure).where(LoginFailure.key.in_(self._hashed([email_key]))))

    def _since(self, now: datetime | None = None) -> datetime:
        """Return the start of the window that counts."""
        return (now or self.clock()) - self.window
