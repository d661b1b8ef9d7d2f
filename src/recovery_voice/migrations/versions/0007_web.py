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
    """Nothing yet: the stories work adds its columns here."""


def _downgrade_stories() -> None:
    """Nothing yet."""
