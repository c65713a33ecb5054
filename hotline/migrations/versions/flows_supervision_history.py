"""supervisions.history: one open 督办 per order, raised in level, with its history

Revision ID: flows_supervision_history
Revises: outbox_message_uid
Create Date: 2026-12-01 20:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'flows_supervision_history'
down_revision = 'outbox_message_uid'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('history', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.drop_column('history')
