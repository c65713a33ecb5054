"""transfers between cities (转办)

Revision ID: transfers_between_cities
Revises: cities_tenancy
Create Date: 2026-12-02 06:20:00
"""
from alembic import op
import sqlalchemy as sa
import hotline.db


revision = 'transfers_between_cities'
down_revision = 'fake_completion_site_checks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_order_id', sa.Integer(), nullable=False),
    sa.Column('from_number', sa.String(length=32), nullable=False),
    sa.Column('to_city_id', sa.Integer(), nullable=False),
    sa.Column('to_desk', sa.String(length=16), nullable=False),
    sa.Column('to_order_id', sa.Integer(), nullable=True),
    sa.Column('to_number', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('requested_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sa.String(length=160), nullable=False),
    sa.Column('due_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=160), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('overdue_noticed_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_transfers_city_id_cities')),
    sa.ForeignKeyConstraint(['from_order_id'], ['orders.id'], name=op.f('fk_transfers_from_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_city_id'], ['cities.id'], name=op.f('fk_transfers_to_city_id_cities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfers'))
    )
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfers_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_from_order_id'), ['from_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_to_city_id'), ['to_city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_to_order_id'), ['to_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_to_number'), ['to_number'], unique=False)
        batch_op.create_index('ix_transfers_to_city_state', ['to_city_id', 'state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_transfers_to_city_state')
        batch_op.drop_index(batch_op.f('ix_transfers_to_number'))
        batch_op.drop_index(batch_op.f('ix_transfers_to_order_id'))
        batch_op.drop_index(batch_op.f('ix_transfers_to_city_id'))
        batch_op.drop_index(batch_op.f('ix_transfers_from_order_id'))
        batch_op.drop_index(batch_op.f('ix_transfers_city_id'))
    op.drop_table('transfers')
