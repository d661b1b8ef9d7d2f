"""Migrations, SQLite settings and the append-only log."""

import sqlite3

import pytest
from sqlalchemy import inspect, text

from recovery_voice import logbook
from recovery_voice.db import (
    HEAD_REVISION,
    MIGRATIONS,
    DatabaseError,
    check_schema,
    make_engine,
    session_factory,
    transaction,
    upgrade,
)


def test_migrations_create_every_table_on_an_empty_database(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    with pytest.raises(DatabaseError, match="run `recovery-voice init`"):
        check_schema(engine)
    upgrade(engine)
    check_schema(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"users", "accounts", "posts", "deliveries", "log_entries", "alembic_version"} <= tables


def test_every_constraint_has_a_name(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    upgrade(engine)
    inspector = inspect(engine)
    for table in ("users", "accounts", "posts", "deliveries", "log_entries"):
        assert inspector.get_pk_constraint(table)["name"]
        assert all(fk["name"] for fk in inspector.get_foreign_keys(table))
        assert all(uq["name"] for uq in inspector.get_unique_constraints(table))


def test_running_init_twice_changes_nothing(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    upgrade(engine)
    upgrade(engine)
    check_schema(engine)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_log_refuses_changes_and_deletions_even_from_raw_sql(tmp_path):
    path = tmp_path / "new.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        logbook.record(session, "published", account="outbox")
    raw = sqlite3.connect(path)
    for statement in ("UPDATE log_entries SET event = 'x'", "DELETE FROM log_entries"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute(statement)
    assert raw.execute("SELECT event FROM log_entries").fetchall() == [("published",)]


def test_a_database_behind_this_version_is_reported(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(DatabaseError, match="schema is at 0000 but this version needs"):
        check_schema(engine)


def test_the_revision_every_command_checks_for_is_alembics_head(tmp_path):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD_REVISION]
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    with pytest.raises(DatabaseError, match="the database is empty: run `recovery-voice init`"):
        check_schema(engine)
    upgrade(engine)
    check_schema(engine)


def test_an_unreachable_database_is_reported_plainly(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'x.db'}")
    with pytest.raises(DatabaseError, match="cannot reach the database"):
        upgrade(engine)


def test_migrations_and_the_append_only_log_work_on_postgresql(postgres):
    url = postgres.create_database()
    engine = make_engine(url)
    try:
        upgrade(engine)
        check_schema(engine)
        assert {"posts", "deliveries", "log_entries"} <= set(inspect(engine).get_table_names())
        with transaction(session_factory(engine)) as session:
            logbook.record(session, "published", account="outbox")
        for statement in ("UPDATE log_entries SET event = 'x'", "DELETE FROM log_entries"):
            with pytest.raises(Exception, match="append-only"):
                with engine.begin() as connection:
                    connection.execute(text(statement))
    finally:
        engine.dispose()
        postgres.drop_database(url)


def test_an_unreachable_postgresql_is_reported_plainly():
    from pgserver import free_port

    engine = make_engine(f"postgresql+psycopg://rv@127.0.0.1:{free_port()}/rv")
    with pytest.raises(DatabaseError, match="cannot reach the database"):
        check_schema(engine)
