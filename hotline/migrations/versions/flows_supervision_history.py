"""supervisions.history: one open 督办 per order, raised in level, with its history

Revision ID: flows_supervision_history
Revises: 4380d4f4a15c
Create Date: 2026-12-01 20:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'flows_supervision_history'
down_revision = '4380d4f4a15c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('history', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.drop_column('history')
