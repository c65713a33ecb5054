"""Per-request bookkeeping (``last_used_at`` of API tokens), throttled.

Why throttled: writing on every request turns every read into a write, and on
SQLite every write waits for the single write lock.  ``last_used_at`` answers
"is this token still in use?", which a precision of a minute answers as well.
(Console sessions keep no such stamp: nothing is written per console request.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hotline.db import utcnow
from hotline.org.models import ApiToken

TOUCH_EVERY = timedelta(minutes=1)


def touch_api_token(db: Session, tok: ApiToken, *, now: datetime | None = None) -> bool:
    """Stamp ``last_used_at`` at most once per ``TOUCH_EVERY``; True when it wrote (caller commits)."""
    now = now or utcnow()
    if tok.last_used_at is not None and now - tok.last_used_at < TOUCH_EVERY:
        return False
    res = db.execute(update(ApiToken).where(
        ApiToken.id == tok.id, or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOUCH_EVERY))
        .values(last_used_at=now).execution_options(synchronize_session=False, all_cities=True))
    set_committed_value(tok, "last_used_at", now)  # known now; not a second write
    return bool(getattr(res, "rowcount", 0))
