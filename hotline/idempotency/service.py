"""The ``Idempotency-Key`` contract shared by the three intake points (API, Open311, portal).

Use::

    claim = idem.claim(db, client=..., key=idem.key_of(request), fingerprint=idem.fingerprint(...))
    if claim.replay is not None:
        return claim.replay                      # the first response, with Idempotent-Replayed: true
    order = do_create_order(...)                 # the caller's own work, same transaction
    response = ...                               # built before commit
    idem.record(db, claim, response=response, order_number=order.number)
    commit_or_conflict(db)                       # key row and order commit together

Rules (docs/api.md):
- same client + same key + same request → the stored first response, replayed;
- same client + same key + a different request → 422 ``idempotency_key_reused``;
- a duplicate that arrives while the first is still running waits for it (the unique
  index blocks its insert) and then gets the replay; if it cannot, 409 ``request_in_progress``;
- only successful responses are stored: a refused request writes nothing, so the client may
  correct it and retry with the same key;
- keys expire after ``TTL`` (24 hours); an expired key starts afresh.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.errors import BadRequest, Conflict
from hotline.idempotency.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = timedelta(hours=24)
KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces (UUIDs, ULIDs, hashes …)


@dataclass
class Claim:
    """What ``claim`` found: nothing to do (no key), a response to replay, or a fresh row to fill."""

    row: IdempotencyKey | None = None
    replay: Response | None = None


def key_of(request: Request, form_value: str | None = None) -> str | None:
    """The client's key from the header (or, for plain HTML forms, a hidden field)."""
    raw = request.headers.get(HEADER)
    if raw is None:  # a form's empty hidden field is no key; a blank header is a client bug
        raw = form_value or None
    if raw is None:
        return None
    raw = raw.strip()
    if not KEY_RE.match(raw):
        raise BadRequest("bad_idempotency_key", "Idempotency-Key 须为1至200个可见ASCII字符（建议使用UUID）",
                         "Idempotency-Key must be 1 to 200 printable ASCII characters (use a UUID)",
                         field=HEADER)
    return raw


def fingerprint(method: str, path: str, body: Any) -> str:
    """A hash of what was asked: the same key with a different request is a client bug."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method.upper()} {path}\n{canonical}".encode()).hexdigest()


def _find(db: Session, client: str, key: str) -> IdempotencyKey | None:
    return db.scalar(select(IdempotencyKey).where(IdempotencyKey.client == client, IdempotencyKey.key == key))


def _reused(row: IdempotencyKey) -> BadRequest:
    return BadRequest("idempotency_key_reused", "该 Idempotency-Key 已用于另一个不同的请求，请为新请求使用新的键",
                      "this Idempotency-Key was already used for a different request; use a new key",
                      field=HEADER, number=row.order_number)


def _in_progress() -> Conflict:
    return Conflict("request_in_progress", "相同的请求正在处理中，请稍后用同一个键重试",
                    "the same request is still being processed; retry shortly with the same key")


def _replay_of(row: IdempotencyKey, fp: str) -> Response:
    if row.fingerprint != fp:
        raise _reused(row)
    if row.status_code is None or row.body is None:
        raise _in_progress()
    return Response(content=row.body, status_code=row.status_code, media_type=row.media_type,
                    headers={REPLAYED_HEADER: "true"})


def claim(db: Session, *, client: str, key: str | None, fingerprint: str, now: datetime | None = None) -> Claim:
    """Find the stored response for (client, key), or reserve the key in this transaction."""
    if key is None:
        return Claim()
    now = now or utcnow()
    row = _find(db, client, key)
    if row is not None and row.expires_at > now:
        return Claim(replay=_replay_of(row, fingerprint))
    if row is not None:  # expired: the key starts afresh
        db.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id))
    row = IdempotencyKey(client=client, key=key, fingerprint=fingerprint, created_at=now, expires_at=now + TTL)
    try:
        # On PostgreSQL a concurrent duplicate blocks here until the first request commits
        # (then the insert fails and we replay) or rolls back (then this one proceeds).
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        first = _find(db, client, key)
        if first is None:
            raise _in_progress() from None
        return Claim(replay=_replay_of(first, fingerprint))
    return Claim(row=row)


def record(db: Session, c: Claim, *, response: Response, order_number: str | None = None) -> None:
    """Store the response the client gets, in the caller's transaction (it commits both)."""
    if c.row is None:
        return
    c.row.status_code = response.status_code
    c.row.media_type = response.media_type
    c.row.body = bytes(response.body).decode()
    c.row.order_number = order_number
    db.flush()


def purge_expired(db: Session, *, now: datetime | None = None) -> int:
    """Delete expired keys (the worker or a cron may call it; expired keys are ignored anyway)."""
    res = db.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= (now or utcnow())))
    return int(getattr(res, "rowcount", 0) or 0)


def purge_task(*, now: datetime) -> int:
    """The worker's maintenance task: purge expired keys in a session of its own."""
    from hotline.db import session_factory

    with session_factory()() as db:
        purged = purge_expired(db, now=now)
        db.commit()
    return purged
