"""outbox retention: outbox.compacted_at and the partial index of the rows retention may still prune

Revision ID: outbox_retention
Revises: hot_matters_page
Create Date: 2026-12-07 01:00:00
"""
import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision = 'outbox_retention'
down_revision = 'hot_matters_page'
branch_labels = None
depends_on = None

PRUNABLE = sa.text("state IN ('sent', 'cancelled') AND compacted_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('compacted_at', UTCDateTime(timezone=True), nullable=True))
    op.create_index('ix_outbox_prunable', 'outbox', ['city_id', 'created_at', 'id'], unique=False,
                    postgresql_where=PRUNABLE, sqlite_where=PRUNABLE)


def downgrade() -> None:
    op.drop_index('ix_outbox_prunable', table_name='outbox')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('compacted_at')
