"""notifications: an index on read_at, for the in-console inbox's retention

Why: ``hotline.outbox.inbox_retention`` deletes the notifications read before a cut-off, oldest first,
in batches; without an index each batch would read the whole table.

Revision ID: notifications_read_at
Revises: orders_pending_extension
Create Date: 2026-12-07 15:20:00
"""
from alembic import op

revision = 'notifications_read_at'
down_revision = 'orders_pending_extension'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_notifications_read_at', 'notifications', ['read_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notifications_read_at', table_name='notifications')
