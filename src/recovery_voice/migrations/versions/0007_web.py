"""web app and email: the email outbox and password resets, post drafts and history, storytellers' sign-off

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Each concern keeps its own pair of functions below. Prefer new tables and nullable columns
# (op.add_column): rebuilding a table in SQLite batch mode would drop the log's append-only triggers.


def upgrade() -> None:
    _upgrade_email()
    _upgrade_posts()
    _upgrade_stories()


def downgrade() -> None:
    _downgrade_stories()
    _downgrade_posts()
    _downgrade_email()


# --- email: outbox, password resets, people's email choices ---------------------------------------

def _upgrade_email() -> None:
    """The email outbox, each person's email choices and password reset links: three new tables."""
    op.create_table('emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=320), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('body_text', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('send_after', sa.DateTime(), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('interrupted', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_emails_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emails')),
    sa.UniqueConstraint('message_id', name=op.f('uq_emails_message_id'))
    )
    op.create_index('ix_emails_claim', 'emails', ['status', 'send_after'], unique=False)
    op.create_index('ix_emails_user_status', 'emails', ['user_id', 'status'], unique=False)
    op.create_table('email_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('delivery', sa.String(length=10), nullable=False),
    sa.Column('quiet_start', sa.Time(), nullable=True),
    sa.Column('quiet_end', sa.Time(), nullable=True),
    sa.Column('last_digest_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_email_settings_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_email_settings'))
    )
    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    op.create_index(op.f('ix_password_resets_user_id'), 'password_resets', ['user_id'], unique=False)


def _downgrade_email() -> None:
    """Drop the three email tables."""
    op.drop_index(op.f('ix_password_resets_user_id'), table_name='password_resets')
    op.drop_table('password_resets')
    op.drop_table('email_settings')
    op.drop_index('ix_emails_user_status', table_name='emails')
    op.drop_index('ix_emails_claim', table_name='emails')
    op.drop_table('emails')


# --- posts: drafts, editing, history --------------------------------------------------------------

def _upgrade_posts() -> None:
    """Drafts: a post remembers the accounts its author chose (a draft has no deliveries until it is queued)."""
    op.add_column('posts', sa.Column('chosen_accounts', sa.JSON(), nullable=True))
    op.create_index('ix_posts_created_by_id', 'posts', ['created_by', 'id'], unique=False)


def _downgrade_posts() -> None:
    """Drop the column (without rebuilding posts); drafts stay as posts with the status "draft", never lost."""
    op.drop_index('ix_posts_created_by_id', table_name='posts')
    op.drop_column('posts', 'chosen_accounts')


# --- stories: the storyteller's sign-off of the final text -----------------------------------------

def _upgrade_stories() -> None:
    """The storyteller's sign-off of the final text, one row per story: a new table, so stories is not rebuilt."""
    op.create_table('story_signoffs',
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_story_signoffs_story_id_stories')),
    sa.PrimaryKeyConstraint('story_id', name=op.f('pk_story_signoffs'))
    )


def _downgrade_stories() -> None:
    """Drop the sign-off table."""
    op.drop_table('story_signoffs')
