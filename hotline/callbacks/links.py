"""Signed self-rating links (/rate/{token}): no login, expiring, bound to one callback task.

Why signed and not stored: the SMS goes out through the outbox long after the
transaction; a token signed with the platform's secret (itsdangerous, salted so
it cannot be replayed as a session or CSRF token) needs no table and cannot be
forged or edited to rate someone else's order.  One rating per task is enforced
by the evaluation's unique ``task_id``.
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from hotline.config import get_settings
from hotline.errors import BadRequest, NotFound
from hotline.validation import INT64_MAX

SALT = "hotline.callbacks.rating-link"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=SALT)


def make_token(task_id: int) -> str:
    return _serializer().dumps({"t": task_id})


def read_token(token: str, *, max_age_days: int) -> int:
    """The task id; raises a readable error for an expired or tampered link."""
    try:
        data = _serializer().loads(token, max_age=max_age_days * 86400)
    except SignatureExpired as exc:
        raise BadRequest("link_expired", "评价链接已过期", "this rating link has expired",
                         status_code=410) from exc
    except BadSignature as exc:
        raise NotFound("link_invalid", "评价链接无效", "this rating link is not valid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("t"), int) or not 1 <= data["t"] <= INT64_MAX:
        raise NotFound("link_invalid", "评价链接无效", "this rating link is not valid")
    return data["t"]


def rating_path(task_id: int) -> str:
    return f"/rate/{make_token(task_id)}"
