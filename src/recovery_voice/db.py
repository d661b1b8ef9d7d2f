"""Database engine, sessions and migrations for SQLite (WAL) and PostgreSQL."""

import os
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, make_url, text
from sqlalchemy import exc as sqlalchemy_exc
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
# The last migration in versions/: every command checks the database is at it without importing Alembic
# (test_db.py checks it is Alembic's head). A new migration changes it.
HEAD_REVISION = "0008"
CONNECT_TIMEOUT = 10  # seconds for PostgreSQL to answer a new connection


class DatabaseError(Exception):
    """The database cannot be used as it is: unreachable, or its schema is behind."""


BUSY, DAMAGED = "busy", "damaged"
_BUSY_WORDS = ("locked", "busy", "lock timeout")


def trouble(error: Exception) -> str | None:
    """Say whether an error means the database is BUSY (try again soon), DAMAGED or unreachable, or neither (a bug)."""
    if isinstance(error, sqlalchemy_exc.TimeoutError):  # no pooled connection came free in time
        return BUSY
    if not isinstance(error, sqlalchemy_exc.DatabaseError) or isinstance(
            error, (sqlalchemy_exc.IntegrityError, sqlalchemy_exc.DataError, sqlalchemy_exc.ProgrammingError)):
        return None  # a mistake in a query, not the database's state
    message = str(getattr(error, "orig", error)).lower()
    return BUSY if any(word in message for word in _BUSY_WORDS) else DAMAGED


def make_engine(url: str, busy_timeout: float = 30.0) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout (seconds to wait for a lock) and write-locking transactions."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_timeout})
        event.listen(engine, "connect", _configure_sqlite)
        # Take the write lock when a transaction starts, so two workers never deadlock on upgrade.
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
        _create_private(engine.url.database)
        return engine
    # A host that never answers would otherwise hang for minutes; the URL's own connect_timeout wins.
    timeout = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": CONNECT_TIMEOUT}
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args=timeout)


def _create_private(path: str | None) -> None:
    """Create a new SQLite file readable by its owner only; SQLite gives its -wal and -shm files the same mode."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        pass  # already there, or a missing folder or no permission, which SQLite's own error will name


def where(engine: Engine) -> str:
    """Name the database for an error message: the PostgreSQL host and port, or the SQLite file."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return url.database or "memory"
    return f"{url.host or 'localhost'}:{url.port or 5432}"


def _configure_sqlite(dbapi_connection, _record) -> None:
    """Set the pragmas every SQLite connection needs."""
    dbapi_connection.isolation_level = None  # let the "begin" listener issue BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Erased words (a withdrawn story) are overwritten with zeros, not left in freed pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker:
    """Return a Session maker bound to `engine` that keeps objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def engine_of(sessions: sessionmaker) -> Engine:
    """Return the engine a session maker is bound to."""
    return sessions.kw["bind"]


@contextmanager
def transaction(sessions: sessionmaker):
    """Run a block in one transaction: commit on success, roll back on error."""
    with sessions() as session, session.begin():
        yield session


def _alembic_config(engine: Engine, connection, timezone=None):
    """Build the Alembic config programmatically, so no alembic.ini is needed beside the data."""
    from alembic.config import Config as AlembicConfig  # only to migrate: importing Alembic takes ~0.2 s a command

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["timezone"] = timezone  # the organisation's zone, for migrations that turn dates into times
    return config


def upgrade(engine: Engine, timezone=None) -> None:
    """Create the database or bring its schema up to date (`timezone`: the organisation's, for dated data)."""
    from alembic import command

    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(engine, connection, timezone), "head")
    except OperationalError as error:
        raise DatabaseError(f"cannot reach the database at {where(engine)}: {error.orig}") from None


def check_schema(engine: Engine) -> None:
    """Raise DatabaseError unless the schema is at the revision this version needs."""
    try:
        with engine.connect() as connection:
            current = _current_revision(connection)
    except OperationalError as error:
        raise DatabaseError(f"cannot reach the database at {where(engine)}: {error.orig}") from None
    if current is None:
        raise DatabaseError("the database is empty: run `recovery-voice init` to create it")
    if current != HEAD_REVISION:
        raise DatabaseError(
            f"the database schema is at {current} but this version needs {HEAD_REVISION}: "
            "run `recovery-voice init` to upgrade it (queued posts are kept)"
        )


def _current_revision(connection) -> str | None:
    """Read the revision Alembic recorded in the database; None for an empty database."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
