"""Upgrading a database made by an earlier version keeps what deleting its published posts needs."""

import json
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import select

from recovery_voice.db import MIGRATIONS, make_engine, session_factory, upgrade
from recovery_voice.db import transaction
from recovery_voice.models import Delivery
from recovery_voice.posts import cancel
from recovery_voice.worker import Worker

OLD_KEY = "recovery-voice-1"  # how the version before 0004 keyed a delivery's outbox line and remote id


def build_at_revision(url: str, revision: str) -> sa.Engine:
    """A database migrated only as far as `revision`, as an earlier version of the app left it."""
    engine = make_engine(url)
    with engine.begin() as connection:
        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return engine


def publish_as_0003_did(engine: sa.Engine, outbox, when: datetime) -> None:
    """One post published to the outbox by the pre-0004 version: its remote id on the delivery, no parts rows."""
    meta = sa.MetaData()
    meta.reflect(engine, only=["accounts", "posts", "deliveries"])
    accounts, posts, deliveries = (meta.tables[name] for name in ("accounts", "posts", "deliveries"))
    naive = when.replace(tzinfo=None)
    with engine.begin() as connection:
        connection.execute(accounts.insert().values(id=1, name="outbox", platform="outbox", state="ok"))
        connection.execute(posts.insert().values(
            id=1, status="published", text="Our café opens at 10 today.", when=naive.isoformat(), voice="plain",
            findings=[], created_at=naive - timedelta(hours=1), approved_by="admin@example.org",
            approved_at=naive - timedelta(hours=1)))
        connection.execute(deliveries.insert().values(
            id=1, post_id=1, account_id=1, status="published", due_at=naive, run_at=naive, attempts=1,
            remote_id=OLD_KEY, remote_url=f"{outbox.as_uri()}#{OLD_KEY}", finished_at=naive))
    outbox.write_text(json.dumps({"key": OLD_KEY, "account": "outbox", "post_id": 1, "delivery_id": 1,
                                  "text": "Our café opens at 10 today."}) + "\n", encoding="utf-8")


def test_cancelling_a_post_published_before_0004_deletes_it_after_upgrading(project, clock):
    engine = build_at_revision(project.database_url, "0003")
    project.engines.append(engine)
    publish_as_0003_did(engine, project.outbox, clock.now - timedelta(days=1))
    upgrade(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        cancel(session, [1], actor="admin@example.org", now=clock.now)
    Worker(project.config, sessions, clock).run_due()
    assert project.outbox_lines() == []
    with sessions() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert delivery.deletion == "deleted" and [p.remote_id for p in delivery.parts] == [OLD_KEY]
        assert all(p.deleted_at is not None for p in delivery.parts)


def test_the_backfill_gives_a_pre_0004_post_its_first_part_with_its_link(project, clock):
    engine = build_at_revision(project.database_url, "0003")
    project.engines.append(engine)
    when = (clock.now - timedelta(days=1)).astimezone(timezone.utc)
    publish_as_0003_did(engine, project.outbox, when)
    upgrade(engine)
    with session_factory(engine)() as session:
        [part] = session.scalars(select(Delivery)).one().parts
    assert (part.number, part.remote_id, part.url) == (1, OLD_KEY, f"{project.outbox.as_uri()}#{OLD_KEY}")
    assert part.published_at == when
