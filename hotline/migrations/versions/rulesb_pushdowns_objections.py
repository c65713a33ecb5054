"""push-downs (下沉派单) and dispatch objections (派单异议) on unit_requests

Revision ID: rulesb_pushdowns_objections
Revises: cities_tenancy
Create Date: 2026-12-02 06:20:00
"""
from alembic import op
import sqlalchemy as sa
import hotline.db


revision = 'rulesb_pushdowns_objections'
down_revision = 'org_people_admin'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pushdowns',
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('category_code', sa.String(length=32), nullable=True),
    sa.Column('catalogue_units', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('dispatcher_id', sa.Integer(), nullable=True),
    sa.Column('auto', sa.Boolean(), nullable=False),
    sa.Column('at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_pushdowns_city_id_cities')),
    sa.ForeignKeyConstraint(['dispatcher_id'], ['users.id'], name=op.f('fk_pushdowns_dispatcher_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_pushdowns_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_pushdowns_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_pushdowns_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pushdowns'))
    )
    with op.batch_alter_table('pushdowns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pushdowns_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pushdowns_dispatcher_id'), ['dispatcher_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pushdowns_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_pushdowns_state', ['state'], unique=False)
        batch_op.create_index('ix_pushdowns_unit_at', ['unit_id', 'at'], unique=False)

    with op.batch_alter_table('unit_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('basis', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('category_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('proposed_unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decide_by', hotline.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('change_state', sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_unit_requests_proposed_unit_id_units'), 'units',
                                    ['proposed_unit_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('unit_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_unit_requests_proposed_unit_id_units'), type_='foreignkey')
        batch_op.drop_column('change_state')
        batch_op.drop_column('decide_by')
        batch_op.drop_column('proposed_unit_id')
        batch_op.drop_column('category_code')
        batch_op.drop_column('basis')
    with op.batch_alter_table('pushdowns', schema=None) as batch_op:
        batch_op.drop_index('ix_pushdowns_unit_at')
        batch_op.drop_index('ix_pushdowns_state')
        batch_op.drop_index(batch_op.f('ix_pushdowns_order_id'))
        batch_op.drop_index(batch_op.f('ix_pushdowns_dispatcher_id'))
        batch_op.drop_index(batch_op.f('ix_pushdowns_city_id'))
    op.drop_table('pushdowns')
