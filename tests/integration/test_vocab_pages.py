"""What a person sees of the order vocabulary: the hand-off numbers and the status labels, in both languages.

Both come from one definition in hotline/orders/enums.py; these tests read the
pages (and the API's refusal) and compare them with it.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.orders.actor import Actor
from hotline.orders.enums import EMERGENCY_ZH, Action, EmergencyService
from hotline.orders.flows import do_create_order
from hotline.orders.models import Order
from hotline.org.models import User
from tests.conftest import login
from tests.integration.helpers import act, create


def _received_order(db: Session) -> Order:
    op = db.scalar(select(User).where(User.username == "operator1"))
    assert op is not None
    order = do_create_order(db, actor=Actor.of(op), data={
        "kind": "help", "title": "楼道起火", "content": "我家楼下楼道着火了，有浓烟，请马上处理，已经有人被困在楼上了！",
        "citizen_name": "张伟", "citizen_phone": "13812345678", "address": "青阳市东城区人民路88号",
        "channel": "phone", "urgency": "urgent"})
    db.commit()
    return order


def _service_options(html: str) -> list[tuple[str, str]]:
    form = re.search(r'<select id="[^"]*" name="service"[^>]*>(.*?)</select>', html, re.S)
    assert form, "no hand-off number select on the page"
    return [(v, label.strip()) for v, label in re.findall(r'<option value="(\d+)">([^<]*)</option>', form.group(1))]


def test_the_hand_off_form_offers_each_emergency_number_with_its_label(client: TestClient, db: Session) -> None:
    order = _received_order(db)
    login(client, "operator1", db=db)
    html = client.get(f"/orders/{order.number}").text
    assert _service_options(html) == [(s.value, f"{s.value} {EMERGENCY_ZH[s]}") for s in EmergencyService]
    assert [v for v, _ in _service_options(html)] == ["110", "119", "120", "122"]

    client.get("/lang/en", follow_redirects=False)
    html = client.get(f"/orders/{order.number}").text
    assert _service_options(html) == [("110", "110 Police"), ("119", "119 Fire"), ("120", "120 Ambulance"),
                                     ("122", "122 Traffic police")]


def test_hand_off_accepts_the_listed_numbers_and_names_them_when_refusing(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    op = as_user("operator1")
    n = create(client, op)["number"]
    r = act(client, op, n, Action.hand_off.value, service="999", reason="当事人受伤需急救")
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "bad_service" and "110/119/120/122" in err["message"]
    r = act(client, op, n, Action.hand_off.value, service=EmergencyService.ambulance.value)
    assert r.status_code == 422 and r.json()["error"]["code"] == "reason_required"  # 转办理由 (issue #19)
    r = act(client, op, n, Action.hand_off.value, service=EmergencyService.ambulance.value, reason="当事人受伤需急救")
    assert r.status_code == 200 and r.json()["status"] == "handed_off"


def test_english_pages_call_a_suspended_order_suspended(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    """The timeline passes the Chinese label through ``_()``; it used to read “In progress → Suspend” (the button)."""
    from tests.integration.helpers import dispatched, ok

    n = dispatched(client, as_user, "dept-chengguan")
    ok(client, as_user("cg_handler"), n, "sign")
    ok(client, as_user("dispatcher"), n, "suspend", reason="需等待上级部门批复后才能处理")
    login(client, "dispatcher", db=db)
    client.get("/lang/en", follow_redirects=False)
    html = client.get(f"/orders/{n}").text
    assert "In progress → Suspended" in html
    assert "→ Suspend<" not in html and "已挂账" not in html

    client.get("/lang/zh", follow_redirects=False)
    html = client.get(f"/orders/{n}").text
    assert "办理中 → 已挂账" in html


def test_english_pages_call_a_merged_order_merged_as_duplicate(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.helpers import dispatched, ok

    parent = dispatched(client, as_user, "dept-chengguan")
    child = create(client, as_user("operator1"))["number"]
    ok(client, as_user("dispatcher"), child, "cancel_duplicate", parent_number=parent)
    login(client, "dispatcher", db=db)
    client.get("/lang/en", follow_redirects=False)
    html = client.get(f"/orders/{child}").text
    assert "Awaiting dispatch → Merged as duplicate" in html


def _headings(html: str) -> dict[str, str]:
    """action → the heading of its form on the order page."""
    return dict(re.findall(r'<h3 id="act-([a-z_]+)">([^<]*)</h3>', html))


def test_english_action_buttons_name_the_action_not_another_pages_word(client: TestClient, db: Session) -> None:
    """派单 is the button “Dispatch” here and the KPI column “Dispatched” there; the button read “Dispatched”."""
    order = _received_order(db)
    login(client, "dispatcher", db=db)
    client.get("/lang/en", follow_redirects=False)
    html = client.get(f"/orders/{order.number}").text
    heads = _headings(html)
    assert heads["dispatch"] == "Dispatch" and heads["hand_off"] == "Hand off to 110/119/120"
    assert re.search(r'<button type="submit" class="[^"]*">Dispatch</button>', html)
    assert '<span class="what">Intake</span>' in html  # the timeline's first event
    assert ">Dispatched</h3>" not in html and ">Dispatched</button>" not in html

    client.get("/lang/zh", follow_redirects=False)
    heads = _headings(client.get(f"/orders/{order.number}").text)
    assert heads["dispatch"] == "派单" and heads["inform"] == "告知"
