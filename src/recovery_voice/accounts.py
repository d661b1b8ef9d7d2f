"""Accounts: keeping the table in step with the config, listing them and checking credentials."""

from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from . import ratelimits
from .config import Config, ConfigError
from .models import Account, utcnow
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
