"""kpi limit facts keep the first completion deadline (批准延期不计超时 can be switched off)

Revision ID: kpi_first_due
Revises: governance_topics
Create Date: 2026-12-02 20:40:00
"""
from alembic import op
import sqlalchemy as sa
import hotline.db


revision = 'kpi_first_due'
down_revision = 'governance_topics'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kpi_assignment_limits') as batch_op:
        batch_op.add_column(sa.Column('first_due_at', hotline.db.UTCDateTime(), nullable=True))
    # the deadline of rows recorded before: the one they hold (an extension approved before cannot be told apart)
    op.execute("UPDATE kpi_assignment_limits SET first_due_at = due_at")


def downgrade() -> None:
    with op.batch_alter_table('kpi_assignment_limits') as batch_op:
        batch_op.drop_column('first_due_at')
