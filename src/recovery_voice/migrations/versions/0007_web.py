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
    """Nothing yet: the email work adds its tables here."""


def _downgrade_email() -> None:
    """Nothing yet."""


# --- posts: drafts, editing, history --------------------------------------------------------------

def _upgrade_posts() -> None:
    """Nothing yet: the posts work adds its columns here."""


def _downgrade_posts() -> None:
    """Nothing yet."""


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
