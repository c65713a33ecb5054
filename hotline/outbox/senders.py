"""Senders: how an outbox message leaves the platform, one per channel.

A sender's ``send(msg, db)`` either returns (delivered) or raises:
``PermanentError`` for a message that can never be delivered (no address),
anything else for a failure worth retrying later.  ``db`` is the delivering
transaction; only the ``inbox`` sender writes to it, so that the notification
and the "sent" mark commit together.

Channels: ``inbox`` (console notifications), ``sms`` (a log line by default;
``SmsGateway`` is the interface a real gateway implements), ``email`` (SMTP
when ``HOTLINE_SMTP_HOST`` is set, else a log line).  Other channels
(``webhook``) are added with ``register_sender``; until a channel has a sender
its messages simply wait in the outbox.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Protocol

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.org.models import Unit, User
from hotline.outbox.inbox import Notification
from hotline.outbox.models import OutboxMessage

log = logging.getLogger("hotline.outbox")

TOPIC_ZH = {
    "order.received": "工单已受理", "order.dispatched": "新派工单", "order.at_subcentre": "分中心待派工单",
    "order.return_requested": "退单申请", "order.return_approved": "退单已同意", "order.return_rejected": "退单被驳回",
    "order.extension_requested": "延期申请", "order.extension_approved": "延期已同意", "order.replied": "工单已答复",
    "order.completed": "工单已办结", "order.reopened": "工单重办", "order.urged": "催办",
    "order.supervised": "督办", "supervision.answered": "督办已回复", "supervision.overdue": "督办回复超期",
    "accountability.decided": "问责决定",
}


class PermanentError(Exception):
    """This message can never be delivered (bad address): mark it failed at once."""


class Sender(Protocol):
    def send(self, msg: OutboxMessage, db: Session) -> None: ...


def subject(msg: OutboxMessage) -> str:
    p = msg.payload or {}
    head = TOPIC_ZH.get(msg.topic, msg.topic)
    return " ".join(x for x in (f"【{head}】", p.get("number") or "", p.get("title") or "") if x)


def body_text(msg: OutboxMessage) -> str:
    p = msg.payload or {}
    parts = [str(p[k]) for k in ("note", "reason", "finding") if p.get(k)]
    if p.get("respond_by"):
        parts.append(f"回复期限：{p['respond_by']}")
    return "\n".join(parts)


def sms_text(msg: OutboxMessage) -> str:
    """What a phone receives: the citizen notice text of the topic (hotline/portal/notices.py) when it has one.

    Those texts carry the order number and how to track it, never the demand's words, so a
    submission cannot make the platform text its own words to someone else's phone.
    """
    from hotline.portal.notices import render_notice

    return render_notice(msg.topic, msg.payload or {}) or f"{subject(msg)} {body_text(msg)}".strip()


class LogSender:
    """Writes the message to the log: the default for sms and email, and for development."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, msg: OutboxMessage, db: Session) -> None:
        log.info("%s to %s: %s %s", self.channel, msg.recipient, subject(msg), body_text(msg).replace("\n", " "))


class SmsGateway(Protocol):
    """What a real SMS gateway adapter implements (a provider's HTTP API, an SMPP link …)."""

    def send_sms(self, phone: str, text: str) -> None: ...


class SmsSender:
    """Texts through a gateway; refuses recipients that are not phone numbers (permanent)."""

    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway

    def send(self, msg: OutboxMessage, db: Session) -> None:
        phone = msg.recipient.strip()
        if not phone.lstrip("+").isdigit():
            raise PermanentError(f"not a phone number: {phone}")
        self.gateway.send_sms(phone, sms_text(msg))


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

    def send(self, msg: OutboxMessage, db: Session) -> None:
        to = msg.recipient.strip()
        if "@" not in to:
            raise PermanentError(f"not an e-mail address: {to}")
        em = EmailMessage()
        em["From"], em["To"], em["Subject"] = self.s.from_, to, subject(msg)
        em.set_content(body_text(msg) or subject(msg))
        assert self.s.host
        with smtplib.SMTP(self.s.host, self.s.port, timeout=self.s.timeout) as smtp:
            if self.s.starttls:
                smtp.starttls()
            if self.s.user:
                smtp.login(self.s.user, self.s.password or "")
            smtp.send_message(em)


class InboxSender:
    """Console notifications: one ``notifications`` row per message, in the delivering transaction."""

    def send(self, msg: OutboxMessage, db: Session) -> None:
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


_SENDERS: dict[str, Sender] = {}


def register_sender(channel: str, sender: Sender) -> None:
    """Add or replace the sender of a channel (e.g. ``register_sender("webhook", WebhookSender())``)."""
    _SENDERS[channel] = sender


def get_sender(channel: str) -> Sender | None:
    return _SENDERS.get(channel)


def channels() -> list[str]:
    return sorted(_SENDERS)


def install_defaults(*, smtp: SmtpSettings | None = None) -> None:
    """inbox, sms (log) and email (SMTP if configured, else log); keeps senders registered by others."""
    smtp = smtp or SmtpSettings()
    _SENDERS.setdefault("inbox", InboxSender())
    _SENDERS.setdefault("sms", LogSender("sms"))
    _SENDERS.setdefault("email", SmtpSender(smtp) if smtp.host else LogSender("email"))


install_defaults()
