"""one open 每月一题 project per hot matter, enforced by the database (two leaders clicking at once)

Revision ID: governance_open_matter
Revises: kpi_first_due
Create Date: 2026-12-03 11:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'governance_open_matter'
down_revision = 'kpi_first_due'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('uq_governance_projects_open_matter', 'governance_projects', ['city_id', 'hot_matter_id'],
                    unique=True, postgresql_where=sa.text('completed_at IS NULL AND hot_matter_id IS NOT NULL'),
                    sqlite_where=sa.text('completed_at IS NULL AND hot_matter_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('uq_governance_projects_open_matter', table_name='governance_projects')
