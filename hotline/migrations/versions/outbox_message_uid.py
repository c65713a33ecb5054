"""outbox: a stable id per message (outbox.uid), handed to gateways and receivers on every attempt

Revision ID: outbox_message_uid
Revises: idem_idempotency_keys
Create Date: 2026-12-01 20:20:00
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = 'outbox_message_uid'
down_revision = 'idem_idempotency_keys'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uid', sa.String(length=40), nullable=True))
    conn = op.get_bind()
    outbox = sa.table('outbox', sa.column('id', sa.Integer), sa.column('uid', sa.String))
    for (row_id,) in conn.execute(sa.select(outbox.c.id)).all():
        conn.execute(outbox.update().where(outbox.c.id == row_id).values(uid="msg_" + uuid.uuid4().hex))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('uid', existing_type=sa.String(length=40), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_uid'), ['uid'])


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_outbox_uid'), type_='unique')
        batch_op.drop_column('uid')
