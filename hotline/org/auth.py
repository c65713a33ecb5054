"""Passwords, console sessions and API tokens.

Passwords are hashed with argon2id.  Console sessions are server-side rows keyed
by the SHA-256 of a random cookie token, so logging out, disabling a user or
changing a password ends the session at once.  API tokens are stored hashed too.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.city.tenancy import scope_of, set_scope
from hotline.config import get_settings
from hotline.db import utcnow
from hotline.org.models import ApiToken, LoginSession, User

_hasher: PasswordHasher | None = None


def hasher() -> PasswordHasher:
    global _hasher
    if _hasher is None:
        if get_settings().password_hash_fast:
            _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        else:
            _hasher = PasswordHasher()
    return _hasher


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_id(cookie_token: str) -> str:
    """The ``LoginSession.id`` of a session cookie (the hash; the cookie itself is never stored)."""
    return _digest(cookie_token)


def authenticate(db: Session, username: str, password: str) -> User | None:
    # Usernames are unique across the province: the login finds the user in any city.
    user = db.scalar(select(User).where(User.username == username).execution_options(all_cities=True))
    if user is None or not user.active:
        hash_password(password)  # same cost whether or not the user exists
        return None
    if not verify_password(user.password_hash, password):
        return None
    set_scope(scope_of(user.city))  # the rest of the login (session row, audit) is the user's city's
    return user


def start_session(db: Session, user: User, *, now: datetime | None = None,
                  ip: str | None = None) -> tuple[str, LoginSession]:
    """Create a session; returns the cookie token (only its hash is stored)."""
    now = now or utcnow()
    user.last_login_at = now
    token = secrets.token_urlsafe(32)
    row = LoginSession(
        id=_digest(token),
        user_id=user.id,
        city_id=user.city_id,
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        expires_at=now + timedelta(hours=get_settings().session_hours),
        ip=(ip or None) and ip[:64],
    )
    db.add(row)
    return token, row


def load_session(db: Session, token: str, *, now: datetime | None = None) -> LoginSession | None:
    row = db.get(LoginSession, _digest(token), execution_options={"all_cities": True})
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    return row


def end_session(db: Session, token: str) -> None:
    db.execute(delete(LoginSession).where(LoginSession.id == _digest(token)))


def create_api_token(db: Session, user: User, name: str) -> str:
    return issue_api_token(db, user, name)[0]


def issue_api_token(db: Session, user: User, name: str, *, scope: str = "write",
                    expires_at: datetime | None = None) -> tuple[str, ApiToken]:
    """A new bearer token (returned once; only its hash is stored) and its row."""
    token = "hl_" + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=_digest(token), user_id=user.id, city_id=user.city_id, scope=scope,
                   expires_at=expires_at)
    db.add(row)
    return token, row


def load_api_token(db: Session, token: str, *, now: datetime | None = None) -> ApiToken | None:
    """The token's row, unless it is unknown, revoked, expired or its user disabled."""
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)).execution_options(all_cities=True))
    if row is None or row.revoked or not row.user.active:
        return None
    if row.expires_at is not None and row.expires_at <= (now or utcnow()):
        return None
    return row
