"""unit_names: the names a unit had before a rename (docs/admin.md, 单位)

Revision ID: org_units_admin
Revises: hot_matters
Create Date: 2026-12-02 16:03:55.961854
"""
from alembic import op
import sqlalchemy as sa
import hotline.db


revision = 'org_units_admin'
down_revision = 'hot_matters'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('unit_names',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('valid_from', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('valid_to', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id', 'unit_id'], ['units.city_id', 'units.id'], name='fk_unit_names_unit_id_units'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_unit_names_city_id_cities')),
    sa.PrimaryKeyConstraint('city_id', 'id', name='pk_unit_names')
    )
    with op.batch_alter_table('unit_names', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_names_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_names_unit_id'), ['unit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('unit_names', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_names_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_names_city_id'))

    op.drop_table('unit_names')
