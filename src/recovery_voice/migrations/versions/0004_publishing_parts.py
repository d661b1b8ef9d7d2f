"""publishing to every network: thread parts, record keys, deletions, rate-limit state and reused sessions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only nullable columns and new tables: plain ALTER TABLE ADD COLUMN on both databases, no table rebuilt.
    op.add_column('accounts', sa.Column('session', sa.Text(), nullable=True))
    op.add_column('deliveries', sa.Column('remote_key', sa.String(length=40), nullable=True))
    op.add_column('deliveries', sa.Column('deletion', sa.String(length=20), nullable=True))
    op.add_column('deliveries', sa.Column('deletion_reason', sa.Text(), nullable=True))
    op.create_table('rate_limits',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=True),
    sa.Column('reset_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_rate_limits_account_id_accounts')),
    sa.PrimaryKeyConstraint('account_id', 'action', name=op.f('pk_rate_limits'))
    )
    op.create_table('delivery_parts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('remote_id', sa.String(length=300), nullable=False),
    sa.Column('remote_cid', sa.String(length=100), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_delivery_parts_delivery_id_deliveries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_parts')),
    sa.UniqueConstraint('delivery_id', 'number', name='uq_delivery_parts_delivery_number')
    )
    op.create_index('ix_deliveries_deletion', 'deliveries', ['deletion'], unique=False)
    _give_unsent_deliveries_a_key()


def _give_unsent_deliveries_a_key() -> None:
    """Deliveries queued before this version get their record key now, as new ones do when they are made."""
    from recovery_voice.publishers.tid import new_tid

    deliveries = sa.table('deliveries', sa.column('id', sa.Integer), sa.column('status', sa.String),
                          sa.column('remote_key', sa.String))
    connection = op.get_bind()
    unsent = connection.execute(sa.select(deliveries.c.id).where(
        deliveries.c.status.in_(('pending', 'scheduled', 'claimed', 'paused')))).scalars().all()
    for delivery_id in unsent:
        connection.execute(deliveries.update().where(deliveries.c.id == delivery_id).values(remote_key=new_tid()))


def downgrade() -> None:
    op.drop_index('ix_deliveries_deletion', table_name='deliveries')
    op.drop_table('delivery_parts')
    op.drop_table('rate_limits')
    with op.batch_alter_table('deliveries') as batch:
        batch.drop_column('deletion_reason')
        batch.drop_column('deletion')
        batch.drop_column('remote_key')
    with op.batch_alter_table('accounts') as batch:
        batch.drop_column('session')
