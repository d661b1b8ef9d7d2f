"""Each account's allowance per kind of call, shared by every worker, so normal operation never meets a 429.

The platforms say in their headers how many calls are left and when the window resets. Every worker
takes one call from the stored allowance before it sends, and stores what the answer said after.
"""

from datetime import datetime

from sqlalchemy import and_, exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .models import RateLimit
from .publishers import RateInfo

POST = "post"
DELETE = "delete"


def _used_up(action: str, now: datetime):
    """A SQL condition on an allowance row: no calls of this kind are left until its window resets."""
    return and_(RateLimit.action == action, RateLimit.remaining <= 0, RateLimit.reset_at > now)


def exhausted(account_id_column, action: str, now: datetime):
    """A SQL condition: the account has no calls of this kind left until its window resets."""
    return exists().where(RateLimit.account_id == account_id_column, _used_up(action, now))


def take(session, account_id: int, action: str, now: datetime) -> datetime | None:
    """Take one call from the allowance; return None to go ahead, or the time to wait until."""
    taken = session.execute(
        update(RateLimit)
        .where(RateLimit.account_id == account_id, RateLimit.action == action,
               RateLimit.remaining > 0, RateLimit.reset_at > now)
        .values(remaining=RateLimit.remaining - 1)
    )
    if taken.rowcount:
        return None
    return waiting(session, account_id, action, now)  # None when unknown or a new window: the answer will tell


def record(session, account_id: int, action: str, info: RateInfo | None, now: datetime) -> None:
    """Store what a platform's answer said about the allowance left."""
    if info is None:
        return
    row = _row(session, account_id, action)
    remaining = info.remaining
    same_window = row is not None and row.reset_at == info.reset_at and row.reset_at > now
    if same_window and row.remaining is not None:
        # Other workers' calls may be in flight, already taken here but not yet counted by the platform.
        remaining = min(remaining, row.remaining)
    _store(session, account_id, action, remaining, info.reset_at)


def waiting(session, account_id: int, action: str, now: datetime) -> datetime | None:
    """The reset to wait for when the account has no calls of this kind left, else None."""
    return session.scalar(select(RateLimit.reset_at).where(RateLimit.account_id == account_id,
                                                           _used_up(action, now)))


def exhaust(session, account_id: int, action: str, reset_at: datetime) -> None:
    """Store that the platform said to wait (a 429) until `reset_at`."""
    _store(session, account_id, action, 0, reset_at)


def waiting_until(action: str, now: datetime):
    """A query for the accounts waiting on this kind of call, with the reset each waits for."""
    return select(RateLimit.account_id, RateLimit.reset_at).where(_used_up(action, now))


def _row(session, account_id: int, action: str):
    """Read one allowance row."""
    return session.execute(select(RateLimit.remaining, RateLimit.reset_at)
                           .where(RateLimit.account_id == account_id, RateLimit.action == action)).first()


def _store(session, account_id: int, action: str, remaining: int, reset_at: datetime) -> None:
    """Insert or replace one allowance row in a single statement, safe when workers race."""
    dialect = session.dialect if hasattr(session, "dialect") else session.get_bind().dialect
    insert = pg_insert if dialect.name == "postgresql" else sqlite_insert
    statement = insert(RateLimit).values(account_id=account_id, action=action, remaining=remaining, reset_at=reset_at)
    session.execute(statement.on_conflict_do_update(
        index_elements=[RateLimit.account_id, RateLimit.action],
        set_={"remaining": statement.excluded.remaining, "reset_at": statement.excluded.reset_at},
    ))
