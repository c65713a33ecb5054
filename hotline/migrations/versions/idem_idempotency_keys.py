"""idempotency keys; external_id unique per channel

Revision ID: idem_idempotency_keys
Revises: 4380d4f4a15c
Create Date: 2026-12-01 20:40:00+00:00
"""
from alembic import op
import sqlalchemy as sa
import hotline.db


revision = 'idem_idempotency_keys'
down_revision = '4380d4f4a15c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('media_type', sa.String(length=100), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('order_number', sa.String(length=32), nullable=True),
    sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('client', 'key', name='uq_idempotency_keys_client_key')
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index('ix_idempotency_keys_expires_at', ['expires_at'], unique=False)
    # Existing duplicates (same channel and external id) must be resolved before this runs.
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_orders_channel_external_id', ['channel', 'external_id'])


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint('uq_orders_channel_external_id', type_='unique')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_idempotency_keys_expires_at')
    op.drop_table('idempotency_keys')
