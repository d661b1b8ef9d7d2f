"""care: what a text touches, two approvals, safeguarding leads, story versions and views, erasure, pauses

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# New tables and nullable columns only (op.add_column): rebuilding a table in SQLite batch mode would
# drop the log's append-only triggers.


def upgrade() -> None:
    _upgrade_results()
    _upgrade_people()
    _upgrade_stories()
    _upgrade_publishing()
    _upgrade_data_rights()
    _upgrade_blackout_times()


def downgrade() -> None:
    _downgrade_blackout_times()
    _downgrade_data_rights()
    _downgrade_publishing()
    _downgrade_stories()
    _downgrade_people()
    _downgrade_results()


# --- care results and the second approval ---------------------------------------------------------

def _upgrade_results() -> None:
    """Posts and stories keep what care found, and the first of two approvals."""
    for table in ('posts', 'stories'):
        op.add_column(table, sa.Column('care', sa.JSON(), nullable=True))
        op.add_column(table, sa.Column('first_approved_by', sa.String(length=320), nullable=True))
        op.add_column(table, sa.Column('first_approved_at', sa.DateTime(), nullable=True))
    op.add_column('stories', sa.Column('first_approved_version', sa.Integer(), nullable=True))


def _downgrade_results() -> None:
    """Drop the columns."""
    op.drop_column('stories', 'first_approved_version')
    for table in ('stories', 'posts'):
        op.drop_column(table, 'first_approved_at')
        op.drop_column(table, 'first_approved_by')
        op.drop_column(table, 'care')


# --- people: safeguarding leads, erased accounts --------------------------------------------------

def _upgrade_people() -> None:
    """Who is told about a storyteller at risk, and which accounts were erased."""
    op.add_column('users', sa.Column('safeguarding_lead', sa.Boolean(), nullable=False, server_default='0'))
    op.add_column('users', sa.Column('erased_at', sa.DateTime(), nullable=True))


def _downgrade_people() -> None:
    """Drop the columns."""
    op.drop_column('users', 'erased_at')
    op.drop_column('users', 'safeguarding_lead')


# --- stories: every version, and who has seen each ------------------------------------------------

def _upgrade_stories() -> None:
    """Every version of a story as written, and the record of who else read or changed it."""
    op.create_table('story_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('naming', sa.String(length=20), nullable=False),
    sa.Column('shown_name', sa.String(length=100), nullable=True),
    sa.Column('networks', sa.JSON(), nullable=False),
    sa.Column('consent_until', sa.Date(), nullable=False),
    sa.Column('content_warning', sa.String(length=500), nullable=True),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_story_versions_story_id_stories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_story_versions')),
    sa.UniqueConstraint('story_id', 'version', name=op.f('uq_story_versions_story_id'))
    )
    op.create_index(op.f('ix_story_versions_story_id'), 'story_versions', ['story_id'], unique=False)
    op.create_table('story_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('viewer_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('what', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_story_views_story_id_stories')),
    sa.ForeignKeyConstraint(['viewer_id'], ['users.id'], name=op.f('fk_story_views_viewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_story_views'))
    )
    op.create_index('ix_story_views_story_at', 'story_views', ['story_id', 'at'], unique=False)


def _downgrade_stories() -> None:
    """Drop the two tables."""
    op.drop_index('ix_story_views_story_at', table_name='story_views')
    op.drop_table('story_views')
    op.drop_index(op.f('ix_story_versions_story_id'), table_name='story_versions')
    op.drop_table('story_versions')


# --- publishing: the organisation-wide pause and blackout dates ------------------------------------

def _upgrade_publishing() -> None:
    """Pauses of all publishing (the open one is in force) and days when nothing goes out."""
    op.create_table('publishing_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('started_by', sa.String(length=320), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_by', sa.String(length=320), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publishing_pauses'))
    )
    op.create_index(op.f('ix_publishing_pauses_ended_at'), 'publishing_pauses', ['ended_at'], unique=False)
    op.create_table('blackout_dates',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('added_by', sa.String(length=320), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_blackout_dates'))
    )


def _downgrade_publishing() -> None:
    """Drop the two tables."""
    op.drop_table('blackout_dates')
    op.drop_index(op.f('ix_publishing_pauses_ended_at'), table_name='publishing_pauses')
    op.drop_table('publishing_pauses')


# --- data rights (W-rights): each story's current version kept, and the log naming people by "user N" ------

LOG_APPEND_ONLY = "the publishing log is append-only: entries cannot be changed or deleted"  # as 0001 says it


def _upgrade_data_rights() -> None:
    """Save each story's current version, and name people in the log by user id instead of email."""
    op.execute("INSERT INTO story_versions (story_id, version, title, text, naming, shown_name, networks, "
               "consent_until, content_warning, saved_at) SELECT id, version, title, text, naming, shown_name, "
               "networks, consent_until, content_warning, updated_at FROM stories WHERE status <> 'withdrawn'")
    _allow_log_update(False)
    for column in ('actor', 'approved_by'):
        op.execute(f"UPDATE log_entries SET {column} = (SELECT 'user ' || users.id FROM users "
                   f"WHERE lower(users.email) = lower(log_entries.{column})) WHERE {column} LIKE '%@%' AND EXISTS "
                   f"(SELECT 1 FROM users WHERE lower(users.email) = lower(log_entries.{column}))")
    _allow_log_update(True)


def _allow_log_update(restore: bool) -> None:
    """Drop the log's refusal of UPDATE for the one conversion above, or put it back exactly as 0001 made it."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("CREATE TRIGGER log_entries_no_update BEFORE UPDATE ON log_entries "
                   f"BEGIN SELECT RAISE(ABORT, '{LOG_APPEND_ONLY}'); END" if restore
                   else "DROP TRIGGER log_entries_no_update")
        return
    op.execute("CREATE TRIGGER log_entries_append_only BEFORE UPDATE OR DELETE ON log_entries "
               "FOR EACH ROW EXECUTE FUNCTION log_entries_append_only()" if restore
               else "DROP TRIGGER log_entries_append_only ON log_entries")


def _downgrade_data_rights() -> None:
    """Nothing to undo here: the versions go with their table, and a log that names people by id stays so
    (turning ids back into emails would put personal data back into an append-only log)."""


# --- blackout days as instants (W-pause): the claim's one UPDATE compares them with its `now` -----------------

def _upgrade_blackout_times() -> None:
    """Each blackout day's start and end as UTC instants, worked out in the organisation's zone when it is added."""
    op.add_column('blackout_dates', sa.Column('starts_at', sa.DateTime(), nullable=True))
    op.add_column('blackout_dates', sa.Column('ends_at', sa.DateTime(), nullable=True))
    op.create_index('ix_blackout_dates_ends_at', 'blackout_dates', ['ends_at'], unique=False)


def _downgrade_blackout_times() -> None:
    """Drop the columns."""
    op.drop_index('ix_blackout_dates_ends_at', table_name='blackout_dates')
    op.drop_column('blackout_dates', 'ends_at')
    op.drop_column('blackout_dates', 'starts_at')
