"""Accounts: keeping the table in step with the config, listing them, how each is doing, and checking credentials."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from . import ratelimits
from .config import Config, ConfigError
from .models import Account, LogEntry, utcnow
from .publishers import FinalError, PublishError, make_publisher


def sync_accounts(session: Session, config: Config) -> dict[str, Account]:
    """Make the accounts table match the config, and return the configured accounts by name."""
    rows = {a.name: a for a in session.scalars(select(Account))}
    for configured in config.accounts:
        row = rows.get(configured.name)
        if row is None:
            row = rows[configured.name] = Account(name=configured.name, platform=configured.platform, state="ok")
            session.add(row)
        elif row.platform != configured.platform or row.state == "removed":
            row.platform, row.state = configured.platform, "ok"
    configured_names = {a.name for a in config.accounts}
    for name, row in rows.items():
        if name not in configured_names:
            row.state = "removed"
    session.flush()
    return {name: row for name, row in rows.items() if name in configured_names}


def list_accounts(session: Session, config: Config, now: datetime | None = None) -> list[dict]:
    """Describe each configured account with its state, last error and any wait for its rate limit to reset."""
    rows = sync_accounts(session, config)
    now = now or utcnow()
    return [
        {"name": a.name, "platform": a.platform, "where": _where(a), "state": rows[a.name].state,
         "last_error": rows[a.name].last_error,
         "checked_at": rows[a.name].checked_at.isoformat() if rows[a.name].checked_at else None,
         "waiting_until": _waiting(session, rows[a.name].id, now)}
        for a in config.accounts
    ]


def _waiting(session: Session, account_id: int, now: datetime) -> str | None:
    """When the account may post again, if its allowance is used up."""
    reset = ratelimits.waiting(session, account_id, ratelimits.POST, now)
    return reset.isoformat() if reset else None


def _where(account) -> str:
    """Say where an account publishes, for people reading the list."""
    if account.platform == "outbox":
        return str(account.path)
    if account.handle:
        return f"{account.handle} on {account.base_url}"
    return account.base_url or ""


# What the log says about a delivery's attempt: these show whether an account's posts go out.
SUCCESSES = ("published", "marked_published")
FAILURES = ("failed", "needs_review", "retry")  # a final failure, an unknown outcome, a failed try to be repeated
RECENT = 3  # the latest outcomes an account is judged by
FAILING_AFTER = 2  # of those, this many failures (the latest among them) mean its posts are failing


@dataclass(frozen=True)
class AccountHealth:
    """How one account is doing, from what happened to its posts rather than from its last check alone."""

    name: str
    platform: str
    where: str
    state: str  # needs_attention | failing | waiting | working | unused
    problem: str | None = None  # why it needs attention or is failing, in the network's or the check's words
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_failure: str | None = None
    waiting_until: datetime | None = None
    checked_at: datetime | None = None

    @property
    def troubled(self) -> bool:
        """Whether a person must do something: its credentials need attention or its posts are failing."""
        return self.state in ("needs_attention", "failing")


def account_health(session: Session, config: Config, now: datetime | None = None) -> list[AccountHealth]:
    """Describe each configured account's state from its row, its latest outcomes and its allowance."""
    rows, now = sync_accounts(session, config), now or utcnow()
    return [_health(session, settings, rows[settings.name], now) for settings in config.accounts]


def troubled_accounts(session: Session, config: Config) -> list[AccountHealth]:
    """Return the accounts that need attention or whose posts are failing (a few small queries, for every page)."""
    states = dict(session.execute(select(Account.name, Account.state)).all())
    troubled = []
    for settings in config.accounts:
        recent = _recent_outcomes(session, settings.name)
        state = _state(states.get(settings.name), recent, None)
        if state in ("needs_attention", "failing"):
            troubled.append(AccountHealth(settings.name, settings.platform, _where(settings), state))
    return troubled


def _health(session: Session, settings, row: Account, now: datetime) -> AccountHealth:
    """Put together one account's health."""
    recent = _recent_outcomes(session, settings.name)
    waiting = ratelimits.waiting(session, row.id, ratelimits.POST, now)
    success = _latest(session, settings.name, SUCCESSES)
    failure = _latest(session, settings.name, FAILURES)
    state = _state(row.state, recent, waiting)
    problem = row.last_error if state == "needs_attention" else (recent[0].error if state == "failing" else None)
    return AccountHealth(
        settings.name, settings.platform, _where(settings), state, problem,
        last_success_at=success.at if success else None, last_failure_at=failure.at if failure else None,
        last_failure=failure.error if failure else None, waiting_until=waiting, checked_at=row.checked_at)


def _state(row_state: str | None, recent: list, waiting: datetime | None) -> str:
    """Judge an account: its credentials first, then its latest outcomes, then its allowance."""
    if row_state == "needs_attention":
        return "needs_attention"
    failures = [entry for entry in recent if entry.event in FAILURES]
    if recent and recent[0].event in FAILURES and len(failures) >= min(FAILING_AFTER, len(recent)):
        return "failing"
    if waiting:
        return "waiting"
    return "working" if recent else "unused"


def _recent_outcomes(session: Session, name: str) -> list:
    """Return the account's latest RECENT outcomes, newest first (the account-and-time index, walked backwards)."""
    return session.execute(
        select(LogEntry.event, LogEntry.at, LogEntry.error)
        .where(LogEntry.account == name, LogEntry.event.in_(SUCCESSES + FAILURES))
        .order_by(LogEntry.at.desc(), LogEntry.id.desc()).limit(RECENT)).all()


def _latest(session: Session, name: str, events: tuple[str, ...]):
    """Return the account's latest log entry of these kinds, or None."""
    return session.execute(
        select(LogEntry.at, LogEntry.error).where(LogEntry.account == name, LogEntry.event.in_(events))
        .order_by(LogEntry.at.desc(), LogEntry.id.desc()).limit(1)).first()


class SessionStore:
    """Where a publisher keeps its login session (already encrypted by it), shared by every worker.

    Given an Engine it uses a short transaction of its own; given a Session it works inside that one.
    """

    def __init__(self, bind: Engine | Session, account_name: str):
        self.bind = bind
        self.account_name = account_name

    def load(self) -> str | None:
        """Return the saved session, if any."""
        query = select(Account.session).where(Account.name == self.account_name)
        if isinstance(self.bind, Engine):
            with self.bind.connect() as connection:
                return connection.scalar(query)
        return self.bind.scalar(query)

    def save(self, value: str) -> None:
        """Save a new or refreshed session."""
        statement = update(Account).where(Account.name == self.account_name).values(session=value)
        if isinstance(self.bind, Engine):
            with self.bind.begin() as connection:
                connection.execute(statement)
        else:
            self.bind.execute(statement)


def check_account(session: Session, config: Config, name: str, request_timeout: float = 30.0,
                  now: datetime | None = None) -> tuple[bool, str]:
    """Verify one account's credentials without posting; a pass clears 'needs attention'."""
    now = now or utcnow()
    row = sync_accounts(session, config).get(name)
    settings = config.account(name)
    try:
        store = SessionStore(session, name)
        description = make_publisher(settings, request_timeout, store).check()
    except (ConfigError, PublishError) as error:
        if isinstance(error, ConfigError) or (isinstance(error, FinalError) and error.account_problem):
            row.state = "needs_attention"
        row.last_error, row.checked_at = str(error), now
        return False, str(error)
    row.state, row.last_error, row.checked_at = "ok", None, now
    return True, description
