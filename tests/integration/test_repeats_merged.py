"""Repeat demands merged by default (并单, 国办函〔2025〕66号): the citizen's second call about an open order
joins it, the citizen is texted its number and status, and piling repeats raise its urgency."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.duplicates.settings import DuplicateRules
from hotline.orders.models import Order, OrderEvent
from hotline.outbox.models import OutboxMessage
from hotline.outbox.senders import sms_text
from tests.integration.helpers import create
from tests.integration.test_duplicates import LIGHT, LIGHT_2

LIGHT_3 = {"kind": "complaint", "title": "新华路88号路灯还是不亮", "address": "青阳市东城区新华路88号",
           "content": "新华路88号门口路灯坏了好久，上次反映过还没修，晚上一片漆黑，请尽快派人维修路灯。"}
PHONE = "13700000021"
pytestmark = pytest.mark.repeats_merged  # the city's own setting, not the suite's suggestions (tests/conftest.py)


def sms_to(db: Session, phone: str) -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == phone,
                                                       OutboxMessage.channel == "sms").order_by(OutboxMessage.id)))


def test_the_default_merges_repeats() -> None:
    assert DuplicateRules().auto_merge_repeats is True
    assert DuplicateRules().urgent_after_repeats == 3


def test_second_call_joins_the_open_order_and_the_citizen_is_told(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    op = as_user("operator1")
    first = create(client, op, citizen_phone=PHONE, **LIGHT)["number"]
    again = create(client, op, citizen_phone=PHONE, **LIGHT_2)
    assert client.get(f"/api/v1/orders/{again['number']}", headers=op).json()["status"] == "merged"
    texts = [sms_text(m, hotline="青阳12345", portal="12345网站“进度查询”") for m in sms_to(db, PHONE)]
    # one receipt for the first call; for the repeat, no receipt of a number merged away — the open order's
    assert texts == [
        f"【青阳12345】您反映的诉求已受理，工单编号{first}。可凭工单编号和手机号码在12345网站“进度查询”查询办理进度。",
        f"【青阳12345】您反映的问题已有工单{first}正在办理（当前状态：待派单），本次来电已并入该工单，不再重复派单。"
        f"可凭工单编号{first}和手机号码在12345网站“进度查询”查询办理进度。",
    ]


def test_repeats_piling_up_raise_the_urgency(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    op = as_user("operator1")
    first = create(client, op, citizen_phone=PHONE, **LIGHT)["number"]
    create(client, op, citizen_phone=PHONE, **LIGHT_2)
    assert client.get(f"/api/v1/orders/{first}", headers=op).json()["urgency"] == "normal"  # 1 repeat of 3
    create(client, op, citizen_phone=PHONE, **LIGHT_3)
    create(client, op, citizen_phone=PHONE, **LIGHT_2)
    order = client.get(f"/api/v1/orders/{first}", headers=op).json()
    assert order["urgency"] == "urgent"
    oid = db.scalar(select(Order.id).where(Order.number == first))
    raised = [e for e in db.scalars(select(OrderEvent).where(OrderEvent.order_id == oid))
              if e.data and "urgency" in e.data]
    assert len(raised) == 1
    assert raised[0].actor_role == "system" and raised[0].actor_label == "系统"
    assert raised[0].note == "同一诉求重复来电已达 3 次，紧急程度由一般升为紧急"
    create(client, op, citizen_phone=PHONE, **LIGHT_3)  # a fourth: raised once only
    assert len([e for e in db.scalars(select(OrderEvent).where(OrderEvent.order_id == oid))
                if e.data and "urgency" in e.data]) == 1


@pytest.mark.parametrize("threshold", [0, 10])
def test_the_threshold_is_the_citys(client: TestClient, db: Session, as_user, threshold: int,  # type: ignore[no-untyped-def]
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.duplicates import flows as dflows

    monkeypatch.setattr(dflows, "rules", lambda: DuplicateRules(urgent_after_repeats=threshold))
    op = as_user("operator1")
    first = create(client, op, citizen_phone=PHONE, **LIGHT)["number"]
    for demand in (LIGHT_2, LIGHT_3, LIGHT_2):
        create(client, op, citizen_phone=PHONE, **demand)
    assert client.get(f"/api/v1/orders/{first}", headers=op).json()["urgency"] == "normal"


def test_a_city_that_turns_it_off_only_suggests(client: TestClient, db: Session, as_user,  # type: ignore[no-untyped-def]
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.duplicates import flows as dflows

    monkeypatch.setattr(dflows, "rules", lambda: DuplicateRules(auto_merge_repeats=False))
    op = as_user("operator1")
    create(client, op, citizen_phone=PHONE, **LIGHT)
    again = create(client, op, citizen_phone=PHONE, **LIGHT_2)
    assert again["status"] == "received"
    assert [m.topic for m in sms_to(db, PHONE)] == ["order.received", "order.received"]
