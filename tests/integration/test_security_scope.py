"""A district sub-centre sees and acts only within its district: the KPI drill-down and the
centre's repeat-call list (重复来电), on the console and through the API alike (hotline/org/scoping.py)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.duplicates.models import RepeatLink
from tests.conftest import login
from tests.integration.helpers import create, dispatched, ok
from tests.integration.test_duplicates import LIGHT, LIGHT_2

SECRET_TITLE = "城管部门专属测试工单标题"


def test_sub_centre_drills_only_into_its_own_district(client: TestClient, as_user: Any) -> None:
    dispatched(client, as_user, "dept-chengguan", title=SECRET_TITLE)
    sub = as_user("subcentre_dongcheng")
    r = client.get("/kpi/drill?unit=dept-chengguan&measure=dispatched", headers=sub)
    assert r.status_code == 404 and SECRET_TITLE not in r.text and "未知单位" in r.text
    # its own district still drills down, and the centre still sees the city department's records
    assert client.get("/kpi/drill?unit=d-dongcheng&measure=dispatched", headers=sub).status_code == 200
    centre = client.get("/kpi/drill?unit=dept-chengguan&measure=dispatched", headers=as_user("supervisor"))
    assert centre.status_code == 200 and SECRET_TITLE in centre.text


def _repeat_link(client: TestClient, as_user: Any, db: Session, phone: str) -> tuple[int, str]:
    op = as_user("operator1")
    first = create(client, op, citizen_phone=phone, **LIGHT)["number"]
    ok(client, op, first, "answer_first_contact", content="已告知市民路灯报修渠道和维修时限，市民表示认可。")
    again = create(client, op, citizen_phone=phone, **LIGHT_2)["number"]
    link_id = db.scalar(select(RepeatLink.id).where(RepeatLink.phone == phone))
    assert link_id is not None
    return link_id, again


def test_sub_centre_neither_lists_nor_dismisses_the_centres_repeat_calls(client: TestClient, as_user: Any,
                                                                         db: Session) -> None:
    link_id, again = _repeat_link(client, as_user, db, "13700000031")
    sub = as_user("subcentre_dongcheng")
    # API
    r = client.get("/api/v1/repeat-links", headers=sub)
    assert r.status_code == 403 and again not in r.text
    r = client.post(f"/api/v1/repeat-links/{link_id}", json={"state": "dismissed"}, headers=sub)
    assert r.status_code == 403
    # console, through the real form (session cookie + CSRF token)
    csrf = login(client, "subcentre_dongcheng", db=db)
    page = client.get("/repeats")
    assert page.status_code == 200 and again not in page.text
    r = client.post(f"/repeats/{link_id}", data={"state": "dismissed", "csrf_token": csrf})
    assert r.status_code == 403 and "仅热线中心派单员可处理重复来电" in r.text
    db.expire_all()
    assert db.get(RepeatLink, link_id).state == "open"
    # the centre's dispatcher still has the list and the button
    disp = as_user("dispatcher")
    assert any(row["order"] == again for row in client.get("/api/v1/repeat-links", headers=disp).json())


def test_page_and_api_share_one_scope_check(monkeypatch: Any, client: TestClient, as_user: Any,
                                            db: Session) -> None:
    """Both call hotline.org.scoping.require_repeat_handler: changing that one rule changes both."""
    import hotline.duplicates.pages as pages
    import hotline.duplicates.views as views
    from hotline.org import scoping

    assert pages.require_repeat_handler is scoping.require_repeat_handler
    assert views.require_repeat_handler is scoping.require_repeat_handler
    calls: list[str] = []
    real = scoping.require_repeat_handler

    def spy(user: Any) -> None:
        calls.append(user.username)
        real(user)

    monkeypatch.setattr(pages, "require_repeat_handler", spy)
    monkeypatch.setattr(views, "require_repeat_handler", spy)
    link_id, _ = _repeat_link(client, as_user, db, "13700000032")
    sub = as_user("subcentre_dongcheng")
    client.post(f"/api/v1/repeat-links/{link_id}", json={"state": "done"}, headers=sub)
    client.post(f"/repeats/{link_id}", data={"state": "done"}, headers=sub)
    assert calls == ["subcentre_dongcheng", "subcentre_dongcheng"]


def test_sub_centre_dispatcher_is_not_the_centre_for_its_reviews(client: TestClient, as_user: Any) -> None:
    """A sub-centre has dispatchers too: the role alone opens none of the centre's review lists
    (``org.scoping.is_centre_in`` and ``unit_records``, shared by appeals, reply flags and push-downs)."""
    sub, centre = as_user("subcentre_dongcheng"), as_user("dispatcher")
    refused = {"/api/v1/pushdowns": "centre_only", "/api/v1/replies/fake-rates": "role_not_allowed",
               "/api/v1/replies/flags": "role_not_allowed", "/api/v1/appeals": "role_not_allowed"}
    for path, code in refused.items():
        r = client.get(path, headers=sub)
        assert r.status_code == 403 and r.json()["error"]["code"] == code, (path, r.text)
        assert client.get(path, headers=centre).status_code == 200, path
    for path in ("/pushdowns", "/reply-flags/rates", "/reply-flags", "/appeals", "/catalogue-changes"):
        assert client.get(path, headers=sub).status_code == 403, path
        assert client.get(path, headers=centre).status_code == 200, path
