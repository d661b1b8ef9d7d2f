"""Database engine, sessions and migrations for SQLite (WAL) and PostgreSQL."""

from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseError(Exception):
    """The database cannot be used as it is: unreachable, or its schema is behind."""


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and write-locking transactions."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _configure_sqlite)
        # Take the write lock when a transaction starts, so two workers never deadlock on upgrade.
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _configure_sqlite(dbapi_connection, _record) -> None:
    """Set the pragmas every SQLite connection needs."""
    dbapi_connection.isolation_level = None  # let the "begin" listener issue BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
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


def _alembic_config(engine: Engine, connection, timezone=None) -> AlembicConfig:
    """Build the Alembic config programmatically, so no alembic.ini is needed beside the data."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["timezone"] = timezone  # the organisation's zone, for migrations that turn dates into times
    return config


def upgrade(engine: Engine, timezone=None) -> None:
    """Create the database or bring its schema up to date (`timezone`: the organisation's, for dated data)."""
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(engine, connection, timezone), "head")
    except OperationalError as error:
        raise DatabaseError(f"cannot reach the database: {error.orig}") from None


def check_schema(engine: Engine) -> None:
    """Raise DatabaseError unless the schema is at the revision this version needs."""
    head = ScriptDirectory.from_config(_alembic_config(engine, None)).get_current_head()
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except OperationalError as error:
        raise DatabaseError(f"cannot reach the database: {error.orig}") from None
    if current is None:
        raise DatabaseError("the database is empty: run `recovery-voice init` to create it")
    if current != head:
        raise DatabaseError(
            f"the database schema is at {current} but this version needs {head}: "
            "run `recovery-voice init` to upgrade it (queued posts are kept)"
        )
