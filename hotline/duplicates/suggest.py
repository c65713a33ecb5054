"""Intake assistant: likely duplicates (order 20) and the caller's history (order 30)."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from hotline.duplicates import service
from hotline.duplicates.similarity import Doc
from hotline.org.models import User
from hotline.org.scoping import is_centre
from hotline.web.suggest import IntakeDraft, Section


def _territory(address: str) -> str | None:
    from hotline.city.service import current_city

    for road in current_city().roads:
        if any(n in address for n in [road.name, *road.aliases]):
            return road.unit
    return None


def duplicates(db: Session, user: User, draft: IntakeDraft) -> Section | None:
    if len(draft.text) < 6 or not (is_centre(user) or user.role == "dispatcher"):
        return None
    doc = Doc(draft.text, draft.address, _territory(draft.address) if draft.address else None,
              draft.category_code or None)
    found = service.find(db, user=user, doc=doc, phone=draft.phone or None, limit=5)
    return Section("duplicates", "partials/duplicates_suggest.html", {"candidates": found})


def caller_history(db: Session, user: User, draft: IntakeDraft) -> Section | None:
    phone = re.sub(r"[\s-]", "", draft.phone)
    if len(phone) < 7 or not is_centre(user):
        return None
    return Section("history", "partials/history_suggest.html", service.caller_history(db, user=user, phone=phone,
                                                                                       limit=8))
