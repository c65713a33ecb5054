"""What people actually receive: the SMS text the gateway gets through the real flows and the real
worker (the rating link reaches the citizen), and inbox titles for every topic (no raw codes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.outbox import senders
from hotline.outbox.inbox import Notification
from hotline.outbox.models import OutboxMessage
from hotline.outbox.service import deliver
from tests.integration.test_callbacks import completed


class Gateway:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send_sms(self, phone: str, text: str, *, message_id: str) -> None:
        self.sent.append((phone, text, message_id))


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gw = Gateway()
    before = senders.get_sender("sms")
    senders.register_sender("sms", senders.SmsSender(gw))
    yield gw
    senders.register_sender("sms", before)


def test_the_rating_link_reaches_the_citizen(client: TestClient, as_user, db: Session,  # type: ignore[no-untyped-def]
                                             gateway: Gateway) -> None:
    n = completed(client, as_user)
    deliver(db, now=utcnow() + timedelta(seconds=1), channels=("sms",))
    to_citizen = [t for phone, t, _ in gateway.sent if phone == "13912345678" and n in t]
    rating = next(t for t in to_citizen if "/rate/" in t)
    url = db.scalar(select(OutboxMessage.payload).where(OutboxMessage.topic == "callback.rating_link")
                    .order_by(OutboxMessage.id.desc()))["url"]
    assert url in rating and rating.startswith("【青阳市12345】")
    assert client.get(rating[rating.index("/rate/"):].split("（")[0]).status_code == 200  # the link works
    assert any("已受理" in t for t in to_citizen) and any("已办结" in t for t in to_citizen)
    assert all("摊贩" not in t for _, t, _ in gateway.sent)  # never the demand itself
    ids = [i for _, _, i in gateway.sent]
    assert len(ids) == len(set(ids)) and all(i.startswith("msg_") for i in ids)


@pytest.mark.parametrize("topic,payload,zh", [
    ("knowledge.review_due", {"entry": 1, "question": "占道经营找谁？", "review_date": "2026-12-01"}, "知识条目待复审"),
    ("appeal.filed", {"number": "QY20261201-0001", "request_id": 1, "kind": "appeal"}, "申诉待审核"),
    ("designation.rejected", {"number": "QY20261201-0001", "note": "证据不足"}, "不合理诉求认定被驳回"),
    ("order.repeat_merged", {"number": "QY20261201-0002", "earlier": "QY20261201-0001", "score": 0.9},
     "重复来电已并单"),
])
def test_inbox_titles_are_never_raw_codes(db: Session, topic: str, payload: dict, zh: str) -> None:
    db.add(OutboxMessage(topic=topic, channel="inbox", recipient="centre", payload=payload))
    db.commit()
    deliver(db, now=utcnow() + timedelta(seconds=1), channels=("inbox",))
    note = db.scalar(select(Notification).where(Notification.topic == topic).order_by(Notification.id.desc()))
    assert note is not None and zh in note.title and topic not in note.title
    if topic == "knowledge.review_due":
        assert "占道经营找谁？" in (note.body or "") and "2026-12-01" in (note.body or "")
    if topic == "designation.rejected":
        assert note.body == "证据不足"
