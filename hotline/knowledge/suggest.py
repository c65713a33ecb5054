"""Intake assistant: the three knowledge entries that best answer what the operator is typing.

At intake the order does not exist yet, so the panel offers the answer text to
read out or copy; once the order is created, its page "answer from the
knowledge base" (/orders/{number}/knowledge) closes it at first contact with a
reference to the entry.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.knowledge import service
from hotline.org.models import User
from hotline.web.suggest import IntakeDraft, Section


def knowledge(db: Session, user: User, draft: IntakeDraft) -> Section | None:
    if len(draft.text) < 4:
        return None
    hits = service.search(db, q=draft.text[:300], limit=3)
    return Section("knowledge", "partials/knowledge_suggest.html", {"hits": hits})
