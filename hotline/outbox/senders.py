"""Senders: how an outbox message leaves the platform, one per channel.

Two kinds (see hotline/outbox/service.py for why):

- a **remote** sender (SMS gateway, SMTP, webhook) has ``send(out)``: it gets an
  ``Outgoing`` snapshot and no database, because it runs outside any transaction;
  it returns (delivered, optionally a receipt) or raises: ``PermanentError`` for
  a message that can never be delivered (no address), anything else for a
  failure worth retrying.  Optional ``prepare(db, msg)`` reads what it needs in
  the claiming transaction (fast reads only); optional ``record(db, out, receipt=,
  error=, now=)`` writes a log of the attempt beside its outcome.
- a **local** sender (``local = True``: the ``inbox``) has ``write(msg, db)``: its
  delivery is a row in the same database, written in the claiming transaction.

Every remote sender passes ``out.uid``, the message's stable id, to its gateway,
so a resend after a crash can be dropped downstream.  Texts come from the topic
declarations in hotline/outbox/topics.py.

Channels: ``inbox``, ``sms`` (``HttpSmsGateway`` when ``HOTLINE_SMS_GATEWAY_URL``
is set, else a log line; ``SmsGateway`` is the interface any gateway implements),
``email`` (SMTP when ``HOTLINE_SMTP_HOST`` is set, else a log line).  Other
channels (``webhook``) are added with ``register_sender``; until a channel has a
sender its messages simply wait in the outbox.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol

import httpx
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.org.models import Unit, User
from hotline.outbox import topics
from hotline.outbox.inbox import Notification
from hotline.outbox.models import OutboxMessage

log = logging.getLogger("hotline.outbox")


class PermanentError(Exception):
    """This message can never be delivered (bad address): mark it failed at once."""


@dataclass(frozen=True)
class Outgoing:
    """What a remote sender gets: a snapshot of the message, read before the lock was released."""

    id: int
    uid: str
    topic: str
    channel: str
    recipient: str
    payload: dict[str, Any]
    order_id: int | None
    attempt: int
    created_at: datetime | None
    context: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, msg: OutboxMessage, *, context: dict[str, Any] | None = None) -> Outgoing:
        return cls(id=msg.id, uid=msg.uid or f"msg_{msg.id}", topic=msg.topic, channel=msg.channel,
                   recipient=msg.recipient, payload=dict(msg.payload or {}), order_id=msg.order_id,
                   attempt=msg.attempts, created_at=msg.created_at, context=dict(context or {}))


class Sender(Protocol):
    def send(self, out: Outgoing) -> Any: ...


def subject(msg: OutboxMessage | Outgoing) -> str:
    return topics.title(msg.topic, msg.payload or {})


def body_text(msg: OutboxMessage | Outgoing) -> str:
    return topics.body(msg.topic, msg.payload or {})


def _signature() -> str:
    """The SMS signature, e.g. 青阳市12345."""
    try:
        from hotline.city.service import current_city

        return f"{current_city().city.name}12345"
    except Exception:  # noqa: BLE001  (no city file: a neutral signature)
        return "12345热线"


def _portal() -> str:
    from hotline.config import get_settings

    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/portal/track" if base else "12345网站“进度查询”"


def sms_text(out: OutboxMessage | Outgoing, *, hotline: str | None = None, portal: str | None = None) -> str:
    """The text the citizen's phone shows, rendered from the topic's declaration."""
    return topics.sms_text(out.topic, out.payload or {}, hotline=hotline or _signature(), portal=portal or _portal())


class LogSender:
    """Writes the message to the log: the default for sms and email, and for development."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, out: Outgoing) -> None:
        text = sms_text(out) if self.channel == "sms" else f"{subject(out)} {body_text(out)}".strip()
        log.info("%s %s to %s: %s", self.channel, out.uid, out.recipient, text.replace("\n", " "))


class SmsGateway(Protocol):
    """What a real SMS gateway adapter implements (a provider's HTTP API, an SMPP link …).

    ``message_id`` is the same on every attempt of one message: a gateway that keeps the
    ids it has accepted drops a resend (most providers take a client-side id for this).
    """

    def send_sms(self, phone: str, text: str, *, message_id: str) -> None: ...


class SmsSender:
    """Texts through a gateway; refuses recipients that are not phone numbers (permanent)."""

    def __init__(self, gateway: SmsGateway, *, hotline: str | None = None, portal: str | None = None) -> None:
        self.gateway = gateway
        self.hotline, self.portal = hotline, portal

    def send(self, out: Outgoing) -> None:
        phone = out.recipient.strip()
        if not phone.lstrip("+").isdigit():
            raise PermanentError(f"not a phone number: {phone}")
        self.gateway.send_sms(phone, sms_text(out, hotline=self.hotline, portal=self.portal), message_id=out.uid)


class HttpSmsGateway:
    """A generic HTTP gateway: ``POST {url}`` with JSON ``{"id", "phone", "text"}``; 2xx is accepted.

    ``id`` is the message's stable id.  Adapt this class to a provider's API if it differs.
    """

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 10.0) -> None:
        self.url, self.token, self.timeout = url, token, timeout

    def send_sms(self, phone: str, text: str, *, message_id: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        resp = httpx.post(self.url, json={"id": message_id, "phone": phone, "text": text}, headers=headers,
                          timeout=self.timeout)
        if resp.status_code >= 400 and resp.status_code < 500 and resp.status_code not in (408, 429):
            raise PermanentError(f"gateway refused: HTTP {resp.status_code}")
        resp.raise_for_status()


class SmsSettings(BaseSettings):
    """HOTLINE_SMS_GATEWAY_URL, HOTLINE_SMS_GATEWAY_TOKEN, HOTLINE_SMS_TIMEOUT."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_SMS_", extra="ignore")

    gateway_url: str | None = None
    gateway_token: str | None = None
    timeout: float = 10.0


class SmtpSettings(BaseSettings):
    """HOTLINE_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM, _STARTTLS, _TIMEOUT."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_SMTP_", extra="ignore")

    host: str | None = None
    port: int = 25
    user: str | None = None
    password: str | None = None
    from_: str = Field("12345@localhost", validation_alias=AliasChoices("HOTLINE_SMTP_FROM", "from_"))
    starttls: bool = False
    timeout: float = 10.0


class SmtpSender:
    """E-mail over SMTP (smtplib); one connection per message, which is plenty for notices."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.s = settings

    def prepare(self, db: Session, msg: OutboxMessage) -> dict[str, Any]:
        """Files to attach, from the packages that extend ``outbox.attachments`` (``fn(db, msg)`` →
        [(filename, mime type, bytes)]); read in the claiming transaction."""
        from hotline import registry

        files = [f for fn in registry.get().extensions_of("outbox.attachments") for f in fn(db, msg)]
        return {"attachments": files} if files else {}

    def send(self, msg: Outgoing) -> None:
        to = msg.recipient.strip()
        if "@" not in to:
            raise PermanentError(f"not an e-mail address: {to}")
        em = EmailMessage()
        em["From"], em["To"], em["Subject"] = self.s.from_, to, subject(msg)
        em["Message-ID"] = f"<{msg.uid}@hotline12345>"  # the same on a resend: mail systems can drop it
        em.set_content(body_text(msg) or subject(msg))
        for name, mime, data in msg.context.get("attachments", ()):  # read by prepare() (e.g. the monthly report)
            main, _, sub = mime.partition("/")
            em.add_attachment(data, maintype=main, subtype=sub, filename=name)
        assert self.s.host
        with smtplib.SMTP(self.s.host, self.s.port, timeout=self.s.timeout) as smtp:
            if self.s.starttls:
                smtp.starttls()
            if self.s.user:
                smtp.login(self.s.user, self.s.password or "")
            smtp.send_message(em)


class InboxSender:
    """Console notifications: one ``notifications`` row per message, in the delivering transaction."""

    local = True

    def write(self, msg: OutboxMessage, db: Session) -> None:
        if db.scalar(select(Notification.id).where(Notification.outbox_id == msg.id)) is not None:
            return  # already delivered by an earlier attempt
        kind, _, ref = msg.recipient.partition(":")
        unit_id = role = user_id = None
        if kind in ("unit", "leaders"):
            unit_id = db.scalar(select(Unit.id).where(Unit.code == ref))
            role = Role.unit_leader.value if kind == "leaders" else None
        elif kind in ("role", "centre"):
            unit_id = db.scalar(select(Unit.id).where(Unit.type == "centre").order_by(Unit.id).limit(1))
            role = ref or None
        elif kind == "user":
            user_id = db.scalar(select(User.id).where(User.username == ref))
        if unit_id is None and user_id is None:
            raise PermanentError(f"unknown inbox recipient: {msg.recipient}")
        p = msg.payload or {}
        db.add(Notification(outbox_id=msg.id, unit_id=unit_id, role=role, user_id=user_id, topic=msg.topic,
                            title=subject(msg)[:200], body=body_text(msg) or None, order_id=msg.order_id,
                            order_number=p.get("number"), created_at=msg.created_at))


def _table() -> dict[str, Any]:
    from hotline import registry

    return registry.get().senders


def register_sender(channel: str, sender: Any) -> None:
    """Replace the sender of a channel at run time (tests, a gateway swap); packages declare theirs
    in ``plugin.py`` with ``r.sender(...)``."""
    _table()[channel] = sender


def get_sender(channel: str) -> Any | None:
    return _table().get(channel)


def channels() -> list[str]:
    return sorted(_table())


def default_senders(*, smtp: SmtpSettings | None = None, sms: SmsSettings | None = None) -> dict[str, Any]:
    """inbox, sms (HTTP gateway if configured, else log) and email (SMTP if configured, else log)."""
    smtp = smtp or SmtpSettings()
    sms = sms or SmsSettings()
    return {
        "inbox": InboxSender(),
        "sms": SmsSender(HttpSmsGateway(sms.gateway_url, token=sms.gateway_token, timeout=sms.timeout))
        if sms.gateway_url else LogSender("sms"),
        "email": SmtpSender(smtp) if smtp.host else LogSender("email"),
    }
