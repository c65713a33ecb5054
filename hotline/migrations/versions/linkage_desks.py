"""linkage: 12345–110/119/120/122 desks, hand-offs both ways, three-party calls (issue #19 item 3)

City-owned tables keyed like every other since citus_keys: primary key (city_id, id), composite
foreign keys (city_id, x_id) → parent (city_id, id); the receipt number is unique per city, desk
and direction (an inbound demand is taken once).

Revision ID: linkage_desks
Revises: citus_keys
Create Date: 2026-12-02 16:06:20
"""
from alembic import op
import sqlalchemy as sa
import hotline.db


revision = 'linkage_desks'
down_revision = 'citus_keys'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('linkage_desks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('desk', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=128), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id', 'user_id'], ['users.city_id', 'users.id'], name='fk_linkage_desks_user_id_users'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_linkage_desks_city_id_cities')),
    sa.PrimaryKeyConstraint('city_id', 'id', name='pk_linkage_desks'),
    sa.UniqueConstraint('city_id', 'desk', name='uq_linkage_desks_city_desk')
    )
    with op.batch_alter_table('linkage_desks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linkage_desks_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_linkage_desks_user_id'), ['user_id'], unique=False)

    op.create_table('linkage_calls',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('desk', sa.String(length=8), nullable=False),
    sa.Column('started_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('participants', sa.String(length=500), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recording_ref', sa.String(length=200), nullable=True),
    sa.Column('recorded_by', sa.String(length=160), nullable=False),
    sa.Column('recorded_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id', 'order_id'], ['orders.city_id', 'orders.id'], name='fk_linkage_calls_order_id_orders', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_linkage_calls_city_id_cities')),
    sa.PrimaryKeyConstraint('city_id', 'id', name='pk_linkage_calls')
    )
    with op.batch_alter_table('linkage_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linkage_calls_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_linkage_calls_order_id'), ['order_id'], unique=False)

    op.create_table('linkage_handoffs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('desk', sa.String(length=8), nullable=False),
    sa.Column('direction', sa.String(length=4), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('sent_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_by', sa.String(length=160), nullable=False),
    sa.Column('desk_receipt', sa.String(length=64), nullable=True),
    sa.Column('ack_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ack_by', sa.String(length=64), nullable=True),
    sa.Column('desk_status', sa.String(length=16), nullable=True),
    sa.Column('desk_status_text', sa.Text(), nullable=True),
    sa.Column('desk_status_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('shared_until_closed', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id', 'order_id'], ['orders.city_id', 'orders.id'], name='fk_linkage_handoffs_order_id_orders', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_linkage_handoffs_city_id_cities')),
    sa.PrimaryKeyConstraint('city_id', 'id', name='pk_linkage_handoffs'),
    sa.UniqueConstraint('city_id', 'desk', 'direction', 'desk_receipt', name='uq_linkage_handoffs_receipt')
    )
    with op.batch_alter_table('linkage_handoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linkage_handoffs_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_linkage_handoffs_order_id'), ['order_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('linkage_handoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linkage_handoffs_order_id'))
        batch_op.drop_index(batch_op.f('ix_linkage_handoffs_city_id'))

    op.drop_table('linkage_handoffs')
    with op.batch_alter_table('linkage_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linkage_calls_order_id'))
        batch_op.drop_index(batch_op.f('ix_linkage_calls_city_id'))

    op.drop_table('linkage_calls')
    with op.batch_alter_table('linkage_desks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linkage_desks_user_id'))
        batch_op.drop_index(batch_op.f('ix_linkage_desks_city_id'))

    op.drop_table('linkage_desks')
