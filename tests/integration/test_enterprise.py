"""涉企诉求: a demand with a valid 统一社会信用代码 is an enterprise's — its own SLA policy, its own queue, its own
count in the KPI definitions; a code with a wrong check digit is refused at intake."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.kpi import formulas as f
from hotline.kpi import queries
from hotline.orders.models import Order
from tests.conftest import login
from tests.integration.helpers import create, leaf_category, ok

USCC = "91330100799655058B"
FIRM = {"kind": "help", "title": "企业厂区门口道路破损", "citizen_name": "青阳精工机械有限公司 王经理",
        "citizen_phone": "13600001234", "address": "青阳市东城区工业园纬三路",
        "content": "我公司厂区门口的纬三路路面塌陷，货车进出困难，影响正常生产经营，请尽快安排修复。"}


def test_a_valid_code_makes_an_enterprise_demand_with_its_own_limit(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    op, disp = as_user("operator1"), as_user("dispatcher")
    firm = create(client, op, enterprise_uscc=USCC.lower(), **FIRM)
    assert firm["requester_type"] == "enterprise" and firm["enterprise_uscc"] == USCC
    person = create(client, op, citizen_phone="13600009999", **{k: v for k, v in FIRM.items() if k != "citizen_phone"})
    assert person["requester_type"] == "citizen" and person["enterprise_uscc"] is None
    cat = leaf_category(client, disp)
    for n in (firm["number"], person["number"]):
        ok(client, disp, n, "dispatch", lead_unit="dept-zhujian", category_code=cat)
    rows = {o.number: o for o in db.scalars(select(Order).where(Order.number.in_([firm["number"], person["number"]])))}
    assert rows[firm["number"]].sla_policy == "enterprise"  # 2 working days in the demo city
    assert rows[person["number"]].sla_policy != "enterprise"
    due_firm, due_person = rows[firm["number"]].due_at, rows[person["number"]].due_at
    assert due_firm is not None and due_person is not None and due_firm < due_person
    listed = client.get("/api/v1/orders", headers=disp, params={"requester_type": "enterprise"}).json()
    assert [o["number"] for o in listed["items"]] == [firm["number"]]


def test_a_wrong_check_digit_is_refused(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    op = as_user("operator1")
    r = client.post("/api/v1/orders", headers=op, json={**FIRM, "enterprise_uscc": USCC[:17] + "C"})
    assert r.status_code == 422 and "校验码不符" in r.text
    r = client.get(f"/api/v1/enterprise/uscc/{USCC[:17]}C", headers=op).json()
    assert r == {"code": USCC[:17] + "C", "valid": False, "problem": "check_digit", "message": "统一社会信用代码校验码不符"}
    assert client.get(f"/api/v1/enterprise/uscc/{USCC}", headers=op).json()["valid"] is True
    csrf = login(client, "operator1", db=db)
    page = client.post("/orders/new", data={**FIRM, "requester_type": "enterprise", "enterprise_uscc": USCC[:17] + "C",
                                            "csrf_token": csrf})
    assert page.status_code == 422 and "统一社会信用代码校验不通过" in page.text
    page = client.post("/orders/new", data={**FIRM, "requester_type": "enterprise", "enterprise_uscc": USCC,
                                            "csrf_token": csrf}, follow_redirects=True)
    assert page.status_code == 200 and "涉企诉求" in page.text and USCC in page.text


def test_the_enterprise_desk_and_its_figures(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    op = as_user("operator1")
    firm = create(client, op, enterprise_uscc=USCC, **FIRM)["number"]
    create(client, op, requester_type="enterprise", **{**FIRM, "citizen_phone": "13600005678",
                                                        "title": "企业用电报装进度咨询",
                                                        "content": "我司新厂房申请用电报装已经一个月，想了解办理进度和还需要的材料。"})
    create(client, op, **{**FIRM, "citizen_phone": "13600009999", "title": "小区门口道路破损"})
    assert client.get("/api/v1/enterprise/orders", headers=as_user("cg_handler")).status_code == 403
    assert client.get("/api/v1/enterprise/orders", headers=as_user("subcentre_dongcheng")).status_code == 403
    items = client.get("/api/v1/enterprise/orders", headers=as_user("dispatcher")).json()["items"]
    assert len(items) == 2 and {i["requester_type"] for i in items} == {"enterprise"}
    s = client.get("/api/v1/enterprise/summary", headers=as_user("leader")).json()
    assert (s["enterprise_received"], s["open"]) == (2, 2) and s["received"] >= 3
    # the KPI definition: pure formula = SQL
    now = utcnow()
    period = f.Period(now - timedelta(days=1), now + timedelta(days=1))
    intakes = [f.IntakeRec(o.created_at, bool(o.first_contact_resolved), o.status == "merged",
                           o.requester_type == "enterprise") for o in db.scalars(select(Order))]
    assert queries.centre_counts(db, period) == f.centre_counts(period, intakes)
    assert queries.centre_counts(db, period)["enterprise_received"] == 2
    login(client, "dispatcher", db=db)
    page = client.get("/enterprise")
    assert page.status_code == 200 and firm in page.text and USCC in page.text and "涉企诉求台账" in page.text
