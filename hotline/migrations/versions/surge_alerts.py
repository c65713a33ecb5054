"""surge alerts

Revision ID: surge_alerts
Revises: catalogue_versions
Create Date: 2026-12-02 20:10:00
"""
from alembic import op
import sqlalchemy as sa
import hotline.db


revision = 'surge_alerts'
down_revision = 'monthly_reports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('surge_alerts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('series_key', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category_code', sa.String(length=32), nullable=True),
    sa.Column('territory_unit_id', sa.Integer(), nullable=True),
    sa.Column('hot_matter_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('observed', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Float(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('p_value', sa.Float(), nullable=False),
    sa.Column('order_ids', sa.JSON(), nullable=False),
    sa.Column('series', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_label', sa.String(length=128), nullable=True),
    sa.Column('decided_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id', 'decided_by_id'], ['users.city_id', 'users.id'], name='fk_surge_alerts_decided_by_id_users'),
    sa.ForeignKeyConstraint(['city_id', 'territory_unit_id'], ['units.city_id', 'units.id'], name='fk_surge_alerts_territory_unit_id_units'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_surge_alerts_city_id_cities')),
    sa.PrimaryKeyConstraint('city_id', 'id', name='pk_surge_alerts'),
    sa.UniqueConstraint('city_id', 'series_key', 'day', name='uq_surge_alerts_series_day')
    )
    with op.batch_alter_table('surge_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surge_alerts_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_surge_alerts_day'), ['day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('surge_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surge_alerts_day'))
        batch_op.drop_index(batch_op.f('ix_surge_alerts_city_id'))
    op.drop_table('surge_alerts')
