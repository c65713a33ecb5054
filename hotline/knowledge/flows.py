"""Writes: create, edit (a new version each time), import, review reminders, answer an order.

Each ``do_*`` runs in the caller's transaction, writes an ``AuditLog`` row (or,
for answering an order, the order's own timeline event through
``orders.flows.do_action``) and queues notices in the outbox; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.errors import BadRequest, Conflict, Forbidden
from hotline.knowledge import service
from hotline.knowledge.cleaning import clean_reply
from hotline.knowledge.models import KnowledgeEntry, KnowledgeVersion
from hotline.knowledge.schemas import EntryIn
from hotline.orders.actions.common import check_category, unit_by_code
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.flows import do_action
from hotline.orders.models import Order, OrderEvent
from hotline.org.models import AuditLog, Unit, User
from hotline.outbox.models import OutboxMessage
from hotline.textindex import index as textindex

FIELDS = ("question", "answer", "policy_basis", "valid_from", "valid_until", "review_date", "tags",
          "category_code")


def _audit(db: Session, actor: Actor, action: str, entry: KnowledgeEntry, data: dict[str, Any]) -> None:
    db.add(AuditLog(actor_id=actor.user_id, actor_label=actor.label, action=action, entity="knowledge_entry",
                    entity_id=str(entry.id), data=data))


def _snapshot(db: Session, entry: KnowledgeEntry, actor: Actor, note: str | None, now: datetime) -> None:
    db.add(KnowledgeVersion(entry_id=entry.id, number=entry.version, owner_unit_id=entry.owner_unit_id,
                            edited_by_id=actor.user_id, edited_by_label=actor.label, edited_at=now, note=note,
                            **{f: getattr(entry, f) for f in FIELDS}))


def _check_dates(data: EntryIn) -> None:
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        raise BadRequest("bad_validity", "失效日期不能早于生效日期", "valid_until is before valid_from",
                         field="valid_until")


def _owner(db: Session, user: User | None, code: str | None) -> Unit:
    if code:
        return unit_by_code(db, code, field="owner_unit")
    if user is None:
        raise BadRequest("owner_required", "请指定维护单位", "owner_unit is required", field="owner_unit")
    return user.unit


def do_create_entry(db: Session, *, actor: Actor, data: EntryIn, external_key: str | None = None,
                    now: datetime | None = None) -> KnowledgeEntry:
    now = now or utcnow()
    _check_dates(data)
    check_category(db, data.category_code, required=False)
    owner = _owner(db, actor.user, data.owner_unit)
    if actor.user is not None and not service.can_edit(db, user=actor.user, owner_unit_id=owner.id):
        raise Forbidden("not_your_entry", "只能为本单位新建知识条目", "you may only add entries for your own unit")
    entry = KnowledgeEntry(owner_unit_id=owner.id, owner_unit=owner, external_key=external_key, version=1,
                           created_at=now, updated_at=now, status="active",
                           **{f: getattr(data, f) for f in FIELDS})
    db.add(entry)
    db.flush()
    _snapshot(db, entry, actor, data.note or "新建", now)
    textindex.index_doc(db, kind=service.KIND, doc_id=entry.id, text=service.index_text(entry))
    _audit(db, actor, "knowledge.create", entry, {"version": 1, "external_key": external_key})
    return entry


def do_edit_entry(db: Session, *, entry: KnowledgeEntry, actor: Actor, data: EntryIn,
                  now: datetime | None = None) -> KnowledgeEntry:
    """Save a new version; the entry shows it from now on and the old one stays in the history."""
    now = now or utcnow()
    if actor.user is not None and not service.can_edit(db, user=actor.user, owner_unit_id=entry.owner_unit_id):
        raise Forbidden("not_your_entry", "该知识条目不由本单位维护", "this entry is maintained by another unit")
    if data.expected_version is not None and data.expected_version != entry.version:
        raise Conflict("stale_version", "条目已被他人修改，请刷新后重试", "the entry changed; reload and try again",
                       current_version=entry.version)
    _check_dates(data)
    check_category(db, data.category_code, required=False)
    if data.owner_unit:
        owner = _owner(db, actor.user, data.owner_unit)
        if actor.user is not None and not service.can_edit(db, user=actor.user, owner_unit_id=owner.id):
            raise Forbidden("not_your_entry", "不能把条目转给其他单位", "you may not hand the entry to that unit")
        entry.owner_unit_id, entry.owner_unit = owner.id, owner
    changed = {f for f in FIELDS if getattr(entry, f) != getattr(data, f)}
    if not changed and not data.owner_unit:
        return entry
    for f in FIELDS:
        setattr(entry, f, getattr(data, f))
    entry.version += 1
    entry.updated_at = now
    _snapshot(db, entry, actor, data.note, now)
    textindex.index_doc(db, kind=service.KIND, doc_id=entry.id, text=service.index_text(entry))
    _audit(db, actor, "knowledge.edit", entry, {"version": entry.version, "fields": sorted(changed)})
    return entry


def do_retire_entry(db: Session, *, entry: KnowledgeEntry, actor: Actor, reason: str) -> KnowledgeEntry:
    """Take an entry out of search (a policy lapsed); its versions stay readable."""
    if actor.user is not None and not service.can_edit(db, user=actor.user, owner_unit_id=entry.owner_unit_id):
        raise Forbidden("not_your_entry", "该知识条目不由本单位维护", "this entry is maintained by another unit")
    entry.status = "retired"
    entry.updated_at = utcnow()
    textindex.remove_doc(db, kind=service.KIND, doc_id=entry.id)
    _audit(db, actor, "knowledge.retire", entry, {"reason": reason})
    return entry


def do_import(db: Session, *, rows: Iterable[dict[str, str]], mapping: dict[str, str], key_column: str,
              key_prefix: str, owner_unit: str, actor: Actor, clean: bool = True,
              review_date: date | None = None) -> dict[str, int]:
    """Import entries from CSV rows.  ``mapping`` is column → field; re-runs update by external key."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    for row in rows:
        raw = {field: (row.get(col) or "").strip() for col, field in mapping.items()}
        key = (row.get(key_column) or "").strip()
        if not key or len(raw.get("question", "")) < 4 or len(raw.get("answer", "")) < 10:
            counts["skipped"] += 1
            continue
        if clean:
            raw["answer"] = clean_reply(raw["answer"])
        raw["question"] = raw["question"][:300]
        raw["answer"] = raw["answer"][:8000]
        try:
            data = EntryIn.model_validate({**raw, "owner_unit": owner_unit, "review_date": review_date,
                                           "note": "导入"})
        except ValueError:
            counts["skipped"] += 1
            continue
        ext = f"{key_prefix}:{key}"
        entry = db.scalar(select(KnowledgeEntry).where(KnowledgeEntry.external_key == ext))
        if entry is None:
            do_create_entry(db, actor=actor, data=data, external_key=ext)
            counts["created"] += 1
        else:
            before = entry.version
            do_edit_entry(db, entry=entry, actor=actor, data=data.model_copy(update={"owner_unit": None}))
            counts["updated" if entry.version != before else "unchanged"] += 1
    return counts


def do_remind_due(db: Session, *, today: date, actor: Actor) -> int:
    """Queue one inbox notice per entry due for review to its owning unit (once per review date)."""
    n = 0
    for e in service.due_for_review(db, today=today):
        key = f"kb-review:{e.id}:{e.review_date.isoformat() if e.review_date else ''}"
        if db.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            continue
        db.add(OutboxMessage(topic="knowledge.review_due", channel="inbox", recipient=f"unit:{e.owner_unit.code}",
                             payload={"entry": e.id, "question": e.question, "review_date": str(e.review_date)},
                             dedupe_key=key))
        n += 1
    if n:
        db.add(AuditLog(actor_id=actor.user_id, actor_label=actor.label, action="knowledge.remind",
                        entity="knowledge_entry", entity_id="*", data={"count": n, "date": today.isoformat()}))
    return n


def entry_ref(entry: KnowledgeEntry) -> str:
    """How an order's timeline names the entry it was answered from."""
    return f"kb:{entry.id}@v{entry.version}"


def do_answer_from_entry(db: Session, *, order: Order, entry: KnowledgeEntry, actor: Actor,
                         content: str | None = None) -> OrderEvent:
    """即时办结 from the knowledge base: the answer (possibly adapted) closes the order at first contact."""
    if entry.status != "active":
        raise Conflict("knowledge_retired", "该知识条目已停用", "this knowledge entry is retired")
    return do_action(db, order=order, actor=actor, action=Action.answer_first_contact,
                     payload={"content": (content or "").strip() or entry.answer, "knowledge_entry": entry_ref(entry)})
