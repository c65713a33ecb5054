"""cities: one provincial platform for many cities; city_id on every city-owned table

Moves a single-city database to the new shape without loss: creates the ``cities`` table,
the city row from the configured city file (``HOTLINE_CITY_FILE``, the demo city when unset),
fills ``city_id`` on every row of every city-owned table, and makes the uniques per city
(unit code, category code, order number, the order-number counter, routing model version,
knowledge key, call id, idempotency key, channel + external id).

On SQLite the tables are rebuilt with foreign keys off (``hotline/migrations/env.py``), so no
``ON DELETE CASCADE`` fires while a parent table is copied; ``PRAGMA foreign_key_check`` runs
at the end and refuses to finish on a broken reference.

Revision ID: cities_tenancy
Revises: replies_scores_flags
Create Date: 2026-12-01 23:55:00
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import hotline.db

revision = 'cities_tenancy'
down_revision = 'replies_scores_flags'
branch_labels = None
depends_on = None

# Every table of the previous head; all of them belong to a city.
OWNED = [
    'categories', 'idempotency_keys', 'order_number_counters', 'routing_models', 'text_postings', 'units',
    'knowledge_entries', 'users', 'accountability', 'api_tokens', 'audit_log', 'call_events', 'call_records',
    'knowledge_versions', 'login_sessions', 'orders', 'webhook_subscriptions', 'accountability_orders',
    'assignments', 'attachments', 'callback_opt_outs', 'callback_tasks', 'dup_docs', 'dup_postings',
    'notifications', 'order_events', 'order_requests', 'outbox', 'repeat_links', 'replies', 'routing_decisions',
    'sla_alerts', 'supervisions', 'evaluations', 'kpi_assignment_limits', 'webhook_attempts', 'unit_requests',
    'reply_scores', 'reply_flags',
]
# (table, old unique name, old columns, new unique name, new columns)
UNIQUES = [
    ('units', 'uq_units_code', ['code'], 'uq_units_city_code', ['city_id', 'code']),
    ('orders', 'uq_orders_number', ['number'], 'uq_orders_city_number', ['city_id', 'number']),
    ('orders', 'uq_orders_channel_external_id', ['channel', 'external_id'],
     'uq_orders_city_channel_external_id', ['city_id', 'channel', 'external_id']),
    ('routing_models', 'uq_routing_models_version', ['version'], 'uq_routing_models_city_version',
     ['city_id', 'version']),
    ('knowledge_entries', 'uq_knowledge_entries_external_key', ['external_key'],
     'uq_knowledge_entries_city_external_key', ['city_id', 'external_key']),
    ('call_records', 'uq_call_records_call_id', ['call_id'], 'uq_call_records_city_call_id', ['city_id', 'call_id']),
    ('idempotency_keys', 'uq_idempotency_keys_client_key', ['client', 'key'], 'uq_idempotency_keys_city_client_key',
     ['city_id', 'client', 'key']),
]
# (table, old primary key columns): the key gains city_id in front
PRIMARY_KEYS = [('categories', ['code']), ('order_number_counters', ['day'])]


def _configured_city() -> dict[str, object]:
    from hotline.city.loader import DEMO_CITY, file_ref, load_city
    from hotline.city.tenancy import file_hash
    from hotline.config import get_settings

    path = get_settings().city_file or str(DEMO_CITY)
    city = load_city(path).city
    return {'code': city.code, 'name': city.name, 'kind': 'city', 'timezone': city.timezone,
            'order_number_prefix': city.order_number_prefix, 'file': file_ref(path), 'file_hash': file_hash(path),
            'created_at': datetime.now(UTC)}


def upgrade() -> None:
    cities = op.create_table(
        'cities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.Column('order_number_prefix', sa.String(length=16), nullable=False),
        sa.Column('file', sa.String(length=512), nullable=True),
        sa.Column('file_hash', sa.String(length=64), nullable=True),
        sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cities')),
        sa.UniqueConstraint('code', name=op.f('uq_cities_code')),
    )
    bind = op.get_bind()
    op.bulk_insert(cities, [_configured_city()])
    city_id = bind.execute(sa.text("select min(id) from cities")).scalar_one()

    for table in OWNED:
        with op.batch_alter_table(table) as b:
            b.add_column(sa.Column('city_id', sa.Integer(), nullable=True))
        op.execute(sa.text(f"update {table} set city_id = :c").bindparams(c=city_id))

    pk_changes = dict(PRIMARY_KEYS)
    for table in OWNED:
        with op.batch_alter_table(table, recreate='auto') as b:
            b.alter_column('city_id', existing_type=sa.Integer(), nullable=False)
            b.create_index(f'ix_{table}_city_id', ['city_id'], unique=False)
            b.create_foreign_key(f'fk_{table}_city_id_cities', 'cities', ['city_id'], ['id'])
            for t, old, _cols, new, new_cols in UNIQUES:
                if t == table:
                    b.drop_constraint(old, type_='unique')
                    b.create_unique_constraint(new, new_cols)
            if table in pk_changes:
                b.drop_constraint(f'pk_{table}', type_='primary')
                b.create_primary_key(f'pk_{table}', ['city_id', *pk_changes[table]])

    if bind.dialect.name == 'sqlite':
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken after the rebuild: {broken[:5]}")


def downgrade() -> None:
    """Back to one city: refused while the database holds more than one city's rows."""
    bind = op.get_bind()
    n = bind.execute(sa.text("select count(*) from cities")).scalar_one()
    if n > 1:
        raise RuntimeError("more than one city in this database; a single-city schema cannot hold them")
    pk_changes = dict(PRIMARY_KEYS)
    for table in OWNED:
        with op.batch_alter_table(table, recreate='auto') as b:
            if table in pk_changes:
                b.drop_constraint(f'pk_{table}', type_='primary')
                b.create_primary_key(f'pk_{table}', pk_changes[table])
            for t, old, cols, new, _new_cols in UNIQUES:
                if t == table:
                    b.drop_constraint(new, type_='unique')
                    b.create_unique_constraint(old, cols)
            b.drop_constraint(f'fk_{table}_city_id_cities', type_='foreignkey')
            b.drop_index(f'ix_{table}_city_id')
            b.drop_column('city_id')
    op.drop_table('cities')
