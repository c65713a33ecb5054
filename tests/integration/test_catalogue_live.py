"""Readers of the categories use the catalogue in force (hotline.catalogue), not the city file: push-downs,
the appeals' catalogue-change queue, and auto-dispatch's branch (the live tree's parent, not the code's
first two characters).  Each test fails on the code that read the city file."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.config import get_settings
from hotline.org.models import User

API = "/api/v1/admin/catalogue"
LAMP = "010101"  # 城乡建设/市政设施/路灯; the city file names 城管局 (dept-chengguan)
STREET = "s-dongcheng-xinhua"


def _with_units(db: Session, code: str, units: list[str]) -> None:
    """A catalogue version in which category ``code`` is given to ``units`` (a 三定 change)."""
    from hotline.catalogue import service as cat
    from hotline.routing.service import forget_catalogue

    _, snap = cat.current(db)
    snap = {**snap, "categories": [{**c, "units": units} if c["code"] == code else c for c in snap["categories"]]}
    admin = db.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    cat.commit(db, actor=admin, snapshot=snap, reason="三定方案调整：路灯移交住建局")
    db.commit()
    forget_catalogue()


def test_a_push_down_is_judged_by_the_catalogue_in_force(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    disp, admin = as_user("dispatcher"), as_user("admin")
    url = f"/api/v1/pushdowns/check?lead_unit={STREET}&category_code={LAMP}"
    before = client.get(url, headers=disp).json()
    assert before["reason_required"] and [u["code"] for u in before["catalogue_units"]] == ["dept-chengguan"]
    _with_units(db, LAMP, ["dept-zhujian"])
    moved = client.get(url, headers=disp).json()
    assert [u["code"] for u in moved["catalogue_units"]] == ["dept-zhujian"]  # the file still says 城管局
    # made 属地 (the street's own work) in the console: no reason needed any more
    r = client.patch(f"{API}/categories/{LAMP}", headers=admin, json={"territorial": True, "reason": "路灯下放街道"})
    assert r.status_code == 200, r.text
    assert client.get(url, headers=disp).json()["reason_required"] is False
    # an added category with no department of its own is no push-down; a retired one is not offered either
    r = client.post(f"{API}/categories", headers=admin, json={"code": "010198", "name": "路灯杆体", "parent": "0101",
                                                              "reason": "新增三级分类"})
    assert r.status_code == 201, r.text
    added = client.get(f"/api/v1/pushdowns/check?lead_unit={STREET}&category_code=010198", headers=disp).json()
    assert added["reason_required"] is False


def test_the_catalogue_change_queue_names_the_units_in_force(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    from hotline.appeals.pages import catalogue_units

    assert catalogue_units(db, LAMP) == ["dept-chengguan"]
    _with_units(db, LAMP, ["dept-zhujian"])
    assert catalogue_units(db, LAMP) == ["dept-zhujian"]
    r = client.post(f"{API}/categories/{LAMP}/retire", headers=as_user("admin"), json={"reason": "并入路灯照明"})
    assert r.status_code == 200, r.text
    assert catalogue_units(db, LAMP) == []  # retired: the catalogue gives it to nobody now


def _fake(branch: str):  # type: ignore[no-untyped-def]
    from hotline.routing.service import Choice, Suggestion

    def _suggest(db, *, text, address="", explain=True):  # type: ignore[no-untyped-def]
        return Suggestion(
            categories=[Choice(LAMP, "路灯", 0.9, ["关键词：路灯"])],
            units=[Choice("dept-chengguan", "城管局", 0.95, ["派单目录：路灯"])],
            territory={}, flags={"urgent": False, "emergency": None, "out_of_scope": None},
            model_version=None, top_levels=[Choice(branch, "", 0.95, []), Choice("01", "", 0.05, [])])
    return _suggest


def test_auto_dispatch_reads_the_branch_from_the_live_tree(client: TestClient, as_user, db: Session,  # type: ignore[no-untyped-def]
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """路灯 moved under 交通运输 (03) in the console: a demand sure of 交通运输 is dispatched at once; before
    the move (and by its code's first two characters, 01) the branches disagree and it waits in triage."""
    from hotline.portal.flows import do_submit_demand
    from hotline.routing import flows
    from hotline.routing.service import branch_of

    monkeypatch.setattr(get_settings(), "auto_dispatch_threshold", 0.85)
    monkeypatch.setattr(flows, "suggest", _fake("03"))
    form: dict[str, Any] = {"kind": "complaint", "content": "门口的路灯坏了一个星期，晚上很黑。", "phone": "13912345678",
                            "address": ""}
    h = as_user("dispatcher")
    waits = do_submit_demand(db, form=form, photos=[]).number
    assert client.get(f"/api/v1/orders/{waits}", headers=h).json()["status"] == "received"
    r = client.patch(f"{API}/categories/{LAMP}", headers=as_user("admin"), json={"parent": "0301", "reason": "路灯归交通条线"})
    assert r.status_code == 200, r.text
    assert branch_of(db, LAMP) == "03"
    sent = do_submit_demand(db, form=form, photos=[]).number
    body = client.get(f"/api/v1/orders/{sent}", headers=h).json()
    assert body["status"] == "dispatched"


def test_a_moved_category_counts_under_its_new_branch(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    """The dashboard's category mix, Open311's service groups and the category model's training labels
    follow the live tree: 路灯 moved under 交通运输 counts there (its code still starts with 01)."""
    from datetime import timedelta

    from hotline.db import utcnow
    from hotline.kpi import queries
    from hotline.kpi.formulas import Period
    from hotline.org.models import Category
    from tests.integration.helpers import create

    create(client, as_user("operator1"), title="路灯不亮", content="新华路的路灯坏了", category_code=LAMP)
    period = Period(utcnow() - timedelta(days=1), utcnow() + timedelta(days=1))
    assert dict(queries.category_mix(db, period)).get("01", 0) >= 1
    r = client.patch(f"{API}/categories/{LAMP}", headers=as_user("admin"), json={"parent": "0301", "reason": "路灯归交通条线"})
    assert r.status_code == 200, r.text
    mix = dict(queries.category_mix(db, period))
    assert mix.get("03", 0) >= 1 and mix.get("01", 0) == 0
    traffic = db.get(Category, "03")
    assert traffic is not None
    lamp = next(s for s in client.get("/open311/v2/services.json").json() if s["service_code"] == LAMP)
    assert lamp["group"] == traffic.name
