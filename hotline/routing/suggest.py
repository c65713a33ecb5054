"""The routing section of the intake assistant: category, unit, territory, urgency, kind — with reasons."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.org.models import User
from hotline.routing.service import suggest
from hotline.web.suggest import IntakeDraft, Section


def routing_section(db: Session, user: User, draft: IntakeDraft) -> Section | None:
    if len(draft.text) < 4:
        return None
    s = suggest(db, text=draft.text, address=draft.address)
    return Section(key="routing", template="partials/routing_suggest.html", context={"s": s})
