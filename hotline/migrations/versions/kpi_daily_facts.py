"""the daily KPI facts: kpi_daily_facts, kpi_fact_days, kpi_dirty_days (hotline.kpi.daily, docs/kpi.md §7)

Revision ID: kpi_daily_facts
Revises: governance_open_matter
Create Date: 2026-12-06 21:00:00
"""
from alembic import op
import sqlalchemy as sa
import hotline.db


revision = 'kpi_daily_facts'
down_revision = 'governance_open_matter'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kpi_daily_facts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('n1', sa.Integer(), nullable=False),
    sa.Column('n2', sa.Integer(), nullable=False),
    sa.Column('n3', sa.Integer(), nullable=False),
    sa.Column('n4', sa.Integer(), nullable=False),
    sa.Column('n5', sa.Integer(), nullable=False),
    sa.Column('n6', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_kpi_daily_facts_city_id_cities')),
    sa.PrimaryKeyConstraint('city_id', 'day', 'kind', 'unit_id', 'code', name='pk_kpi_daily_facts')
    )
    with op.batch_alter_table('kpi_daily_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_daily_facts_city_id'), ['city_id'], unique=False)
    op.create_table('kpi_fact_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('rules', sa.String(length=200), nullable=False),
    sa.Column('computed_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_kpi_fact_days_city_id_cities')),
    sa.PrimaryKeyConstraint('city_id', 'day', name='pk_kpi_fact_days')
    )
    with op.batch_alter_table('kpi_fact_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_fact_days_city_id'), ['city_id'], unique=False)
    op.create_table('kpi_dirty_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('clean', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_kpi_dirty_days_city_id_cities')),
    sa.PrimaryKeyConstraint('city_id', 'day', name='pk_kpi_dirty_days')
    )
    with op.batch_alter_table('kpi_dirty_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_dirty_days_city_id'), ['city_id'], unique=False)


def downgrade() -> None:
    for t in ('kpi_dirty_days', 'kpi_fact_days', 'kpi_daily_facts'):
        with op.batch_alter_table(t, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{t}_city_id'))
        op.drop_table(t)
