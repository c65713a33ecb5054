"""the /hotspots page's two reads by index: the hottest active matters of a kind, and the last re-grouping

Revision ID: hot_matters_page
Revises: kpi_daily_facts
Create Date: 2026-12-06 21:30:00
"""
from alembic import op


revision = 'hot_matters_page'
down_revision = 'kpi_daily_facts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hot_matters', schema=None) as batch_op:
        batch_op.create_index('ix_hot_matters_listing', ['city_id', 'kind', 'active', 'heat'], unique=False)
        batch_op.create_index('ix_hot_matters_refreshed', ['city_id', 'refreshed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('hot_matters', schema=None) as batch_op:
        batch_op.drop_index('ix_hot_matters_refreshed')
        batch_op.drop_index('ix_hot_matters_listing')
