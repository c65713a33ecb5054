"""replies: suspected fake completions share reply_flags (kind, the citizen's words); site_checks

Issue #17 items 3-5: a flag is now of a kind (perfunctory | suspected_fake); a fake case has no
flagged reply of its own (reply_id nullable) but the reply that claimed it was solved
(claim_reply_id), what raised it (trigger, evaluation_id, repeat_order_id) and the citizen's words.
Existing flags become kind 'perfunctory' (server default).  site_checks: on-site checks by grid workers.

Revision ID: fake_completion_site_checks
Revises: cities_tenancy
Create Date: 2026-12-02 06:16:32
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.db

revision = 'fake_completion_site_checks'
down_revision = 'missed_calls_enterprise'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('site_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('observed_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('photo_ids', sa.JSON(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_site_checks_city_id_cities')),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_site_checks_done_by_id_users')),
    sa.ForeignKeyConstraint(['flag_id'], ['reply_flags.id'], name=op.f('fk_site_checks_flag_id_reply_flags')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_site_checks_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_site_checks_requested_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_site_checks_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_checks'))
    )
    with op.batch_alter_table('site_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_checks_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_checks_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_site_checks_unit_state', ['unit_id', 'state'], unique=False)

    with op.batch_alter_table('reply_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=24), server_default='perfunctory', nullable=False))
        batch_op.add_column(sa.Column('claim_reply_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('trigger', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('evaluation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('repeat_order_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('citizen_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('recording_note', sa.Text(), nullable=True))
        batch_op.alter_column('reply_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_reply_flags_claim_reply_id'), ['claim_reply_id'], unique=False)
        batch_op.create_index('ix_reply_flags_kind_unit', ['kind', 'unit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_reply_flags_evaluation_id_evaluations'), 'evaluations', ['evaluation_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_reply_flags_claim_reply_id_replies'), 'replies', ['claim_reply_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_reply_flags_repeat_order_id_orders'), 'orders', ['repeat_order_id'], ['id'], ondelete='CASCADE')



def downgrade() -> None:
    # suspected fake completions have no reply_id of their own: they cannot live in the older table
    op.execute(sa.text("delete from reply_flags where reply_id is null"))
    with op.batch_alter_table('reply_flags', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reply_flags_repeat_order_id_orders'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_reply_flags_claim_reply_id_replies'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_reply_flags_evaluation_id_evaluations'), type_='foreignkey')
        batch_op.drop_index('ix_reply_flags_kind_unit')
        batch_op.drop_index(batch_op.f('ix_reply_flags_claim_reply_id'))
        batch_op.alter_column('reply_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('recording_note')
        batch_op.drop_column('citizen_text')
        batch_op.drop_column('repeat_order_id')
        batch_op.drop_column('evaluation_id')
        batch_op.drop_column('trigger')
        batch_op.drop_column('claim_reply_id')
        batch_op.drop_column('kind')

    with op.batch_alter_table('site_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_site_checks_unit_state')
        batch_op.drop_index(batch_op.f('ix_site_checks_order_id'))
        batch_op.drop_index(batch_op.f('ix_site_checks_city_id'))

    op.drop_table('site_checks')
