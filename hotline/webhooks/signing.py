"""Standard Webhooks signatures (https://www.standardwebhooks.com), made with the reference library.

Headers: ``webhook-id`` (the message's stable id, the same on every attempt —
receivers drop a duplicate by it), ``webhook-timestamp`` (Unix seconds) and
``webhook-signature: v1,<base64 HMAC-SHA256(secret, id + "." + timestamp + "." + body)>``.
Secrets are ``whsec_`` + base64 of 24 random bytes.  A receiver verifies with
``standardwebhooks.Webhook(secret).verify(body, headers)`` (Python, JS, Go, Java …),
which also refuses timestamps more than five minutes off: a captured request
cannot be replayed later.
"""

from __future__ import annotations

import base64
import binascii
import secrets as _secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(_secrets.token_bytes(24)).decode()


def valid_secret(secret: str) -> bool:
    """``whsec_`` + standard base64 of at least 16 bytes (what the receivers' libraries accept)."""
    if not secret.startswith(PREFIX):
        return False
    try:
        raw = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(raw) >= 16


def headers(secret: str, msg_id: str, body: bytes, *, at: datetime | None = None) -> dict[str, str]:
    at = at or datetime.now(UTC)
    return {ID_HEADER: msg_id, TIMESTAMP_HEADER: str(int(at.timestamp())),
            SIGNATURE_HEADER: Webhook(secret).sign(msg_id, at, body.decode())}


def verify(secret: str, body: bytes, received: dict[str, str]) -> bool:
    """What a receiver does (here for tests and examples): the reference library's check."""
    try:
        Webhook(secret).verify(body, received, json_parse=False)
    except WebhookVerificationError:
        return False
    return True
