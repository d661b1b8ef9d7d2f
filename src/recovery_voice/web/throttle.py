"""Login throttling: too many wrong passwords for one email, or from one address, pause sign-in for a while.

The two are counted apart, with different limits: an office shares one address, so one person mistyping
their own password pauses only their email, while the address is paused only after many more failures
(someone trying password after password on many emails).

Failures live in the database, so every web process behind a load balancer sees the same count and a
restart does not wipe it. Each method works in the caller's session; the caller commits.
"""

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ..models import LoginFailure, utcnow

MAX_FAILURES = 5  # per email
ADDRESS_MAX_FAILURES = 50  # per client address: ten people's worth of mistyping, yet few guesses per email
ADDRESS_PREFIX = "ip:"  # how the login route names an address key; any other key is an email's
WINDOW = timedelta(minutes=15)


class Throttle:
    """Counts recent failed sign-ins per key (email, address) in the shared database."""

    def __init__(self, secret: str, max_failures: int = MAX_FAILURES, window: timedelta = WINDOW, clock=utcnow,
                 address_max_failures: int = ADDRESS_MAX_FAILURES):
        if not secret:
            raise ValueError("the throttle needs the app's secret key")
        self.secret = secret.encode()
        self.max_failures, self.window, self.clock = max_failures, window, clock
        self.address_max_failures = address_max_failures

    def _limit(self, key: str) -> int:
        """Return how many failures a key may have in the window: many for an address, few for an email."""
        return self.address_max_failures if key.startswith(ADDRESS_PREFIX) else self.max_failures

    def _hashed(self, keys) -> list[str]:
        """Key-hash keys, so the table never holds an email or address, nor one a dictionary could find."""
        return [hmac.new(self.secret, key.encode(), hashlib.sha256).hexdigest() for key in keys]

    def blocked(self, session: Session, *keys: str) -> bool:
        """Tell whether any key has failed too often within the window (each against its own limit)."""
        limits = dict(zip(self._hashed(keys), map(self._limit, keys)))
        counts = session.execute(
            select(LoginFailure.key, func.count(LoginFailure.id))
            .where(LoginFailure.key.in_(list(limits)), LoginFailure.at > self._since())
            .group_by(LoginFailure.key))
        return any(count >= limits[key] for key, count in counts)

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
