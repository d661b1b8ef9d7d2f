"""web app: stories, invitations and the indexes the queue, calendar and log pages need

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('naming', sa.String(length=20), nullable=False),
    sa.Column('shown_name', sa.String(length=100), nullable=True),
    sa.Column('networks', sa.JSON(), nullable=False),
    sa.Column('consent_until', sa.Date(), nullable=False),
    sa.Column('content_warning', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('approved_version', sa.Integer(), nullable=True),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('worst_finding', sa.String(length=10), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=320), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_stories_author_id_users')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_stories_post_id_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stories'))
    )
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.create_index('ix_stories_author_status', ['author_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_stories_status'), ['status'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by', sa.String(length=320), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    # Indexes only: no table rebuild, so the log's append-only triggers stay in place.
    op.create_index('ix_deliveries_due_at', 'deliveries', ['due_at'], unique=False)
    op.create_index('ix_deliveries_status_due', 'deliveries', ['status', 'due_at'], unique=False)
    op.create_index('ix_log_entries_event_at', 'log_entries', ['event', 'at'], unique=False)
    op.create_index('ix_log_entries_account_at', 'log_entries', ['account', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_log_entries_account_at', table_name='log_entries')
    op.drop_index('ix_log_entries_event_at', table_name='log_entries')
    op.drop_index('ix_deliveries_status_due', table_name='deliveries')
    op.drop_index('ix_deliveries_due_at', table_name='deliveries')
    op.drop_table('invitations')
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stories_status'))
        batch_op.drop_index('ix_stories_author_status')
    op.drop_table('stories')
