"""Whether publishing is alive: workers' heartbeats, database outages in plain words, and the database file."""

import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .config import Worker as WorkerSettings
from .db import DatabaseError
from .models import WorkerHeartbeat, utcnow

HEARTBEATS = WorkerHeartbeat.__table__
ALIVE_ROUNDS = 4  # publishing counts as alive while a worker had a good round within this many rechecks
PROBE_SECONDS = 1.0  # how long /health waits for a lock or a server before saying the database is not answering
FORGET_AFTER = timedelta(days=7)  # heartbeats of workers gone this long are dropped
MESSAGE_LIMIT = 300


@dataclass
class Outage:
    """A spell in which the worker's rounds fail: since when, why, and how many rounds failed."""

    since: datetime
    message: str
    failures: int = 0

    def summary(self, until: datetime) -> str:
        """Say what happened and for how long, for the heartbeat's last error."""
        return f"{self.message} (for {duration(until - self.since)}, from {self.since:%Y-%m-%d %H:%M:%S} UTC)"


@dataclass(frozen=True)
class Report:
    """What /health and the Publishing page say: is the database usable, is a worker publishing."""

    database: str  # "reachable", "unreachable" or "missing"
    database_problem: str | None
    last_round_at: datetime | None
    alive: bool
    workers: tuple[dict, ...] = ()

    @property
    def ok(self) -> bool:
        """Publishing is alive and the database answers."""
        return self.database == "reachable" and self.alive

    @property
    def status(self) -> str:
        """One short phrase for monitoring."""
        if self.database == "missing":
            return "database file missing"
        if self.database != "reachable":
            return "database unreachable"
        return "ok" if self.alive else "publishing stopped"

    def to_public(self) -> dict:
        """The JSON for /health: no worker names, error texts or personal data, so anyone may read it."""
        return {"ok": self.ok, "status": self.status,
                "database": {"reachable": self.database == "reachable", "state": self.database},
                "publishing": {"alive": self.alive, "last_round_at": _iso(self.last_round_at)}}


# Outages -------------------------------------------------------------------------------------------------------

def is_outage(error: BaseException) -> bool:
    """Tell a database or connection failure (wait it out) from a bug (worth a traceback)."""
    return isinstance(error, (DBAPIError, PoolTimeout, DatabaseError, ConnectionError))


def describe(error: BaseException) -> str:
    """Say what went wrong in one plain line: the driver's own words, never the SQL or its parameters."""
    if isinstance(error, DBAPIError):
        words = str(error.orig).strip().splitlines()
        detail = words[0] if words else error.orig.__class__.__name__
        if "database is locked" in detail:
            detail = "the database is locked by another program for longer than the busy timeout"
        return f"the database cannot be used: {detail}"[:MESSAGE_LIMIT]
    if is_outage(error):
        return f"the database cannot be used: {error}"[:MESSAGE_LIMIT]
    return f"unexpected error: {error.__class__.__name__}: {error}"[:MESSAGE_LIMIT]


def retry_delay(settings: WorkerSettings, failures: int) -> timedelta:
    """How long to wait before the next round after `failures` failed ones: doubling, up to a few rechecks."""
    return min(settings.recheck * 2 ** max(failures - 1, 0), settings.recheck * ALIVE_ROUNDS)


# The database file ---------------------------------------------------------------------------------------------

_watched: "WeakKeyDictionary[Engine, tuple[str, tuple[int, int]]]" = WeakKeyDictionary()


def watch_file(engine: Engine) -> None:
    """Remember which file a SQLite engine opened, so a deleted or replaced file is noticed (first call wins)."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if engine in _watched or not path or path == ":memory:":
        return
    try:
        found = os.stat(path)
    except OSError:
        return  # not created yet: nothing to lose
    _watched[engine] = (path, (found.st_dev, found.st_ino))


def file_problem(engine: Engine) -> str | None:
    """Say so when the watched SQLite file is gone or another file took its place; None when all is well."""
    if engine not in _watched:
        return None
    path, identity = _watched[engine]
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return f"the database file {path} was deleted while recovery-voice was running"
    except OSError as error:
        return f"the database file {path} cannot be checked: {error.strerror}"
    if (found.st_dev, found.st_ino) != identity:
        return f"the database file {path} was replaced by another file while recovery-voice was running"
    return None


# Heartbeats ----------------------------------------------------------------------------------------------------

def register(engine: Engine, worker_id: str, now: datetime) -> None:
    """Add a starting worker's heartbeat row, and forget workers silent for a week."""
    with engine.begin() as connection:
        latest = func.coalesce(HEARTBEATS.c.last_round_at, HEARTBEATS.c.started_at)
        connection.execute(delete(HEARTBEATS).where(latest < now - FORGET_AFTER))
        connection.execute(insert(HEARTBEATS).values(worker_id=worker_id[:100], started_at=now))


def beat(engine: Engine, worker_id: str, now: datetime, outage: Outage | None = None) -> None:
    """Record a good round; after an outage, record what it was as the worker's last error."""
    values = {"last_round_at": now}
    if outage is not None:
        values.update(last_error=outage.summary(now), last_error_at=outage.since)
    _update(engine, worker_id, now, values)


def record_error(engine: Engine, worker_id: str, message: str, at: datetime) -> None:
    """Record a failed round's reason (it may itself fail while the database is down)."""
    _update(engine, worker_id, at, {"last_error": message[:MESSAGE_LIMIT], "last_error_at": at})


def _update(engine: Engine, worker_id: str, now: datetime, values: dict) -> None:
    """Update a worker's row, adding it again if someone removed it."""
    with engine.begin() as connection:
        done = connection.execute(update(HEARTBEATS).where(HEARTBEATS.c.worker_id == worker_id[:100]).values(values))
        if not done.rowcount:
            connection.execute(insert(HEARTBEATS).values(worker_id=worker_id[:100], started_at=now, **values))


def alive_within(settings: WorkerSettings) -> timedelta:
    """How recent a good round must be: a few rechecks, plus room for a slow call in the last round."""
    return settings.recheck * ALIVE_ROUNDS + timedelta(seconds=2 * settings.request_timeout)


def heartbeats(connection, limit: int = 20) -> list[dict]:
    """The most recently active workers, newest first."""
    latest = func.coalesce(HEARTBEATS.c.last_round_at, HEARTBEATS.c.started_at)
    rows = connection.execute(select(HEARTBEATS).order_by(latest.desc()).limit(limit)).mappings()
    return [dict(row) for row in rows]


# Judging -------------------------------------------------------------------------------------------------------

def check(engine: Engine, settings: WorkerSettings, now: datetime | None = None, connection=None) -> Report:
    """Judge whether publishing is alive, answering within about PROBE_SECONDS even if the database is locked.

    A page that already holds a connection (and with SQLite, the write lock) passes it as `connection`.
    """
    now = now or utcnow()
    problem = file_problem(engine)
    if problem:  # opening the path now would create an empty database: do not touch it
        return Report("missing", problem, None, False)
    if connection is not None:
        return judge(heartbeats(connection), settings, now)
    try:
        with quick_connection(engine) as connection:
            workers = heartbeats(connection)
    except Exception as error:  # whatever the driver raises, /health must answer
        return Report("unreachable", describe(error), None, False)
    return judge(workers, settings, now)


def judge(workers: list[dict], settings: WorkerSettings, now: datetime) -> Report:
    """Publishing is alive when some worker's last good round is recent enough."""
    window = alive_within(settings)
    for worker in workers:
        worker["alive"] = worker["last_round_at"] is not None and now - worker["last_round_at"] <= window
    last = max((w["last_round_at"] for w in workers if w["last_round_at"] is not None), default=None)
    return Report("reachable", None, last, any(w["alive"] for w in workers), tuple(workers))


@contextmanager
def quick_connection(engine: Engine):
    """A connection in a transaction whose waits for a lock are cut to PROBE_SECONDS, restored afterwards."""
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            with connection.begin():
                connection.execute(text(f"SET LOCAL statement_timeout = {int(PROBE_SECONDS * 1000)}"))
                yield connection
            return
        raw = connection.connection.dbapi_connection  # set before BEGIN, which itself waits for the lock
        previous = raw.execute("PRAGMA busy_timeout").fetchone()[0]
        raw.execute(f"PRAGMA busy_timeout = {int(PROBE_SECONDS * 1000)}")
        try:
            with connection.begin():
                yield connection
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(previous)}")


def _iso(moment: datetime | None) -> str | None:
    """An ISO time ending in Z, or None."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def duration(span: timedelta) -> str:
    """A short human duration: 40 s, 3 min, 2 h."""
    seconds = int(span.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
