"""live settings versions (settings_versions: the sla and kpi blocks of a city, versioned)

Revision ID: city_settings_versions
Revises: linkage_desks
Create Date: 2026-12-02 16:09:01.900508
"""
from alembic import op
import sqlalchemy as sa
import hotline.db


revision = 'city_settings_versions'
down_revision = 'linkage_desks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('settings_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('block', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_label', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('rolled_back_from', sa.Integer(), nullable=True),
    sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id', 'author_id'], ['users.city_id', 'users.id'], name='fk_settings_versions_author_id_users'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_settings_versions_city_id_cities')),
    sa.PrimaryKeyConstraint('city_id', 'id', name='pk_settings_versions'),
    sa.UniqueConstraint('city_id', 'block', 'version', name='uq_settings_versions_block_version')
    )
    with op.batch_alter_table('settings_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settings_versions_city_id'), ['city_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('settings_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settings_versions_city_id'))

    op.drop_table('settings_versions')
