"""citus_keys: every city-owned key carries city_id, so the data can be distributed by city

The primary key of every city-owned table becomes ``(city_id, id)`` (or ``(city_id, <natural
key>)``), every foreign key between city-owned tables becomes ``(city_id, x_id) → parent
(city_id, id)`` under its old name, and the uniques that did not name the city get it
(``docs/scale.md``, "Mapping to Citus").  Foreign keys to ``cities`` stay: it is the reference
table.  ``users.username`` stays unique across the province (one login).  No row changes: the
ids already come from one sequence (rowid) per table, so nothing collides.

- PostgreSQL: constraint swaps — the foreign keys are dropped, the primary keys and uniques
  replaced, the foreign keys added back composite (and checked: a row pointing at another
  city's row would stop the upgrade).  The ids' sequences stay the columns' defaults.
- SQLite: each table is rebuilt in batch mode with foreign keys off (``env.py``).  There a
  key ``(city_id, id)`` is written ``PRIMARY KEY (id), UNIQUE (city_id, id)``
  (``hotline.city.tenancy``): ``id`` stays the rowid alias that hands out ids, and the unique
  pair is what the composite foreign keys reference.  ``PRAGMA foreign_key_check`` at the end.

Two ``ON DELETE SET NULL`` keys (``outbox.order_id``, ``webhook_attempts.subscription_id``)
lose the action: on a composite key it would clear ``city_id`` too.  Orders are never deleted;
deleting a webhook subscription clears its attempts' reference in the flow.

Revision ID: citus_keys
Revises: worklists_phrases (it runs after the tables of issues #17–#20, so it keys them too)
Create Date: 2026-12-02 06:30:00
"""
from __future__ import annotations

from alembic import op

revision = 'citus_keys'
down_revision = 'worklists_phrases'
branch_labels = None
depends_on = None

# (table, old primary key columns): city_id goes in front.  categories and
# order_number_counters have had (city_id, …) since cities_tenancy.
PRIMARY_KEYS = [
    ('accountability', ['id']),
    ('accountability_orders', ['accountability_id', 'order_id']),
    ('api_tokens', ['id']),
    ('assignments', ['id']),
    ('attachments', ['id']),
    ('audit_log', ['id']),
    ('call_events', ['id']),
    ('call_records', ['id']),
    ('callback_opt_outs', ['order_id']),
    ('callback_tasks', ['id']),
    ('dup_docs', ['order_id']),
    ('dup_postings', ['token', 'created_at', 'order_id']),
    ('evaluations', ['id']),
    ('idempotency_keys', ['id']),
    ('knowledge_entries', ['id']),
    ('knowledge_versions', ['id']),
    ('kpi_assignment_limits', ['assignment_id']),
    ('login_sessions', ['id']),
    ('notifications', ['id']),
    ('order_events', ['id']),
    ('order_requests', ['id']),
    ('orders', ['id']),
    ('outbox', ['id']),
    ('repeat_links', ['id']),
    ('replies', ['id']),
    ('reply_flags', ['id']),
    ('reply_scores', ['id']),
    ('routing_decisions', ['id']),
    ('routing_models', ['id']),
    ('sla_alerts', ['id']),
    ('supervisions', ['id']),
    ('text_postings', ['kind', 'token', 'doc_id']),
    ('unit_requests', ['id']),
    ('units', ['id']),
    ('users', ['id']),
    ('webhook_attempts', ['id']),
    ('webhook_subscriptions', ['id']),
    ('missed_call_attempts', ['id']),
    ('missed_calls', ['id']),
    ('pushdowns', ['id']),
    ('reply_templates', ['id']),
    ('saved_views', ['id']),
    ('site_checks', ['id']),
    ('transfers', ['id']),
]
# (table, constraint, column, parent table, ON DELETE before, ON DELETE after): the key
# (column) → parent (id) becomes (city_id, column) → parent (city_id, id), same name.
FOREIGN_KEYS = [
    ('accountability', 'fk_accountability_decided_by_id_users', 'decided_by_id', 'users', None, None),
    ('accountability', 'fk_accountability_unit_id_units', 'unit_id', 'units', None, None),
    ('accountability_orders', 'fk_accountability_orders_accountability_id_accountability', 'accountability_id', 'accountability', 'CASCADE', 'CASCADE'),
    ('accountability_orders', 'fk_accountability_orders_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('api_tokens', 'fk_api_tokens_user_id_users', 'user_id', 'users', 'CASCADE', 'CASCADE'),
    ('assignments', 'fk_assignments_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('assignments', 'fk_assignments_unit_id_units', 'unit_id', 'units', None, None),
    ('attachments', 'fk_attachments_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('attachments', 'fk_attachments_uploaded_by_id_users', 'uploaded_by_id', 'users', None, None),
    ('audit_log', 'fk_audit_log_actor_id_users', 'actor_id', 'users', None, None),
    ('call_events', 'fk_call_events_posted_by_id_users', 'posted_by_id', 'users', None, None),
    ('call_records', 'fk_call_records_agent_id_users', 'agent_id', 'users', None, None),
    ('callback_opt_outs', 'fk_callback_opt_outs_created_by_id_users', 'created_by_id', 'users', None, None),
    ('callback_opt_outs', 'fk_callback_opt_outs_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('callback_tasks', 'fk_callback_tasks_agent_id_users', 'agent_id', 'users', None, None),
    ('callback_tasks', 'fk_callback_tasks_decided_by_id_users', 'decided_by_id', 'users', None, None),
    ('callback_tasks', 'fk_callback_tasks_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('callback_tasks', 'fk_callback_tasks_unit_id_units', 'unit_id', 'units', None, None),
    ('dup_docs', 'fk_dup_docs_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('dup_postings', 'fk_dup_postings_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('evaluations', 'fk_evaluations_agent_id_users', 'agent_id', 'users', None, None),
    ('evaluations', 'fk_evaluations_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('evaluations', 'fk_evaluations_task_id_callback_tasks', 'task_id', 'callback_tasks', None, None),
    ('evaluations', 'fk_evaluations_unit_id_units', 'unit_id', 'units', None, None),
    ('knowledge_entries', 'fk_knowledge_entries_owner_unit_id_units', 'owner_unit_id', 'units', None, None),
    ('knowledge_versions', 'fk_knowledge_versions_edited_by_id_users', 'edited_by_id', 'users', None, None),
    ('knowledge_versions', 'fk_knowledge_versions_entry_id_knowledge_entries', 'entry_id', 'knowledge_entries', 'CASCADE', 'CASCADE'),
    ('knowledge_versions', 'fk_knowledge_versions_owner_unit_id_units', 'owner_unit_id', 'units', None, None),
    ('kpi_assignment_limits', 'fk_kpi_assignment_limits_assignment_id_assignments', 'assignment_id', 'assignments', 'CASCADE', 'CASCADE'),
    ('kpi_assignment_limits', 'fk_kpi_assignment_limits_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('kpi_assignment_limits', 'fk_kpi_assignment_limits_unit_id_units', 'unit_id', 'units', None, None),
    ('login_sessions', 'fk_login_sessions_user_id_users', 'user_id', 'users', 'CASCADE', 'CASCADE'),
    ('notifications', 'fk_notifications_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('notifications', 'fk_notifications_unit_id_units', 'unit_id', 'units', None, None),
    ('notifications', 'fk_notifications_user_id_users', 'user_id', 'users', 'CASCADE', 'CASCADE'),
    ('order_events', 'fk_order_events_actor_id_users', 'actor_id', 'users', None, None),
    ('order_events', 'fk_order_events_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('order_events', 'fk_order_events_unit_id_units', 'unit_id', 'units', None, None),
    ('order_requests', 'fk_order_requests_decided_by_id_users', 'decided_by_id', 'users', None, None),
    ('order_requests', 'fk_order_requests_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('order_requests', 'fk_order_requests_requested_by_id_users', 'requested_by_id', 'users', None, None),
    ('order_requests', 'fk_order_requests_unit_id_units', 'unit_id', 'units', None, None),
    ('orders', 'fk_orders_created_by_id_users', 'created_by_id', 'users', None, None),
    ('orders', 'fk_orders_lead_unit_id_units', 'lead_unit_id', 'units', None, None),
    ('orders', 'fk_orders_parent_id_orders', 'parent_id', 'orders', None, None),
    ('orders', 'fk_orders_subcentre_unit_id_units', 'subcentre_unit_id', 'units', None, None),
    ('orders', 'fk_orders_territory_unit_id_units', 'territory_unit_id', 'units', None, None),
    ('outbox', 'fk_outbox_order_id_orders', 'order_id', 'orders', 'SET NULL', None),
    ('repeat_links', 'fk_repeat_links_earlier_order_id_orders', 'earlier_order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('repeat_links', 'fk_repeat_links_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('replies', 'fk_replies_author_id_users', 'author_id', 'users', None, None),
    ('replies', 'fk_replies_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('replies', 'fk_replies_unit_id_units', 'unit_id', 'units', None, None),
    ('reply_flags', 'fk_reply_flags_answered_by_id_users', 'answered_by_id', 'users', None, None),
    ('reply_flags', 'fk_reply_flags_decided_by_id_users', 'decided_by_id', 'users', None, None),
    ('reply_flags', 'fk_reply_flags_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('reply_flags', 'fk_reply_flags_override_by_id_users', 'override_by_id', 'users', None, None),
    ('reply_flags', 'fk_reply_flags_reply_id_replies', 'reply_id', 'replies', 'CASCADE', 'CASCADE'),
    ('reply_flags', 'fk_reply_flags_unit_id_units', 'unit_id', 'units', None, None),
    ('reply_scores', 'fk_reply_scores_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('reply_scores', 'fk_reply_scores_reply_id_replies', 'reply_id', 'replies', 'CASCADE', 'CASCADE'),
    ('routing_decisions', 'fk_routing_decisions_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('sla_alerts', 'fk_sla_alerts_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('sla_alerts', 'fk_sla_alerts_unit_id_units', 'unit_id', 'units', None, None),
    ('supervisions', 'fk_supervisions_issued_by_id_users', 'issued_by_id', 'users', None, None),
    ('supervisions', 'fk_supervisions_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('supervisions', 'fk_supervisions_responded_by_id_users', 'responded_by_id', 'users', None, None),
    ('supervisions', 'fk_supervisions_unit_id_units', 'unit_id', 'units', None, None),
    ('unit_requests', 'fk_unit_requests_decided_by_id_users', 'decided_by_id', 'users', None, None),
    ('unit_requests', 'fk_unit_requests_evaluation_id_evaluations', 'evaluation_id', 'evaluations', None, None),
    ('unit_requests', 'fk_unit_requests_filed_by_id_users', 'filed_by_id', 'users', None, None),
    ('unit_requests', 'fk_unit_requests_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('unit_requests', 'fk_unit_requests_unit_id_units', 'unit_id', 'units', None, None),
    ('units', 'fk_units_parent_id_units', 'parent_id', 'units', None, None),
    ('users', 'fk_users_unit_id_units', 'unit_id', 'units', None, None),
    ('webhook_attempts', 'fk_webhook_attempts_message_id_outbox', 'message_id', 'outbox', 'CASCADE', 'CASCADE'),
    ('webhook_attempts', 'fk_webhook_attempts_subscription_id_webhook_subscriptions', 'subscription_id', 'webhook_subscriptions', 'SET NULL', None),
    ('webhook_subscriptions', 'fk_webhook_subscriptions_created_by_id_users', 'created_by_id', 'users', None, None),
    ('missed_call_attempts', 'fk_missed_call_attempts_agent_id_users', 'agent_id', 'users', None, None),
    ('missed_call_attempts', 'fk_missed_call_attempts_missed_call_id_missed_calls', 'missed_call_id', 'missed_calls', 'CASCADE', 'CASCADE'),
    ('missed_calls', 'fk_missed_calls_closed_by_id_users', 'closed_by_id', 'users', None, None),
    ('pushdowns', 'fk_pushdowns_dispatcher_id_users', 'dispatcher_id', 'users', None, None),
    ('pushdowns', 'fk_pushdowns_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('pushdowns', 'fk_pushdowns_reviewed_by_id_users', 'reviewed_by_id', 'users', None, None),
    ('pushdowns', 'fk_pushdowns_unit_id_units', 'unit_id', 'units', None, None),
    ('reply_flags', 'fk_reply_flags_evaluation_id_evaluations', 'evaluation_id', 'evaluations', 'CASCADE', 'CASCADE'),
    ('reply_flags', 'fk_reply_flags_claim_reply_id_replies', 'claim_reply_id', 'replies', 'CASCADE', 'CASCADE'),
    ('reply_flags', 'fk_reply_flags_repeat_order_id_orders', 'repeat_order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('reply_templates', 'fk_reply_templates_created_by_id_users', 'created_by_id', 'users', None, None),
    ('reply_templates', 'fk_reply_templates_unit_id_units', 'unit_id', 'units', None, None),
    ('saved_views', 'fk_saved_views_created_by_id_users', 'created_by_id', 'users', None, None),
    ('saved_views', 'fk_saved_views_owner_id_users', 'owner_id', 'users', 'CASCADE', 'CASCADE'),
    ('site_checks', 'fk_site_checks_done_by_id_users', 'done_by_id', 'users', None, None),
    ('site_checks', 'fk_site_checks_flag_id_reply_flags', 'flag_id', 'reply_flags', None, None),
    ('site_checks', 'fk_site_checks_order_id_orders', 'order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('site_checks', 'fk_site_checks_requested_by_id_users', 'requested_by_id', 'users', None, None),
    ('site_checks', 'fk_site_checks_unit_id_units', 'unit_id', 'units', None, None),
    ('transfers', 'fk_transfers_from_order_id_orders', 'from_order_id', 'orders', 'CASCADE', 'CASCADE'),
    ('unit_requests', 'fk_unit_requests_proposed_unit_id_units', 'proposed_unit_id', 'units', None, None),
]
# (table, old unique, old columns, new unique, new columns)
UNIQUES = [
    ('api_tokens', 'uq_api_tokens_token_hash', ['token_hash'], 'uq_api_tokens_city_token_hash', ['city_id', 'token_hash']),
    ('callback_tasks', 'uq_callback_tasks_order_round', ['order_id', 'round'], 'uq_callback_tasks_city_order_round', ['city_id', 'order_id', 'round']),
    ('evaluations', 'uq_evaluations_task_id', ['task_id'], 'uq_evaluations_city_task_id', ['city_id', 'task_id']),
    ('knowledge_versions', 'uq_knowledge_versions_entry_number', ['entry_id', 'number'], 'uq_knowledge_versions_city_entry_number', ['city_id', 'entry_id', 'number']),
    ('notifications', 'uq_notifications_outbox_id', ['outbox_id'], 'uq_notifications_city_outbox_id', ['city_id', 'outbox_id']),
    ('outbox', 'uq_outbox_dedupe_key', ['dedupe_key'], 'uq_outbox_city_dedupe_key', ['city_id', 'dedupe_key']),
    ('outbox', 'uq_outbox_uid', ['uid'], 'uq_outbox_city_uid', ['city_id', 'uid']),
    ('reply_flags', 'uq_reply_flags_reply_id', ['reply_id'], 'uq_reply_flags_city_reply_id', ['city_id', 'reply_id']),
    ('reply_scores', 'uq_reply_scores_reply_id', ['reply_id'], 'uq_reply_scores_city_reply_id', ['city_id', 'reply_id']),
    ('routing_decisions', 'uq_routing_decisions_order_id', ['order_id'], 'uq_routing_decisions_city_order_id', ['city_id', 'order_id']),
    ('sla_alerts', 'uq_sla_alerts_key', ['order_id', 'kind', 'due_at'], 'uq_sla_alerts_key', ['city_id', 'order_id', 'kind', 'due_at']),
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        _sqlite(up=True)
        return
    for table, name, _col, _parent, _old, _new in FOREIGN_KEYS:
        op.drop_constraint(name, table, type_='foreignkey')
    for table, pk in PRIMARY_KEYS:
        op.drop_constraint(f'pk_{table}', table, type_='primary')
        op.create_primary_key(f'pk_{table}', table, ['city_id', *pk])
    for table, old, _cols, new, new_cols in UNIQUES:
        op.drop_constraint(old, table, type_='unique')
        op.create_unique_constraint(new, table, new_cols)
    for table, name, col, parent, _old, new in FOREIGN_KEYS:
        op.create_foreign_key(name, table, parent, ['city_id', col], ['city_id', 'id'], ondelete=new)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        _sqlite(up=False)
        return
    for table, name, _col, _parent, _old, _new in FOREIGN_KEYS:
        op.drop_constraint(name, table, type_='foreignkey')
    for table, old, cols, new, _new_cols in UNIQUES:
        op.drop_constraint(new, table, type_='unique')
        op.create_unique_constraint(old, table, cols)
    for table, pk in PRIMARY_KEYS:
        op.drop_constraint(f'pk_{table}', table, type_='primary')
        op.create_primary_key(f'pk_{table}', table, pk)
    for table, name, col, parent, old, _new in FOREIGN_KEYS:
        op.create_foreign_key(name, table, parent, [col], ['id'], ondelete=old)


def _sqlite(*, up: bool) -> None:
    """One rebuild per table with its new keys (foreign keys are off while tables are copied)."""
    pks = dict(PRIMARY_KEYS)
    tables = sorted({t for t, *_ in FOREIGN_KEYS} | set(pks) | {t for t, *_ in UNIQUES})
    for table in tables:
        with op.batch_alter_table(table, recreate='always') as b:
            for t, name, col, parent, old, new in FOREIGN_KEYS:
                if t == table:
                    b.drop_constraint(name, type_='foreignkey')
                    if up:
                        b.create_foreign_key(name, parent, ['city_id', col], ['city_id', 'id'], ondelete=new)
                    else:
                        b.create_foreign_key(name, parent, [col], ['id'], ondelete=old)
            for t, old_uq, cols, new_uq, new_cols in UNIQUES:
                if t == table:
                    b.drop_constraint(new_uq if not up else old_uq, type_='unique')
                    if up:
                        b.create_unique_constraint(new_uq, new_cols)
                    else:
                        b.create_unique_constraint(old_uq, cols)
            if table in pks:
                b.drop_constraint(f'pk_{table}', type_='primary')
                b.create_primary_key(f'pk_{table}', ['city_id', *pks[table]] if up else pks[table])
    broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"foreign keys broken after the rebuild: {broken[:5]}")
