"""Reads: search, lists, one entry with its versions, entries due for review, who may edit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.errors import NotFound
from hotline.knowledge.models import KnowledgeEntry, KnowledgeVersion
from hotline.org.models import User
from hotline.org.scoping import is_centre_in, subtree_ids
from hotline.textindex import index as textindex

KIND = "kb"
CENTRE_EDITORS = frozenset({Role.admin, Role.supervisor})


def index_text(e: KnowledgeEntry) -> str:
    """What search sees: the question twice (it is what callers ask), tags, answer, policy basis."""
    return "\n".join([e.question, e.question, " ".join(e.tags or []), e.answer, e.policy_basis or ""])


def can_edit(db: Session, *, user: User, owner_unit_id: int) -> bool:
    """Centre admins and supervisors edit every entry; a unit's handlers and leaders their unit's."""
    if is_centre_in(user, *CENTRE_EDITORS):
        return True
    if user.role == Role.unit_handler:
        return owner_unit_id == user.unit_id
    if user.role == Role.unit_leader:
        return owner_unit_id in subtree_ids(db, user.unit_id)
    return False


def get(db: Session, *, entry_id: int) -> KnowledgeEntry:
    e = db.get(KnowledgeEntry, entry_id)
    if e is None:
        raise NotFound("knowledge_not_found", f"找不到知识条目：{entry_id}", f"knowledge entry not found: {entry_id}")
    return e


def versions(db: Session, *, entry_id: int) -> list[KnowledgeVersion]:
    return list(db.scalars(select(KnowledgeVersion).where(KnowledgeVersion.entry_id == entry_id)
                           .order_by(KnowledgeVersion.number.desc())))


def search(db: Session, *, q: str, limit: int = 10, today: date | None = None) -> list[tuple[KnowledgeEntry, float]]:
    """Active, currently valid entries ranked by BM25 over jieba-segmented text."""
    hits = textindex.search(db, kind=KIND, query=q, limit=limit * 3)
    if not hits:
        return []
    today = today or date.today()  # noqa: DTZ011 - validity is a calendar date in the city's zone
    rows = {e.id: e for e in db.scalars(select(KnowledgeEntry).where(
        KnowledgeEntry.id.in_([h.doc_id for h in hits]), KnowledgeEntry.status == "active",
        or_(KnowledgeEntry.valid_until.is_(None), KnowledgeEntry.valid_until >= today),
        or_(KnowledgeEntry.valid_from.is_(None), KnowledgeEntry.valid_from <= today)))}
    return [(rows[h.doc_id], h.score) for h in hits if h.doc_id in rows][:limit]


def suggest(db: Session, *, q: str, limit: int = 3, candidates: int = 9,
            today: date | None = None) -> list[Any]:
    """Entries that answer ``q``: BM25 candidates checked by ``fit`` (second stage); may be empty.

    The intake panel and the order's knowledge page show these; an empty list
    means "no fitting answer" rather than an unrelated one.
    """
    from hotline.knowledge import fit

    ranked = fit.rank(db, q, search(db, q=q, limit=candidates, today=today))
    return [f for f in ranked if f.fit >= fit.THRESHOLD][:limit]


def list_entries(db: Session, *, page: int = 1, size: int = 30, owner_unit_id: int | None = None
                 ) -> tuple[int, list[KnowledgeEntry]]:
    stmt = select(KnowledgeEntry).where(KnowledgeEntry.status == "active")
    if owner_unit_id:
        stmt = stmt.where(KnowledgeEntry.owner_unit_id == owner_unit_id)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.scalars(stmt.order_by(KnowledgeEntry.updated_at.desc(), KnowledgeEntry.id.desc())
                      .offset((max(1, page) - 1) * size).limit(size))
    return total, list(rows)


def due_for_review(db: Session, *, today: date, within_days: int = 0, unit_ids: list[int] | None = None
                   ) -> list[KnowledgeEntry]:
    """Active entries whose review date has come (or comes within ``within_days``)."""
    stmt = select(KnowledgeEntry).where(KnowledgeEntry.status == "active", KnowledgeEntry.review_date.is_not(None),
                                        KnowledgeEntry.review_date <= today + timedelta(days=within_days))
    if unit_ids is not None:
        stmt = stmt.where(KnowledgeEntry.owner_unit_id.in_(unit_ids))
    return list(db.scalars(stmt.order_by(KnowledgeEntry.review_date, KnowledgeEntry.id).limit(500)))


def present(e: KnowledgeEntry, score: float | None = None) -> dict[str, Any]:
    return {"id": e.id, "question": e.question, "answer": e.answer, "policy_basis": e.policy_basis,
            "owner_unit": {"code": e.owner_unit.code, "name": e.owner_unit.name}, "valid_from": e.valid_from,
            "valid_until": e.valid_until, "review_date": e.review_date, "tags": e.tags or [],
            "category_code": e.category_code, "status": e.status, "version": e.version,
            "external_key": e.external_key, "updated_at": e.updated_at,
            **({"score": round(score, 4)} if score is not None else {})}


def present_version(v: KnowledgeVersion) -> dict[str, Any]:
    return {"number": v.number, "question": v.question, "answer": v.answer, "policy_basis": v.policy_basis,
            "valid_from": v.valid_from, "valid_until": v.valid_until, "review_date": v.review_date,
            "tags": v.tags or [], "category_code": v.category_code, "edited_by": v.edited_by_label,
            "edited_at": v.edited_at, "note": v.note}
