"""hardening: session generations, consent end per delivery, the part in flight, worker heartbeats,
and the parts of posts published before 0004 (so they can still be taken down)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns, or ones with a server default, and a new table: no table is rebuilt, so the log's
    # append-only triggers stay in place.
    op.add_column('users', sa.Column('session_generation', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('deliveries', sa.Column('consent_ends_at', sa.DateTime(), nullable=True))
    op.add_column('deliveries', sa.Column('sending_part', sa.Integer(), nullable=True))
    op.add_column('deliveries', sa.Column('sending_since', sa.DateTime(), nullable=True))
    op.create_table('worker_heartbeats',
    sa.Column('worker_id', sa.String(length=100), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('last_round_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('worker_id', name=op.f('pk_worker_heartbeats'))
    )
    _record_parts_published_before_0004()
    _store_consent_ends_of_unsent_stories()
    _erase_withdrawn_and_replaced_story_texts()


def _record_parts_published_before_0004() -> None:
    """A delivery published before 0004 kept its remote id on the delivery: make it part 1, so deletion finds it."""
    deliveries = sa.table('deliveries', sa.column('id', sa.Integer), sa.column('status', sa.String),
                          sa.column('remote_id', sa.String), sa.column('remote_url', sa.String),
                          sa.column('finished_at', sa.DateTime), sa.column('due_at', sa.DateTime))
    parts = sa.table('delivery_parts', sa.column('delivery_id', sa.Integer), sa.column('number', sa.Integer),
                     sa.column('remote_id', sa.String), sa.column('url', sa.String),
                     sa.column('published_at', sa.DateTime))
    connection = op.get_bind()
    without_parts = connection.execute(
        sa.select(deliveries.c.id, deliveries.c.remote_id, deliveries.c.remote_url, deliveries.c.finished_at,
                  deliveries.c.due_at)
        .where(deliveries.c.remote_id.is_not(None),
               ~sa.exists().where(parts.c.delivery_id == deliveries.c.id))).all()
    for delivery_id, remote_id, url, finished_at, due_at in without_parts:
        connection.execute(parts.insert().values(delivery_id=delivery_id, number=1, remote_id=remote_id, url=url,
                                                 published_at=finished_at or due_at))


def _store_consent_ends_of_unsent_stories() -> None:
    """Deliveries made from a story before 0005 get its consent end, so the worker enforces it at claim time."""
    from datetime import datetime, time, timedelta, timezone

    zone = op.get_context().config.attributes.get("timezone") or timezone.utc
    connection = op.get_bind()
    stories = connection.execute(sa.text("SELECT post_id, consent_until FROM stories WHERE post_id IS NOT NULL")).all()
    for post_id, consent_until in stories:
        if isinstance(consent_until, str):
            consent_until = datetime.strptime(consent_until[:10], "%Y-%m-%d").date()
        ends = datetime.combine(consent_until + timedelta(days=1), time(), zone).astimezone(timezone.utc)
        connection.execute(sa.text(
            "UPDATE deliveries SET consent_ends_at = :ends WHERE post_id = :post_id AND consent_ends_at IS NULL"),
            {"ends": ends.replace(tzinfo=None), "post_id": post_id})


def _erase_withdrawn_and_replaced_story_texts() -> None:
    """Erase the words of withdrawn stories, and of every post made from a story but its approved version's.

    Ids, statuses, dates, remote ids and parts stay: the log and deletion need nothing else. Their deliveries'
    consent ends now, so nothing erased is ever sent (stories.withdraw and stories.edit do the same from 0005 on).
    """
    from datetime import datetime, timezone

    connection = op.get_bind()
    connection.execute(sa.text(
        "UPDATE stories SET text = '', shown_name = NULL, content_warning = NULL, review_note = NULL, "
        "findings = '[]', worst_finding = NULL WHERE status = 'withdrawn'"))
    replaced = ("EXISTS (SELECT 1 FROM stories WHERE posts.source = 'story ' || stories.id) AND NOT EXISTS "
                "(SELECT 1 FROM stories WHERE stories.post_id = posts.id AND stories.status = 'approved')")
    connection.execute(sa.text(
        "UPDATE deliveries SET consent_ends_at = :now WHERE post_id IN (SELECT id FROM posts WHERE " + replaced + ")"),
        {"now": datetime.now(timezone.utc).replace(tzinfo=None)})
    connection.execute(sa.text(
        "UPDATE posts SET text = '', content_warning = NULL, findings = '[]', worst_finding = NULL, "
        "template_vars = NULL WHERE " + replaced))


def downgrade() -> None:
    op.drop_table('worker_heartbeats')
    with op.batch_alter_table('deliveries') as batch:
        batch.drop_column('sending_since')
        batch.drop_column('sending_part')
        batch.drop_column('consent_ends_at')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_generation')
