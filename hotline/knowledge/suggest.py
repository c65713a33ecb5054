"""Intake assistant: up to three knowledge entries that answer what the operator is typing.

Only entries that pass the fit check (``knowledge.fit``: BM25 candidates, then a
second stage) are offered; when none does, the panel says there is no fitting
answer instead of showing an unrelated one.

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
    fits = service.suggest(db, q=draft.text[:300], limit=3)
    return Section("knowledge", "partials/knowledge_suggest.html", {"hits": [(f.entry, f.fit) for f in fits]})
