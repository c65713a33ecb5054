"""orders: a partial index of the orders with a pending extension request (the queue's 延期申请 section)

Why: the section reads ``pending_extension IS true`` of the city's orders in intake order; with no index
on the flag the query walked every order of the city (about 6 ms of the demo's 63 ms ``/queue``, and a scan
that grows with the table on a large city; issue #20 item 7).  Only the few pending rows are indexed.

Revision ID: orders_pending_extension
Revises: outbox_retention
Create Date: 2026-12-07 14:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'orders_pending_extension'
down_revision = 'outbox_retention'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_orders_pending_extension', 'orders', ['city_id', 'created_at'], unique=False,
                    sqlite_where=sa.text("pending_extension IS 1"),
                    postgresql_where=sa.text("pending_extension IS true"))


def downgrade() -> None:
    op.drop_index('ix_orders_pending_extension', table_name='orders')
