"""images: attachments on posts and stories, media uploaded per delivery part, and Bluesky link cards

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables and one nullable column: no table is rebuilt, so the log's append-only triggers stay in place.
    op.add_column('posts', sa.Column('link_card', sa.JSON(), nullable=True))
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('story_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('mime', sa.String(length=20), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('alt', sa.Text(), nullable=False),
    sa.Column('decorative', sa.Boolean(), nullable=False),
    sa.Column('people', sa.String(length=10), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('worst_finding', sa.String(length=10), nullable=True),
    sa.Column('added_by', sa.String(length=320), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_attachments_post_id_posts')),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_attachments_story_id_stories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('post_id', 'position', name='uq_attachments_post_position'),
    sa.UniqueConstraint('story_id', 'position', name='uq_attachments_story_position')
    )
    op.create_index('ix_attachments_digest', 'attachments', ['digest'], unique=False)
    op.create_table('delivery_media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('remote_id', sa.String(length=300), nullable=False),
    sa.Column('ref', sa.JSON(), nullable=True),
    sa.Column('alt', sa.Text(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_delivery_media_delivery_id_deliveries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_media')),
    sa.UniqueConstraint('delivery_id', 'number', 'position', name='uq_delivery_media_part_position')
    )


def downgrade() -> None:
    op.drop_table('delivery_media')
    op.drop_index('ix_attachments_digest', table_name='attachments')
    op.drop_table('attachments')
    with op.batch_alter_table('posts') as batch:
        batch.drop_column('link_card')
