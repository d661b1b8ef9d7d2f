"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('name', name=op.f('uq_accounts_name'))
    )
    op.create_table('posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('template', sa.String(length=100), nullable=True),
    sa.Column('template_vars', sa.JSON(), nullable=True),
    sa.Column('theme', sa.String(length=20), nullable=True),
    sa.Column('content_warning', sa.String(length=500), nullable=True),
    sa.Column('when', sa.String(length=40), nullable=False),
    sa.Column('voice', sa.String(length=20), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('worst_finding', sa.String(length=10), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.Column('source_digest', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.String(length=320), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('approved_by', sa.String(length=320), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts')),
    sa.UniqueConstraint('source_digest', name=op.f('uq_posts_source_digest'))
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posts_status'), ['status'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('run_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('remote_id', sa.String(length=200), nullable=True),
    sa.Column('remote_url', sa.String(length=500), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_deliveries_account_id_accounts')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_deliveries_post_id_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('post_id', 'account_id', name='uq_deliveries_post_account')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_account_due', ['account_id', 'due_at'], unique=False)
        batch_op.create_index('ix_deliveries_claim', ['status', 'run_at'], unique=False)

    op.create_table('log_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('event', sa.String(length=30), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('account', sa.String(length=40), nullable=True),
    sa.Column('attempt', sa.Integer(), nullable=True),
    sa.Column('remote_id', sa.String(length=200), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=320), nullable=True),
    sa.Column('approved_by', sa.String(length=320), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_log_entries_delivery_id_deliveries')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_log_entries_post_id_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_entries'))
    )
    with op.batch_alter_table('log_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_log_entries_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_log_entries_post_id'), ['post_id'], unique=False)
    _make_log_append_only()


APPEND_ONLY = "the publishing log is append-only: entries cannot be changed or deleted"


def _make_log_append_only() -> None:
    """Refuse UPDATE and DELETE on log_entries in the database itself, whoever connects."""
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER log_entries_no_{action.lower()} BEFORE {action} ON log_entries "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION log_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER log_entries_append_only BEFORE UPDATE OR DELETE ON log_entries "
        "FOR EACH ROW EXECUTE FUNCTION log_entries_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS log_entries_no_update")
        op.execute("DROP TRIGGER IF EXISTS log_entries_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS log_entries_append_only ON log_entries")
        op.execute("DROP FUNCTION IF EXISTS log_entries_append_only()")
    with op.batch_alter_table('log_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_log_entries_post_id'))
        batch_op.drop_index(batch_op.f('ix_log_entries_at'))

    op.drop_table('log_entries')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_claim')
        batch_op.drop_index('ix_deliveries_account_due')

    op.drop_table('deliveries')
    op.drop_table('users')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posts_status'))

    op.drop_table('posts')
    op.drop_table('accounts')
