"""The optional TOTP second factor (RFC 6238) for administrators and leaders.

Enrolment stores a new secret and shows it as a QR code drawn here (segno, an inline SVG: no
external service sees the secret); the factor counts only once the person has typed a code from
their authenticator app (``User.totp_enabled``).  A code is accepted one 30-second step early or
late (clock drift), and never twice: the last accepted step is kept (``User.totp_last_step``).
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
import segno

from hotline.city.schema import Role
from hotline.org.models import User

ROLES = frozenset({Role.admin.value, Role.leader.value})
ISSUER = "12345热线"
STEP_S = 30


def may_enrol(user: User) -> bool:
    return user.role in ROLES


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as an inline ``<svg>`` (no script, no external image)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, title="TOTP"))


def accept(user: User, secret: str, code: str, *, now: datetime) -> bool:
    """True, and the step remembered, when ``code`` is the secret's code for now (±1 step) and newer
    than the last one accepted."""
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(secret)
    here = int(now.timestamp()) // STEP_S
    for step in (here - 1, here, here + 1):
        if hmac.compare_digest(totp.at(step * STEP_S), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False
