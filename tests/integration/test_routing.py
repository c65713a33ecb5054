"""Routing: suggestions with reasons, auto-dispatch vs triage, and the learning loop."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hotline.config import get_settings
from tests.integration.helpers import act, create, ok


def _suggest(client: TestClient, headers: dict, content: str, address: str = "", title: str = "") -> dict:
    r = client.post("/api/v1/routing/suggest", json={"title": title, "content": content, "address": address},
                    headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_keywords_territory_and_flags(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    from hotline.city.service import current_city

    city = current_city()
    road = city.roads[0]
    h = as_user("operator1")
    s = _suggest(client, h, f"{road.name}上的路灯坏了好几天，晚上一片漆黑。", address=f"青阳市{road.name}")
    assert s["categories"] and "路灯" in s["categories"][0]["name"]
    assert any("路灯" in r for r in s["categories"][0]["reasons"])
    assert s["units"] and s["units"][0]["reasons"]
    assert road.name in s["territory"]["matched"]
    assert s["territory"]["street"] or s["territory"]["community"]

    fire = _suggest(client, h, "我家楼下着火了，浓烟很大，快来人！")
    assert fire["flags"]["emergency"] == "119"
    water = _suggest(client, h, "小区从早上开始停水，到现在还没来水。")
    assert water["flags"]["urgent"] is True and "停水" in water["flags"]["urgent_words"]
    ask = _suggest(client, h, "请问办理居住证需要什么材料？")
    assert ask["flags"]["kind"] == "consultation"


def test_units_cannot_use_suggestions(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/routing/suggest", json={"content": "路灯不亮"}, headers=as_user("cg_handler"))
    assert r.status_code == 403


def test_catalogue_edit_changes_suggestions_and_is_audited(client: TestClient, as_user, db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from hotline.org.models import AuditLog

    h = as_user("operator1")
    before = _suggest(client, h, "小区里有个马蜂窝，孩子们很害怕")
    assert "dept-yingji" not in [u["code"] for u in before["units"]]
    r = client.put("/api/v1/routing/catalogue/dept-yingji", json={"keywords": ["马蜂窝", "蜂窝"]},
                   headers=as_user("admin"))
    assert r.status_code == 200
    after = _suggest(client, h, "小区里有个马蜂窝，孩子们很害怕")
    unit = next(u for u in after["units"] if u["code"] == "dept-yingji")
    assert any("马蜂窝" in reason for reason in unit["reasons"])
    assert db.scalar(select(AuditLog).where(AuditLog.action == "unit.keywords")) is not None
    assert client.put("/api/v1/routing/catalogue/dept-yingji", json={"keywords": []},
                      headers=as_user("operator1")).status_code == 403


@pytest.fixture
def trained(db):  # type: ignore[no-untyped-def]
    from hotline.city.service import current_city
    from hotline.demo.routing import train_demo_models
    from hotline.routing.service import REGISTRY

    REGISTRY.forget()
    rows = train_demo_models(db, current_city(), n=700, seed=5)
    yield rows
    REGISTRY.forget()


def test_confident_self_service_order_is_auto_dispatched(client: TestClient, as_user, trained,  # type: ignore[no-untyped-def]
                                                         monkeypatch: pytest.MonkeyPatch, db) -> None:
    """Self-service = the citizen submitted it (here: the portal), not the channel field."""
    from hotline.city.service import current_city
    from hotline.demo.texts import generate_demands
    from hotline.portal.flows import do_submit_demand

    d = generate_demands(current_city(), 1, seed=4242)[0]
    form = {"kind": "complaint", "content": d.content, "phone": "13912345678", "address": d.address}
    monkeypatch.setattr(get_settings(), "auto_dispatch_threshold", 0.0)
    number = do_submit_demand(db, form=form, photos=[]).number
    order = client.get(f"/api/v1/orders/{number}", headers=as_user("dispatcher")).json()
    assert order["status"] == "dispatched"
    assert order["events"][1]["actor"] == "系统" and "自动派单" in order["events"][1]["note"]
    assert order["due_at"] is not None

    monkeypatch.setattr(get_settings(), "auto_dispatch_threshold", 1.01)
    number = do_submit_demand(db, form=form, photos=[]).number
    order = client.get(f"/api/v1/orders/{number}", headers=as_user("dispatcher")).json()
    assert order["status"] == "received"
    triage = client.get("/api/v1/routing/triage", headers=as_user("dispatcher")).json()
    row = next(t for t in triage if t["number"] == order["number"])
    assert row["units"] and row["categories"]


def _handler_of(db, unit_code: str) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from hotline.org.models import Unit, User

    return db.scalar(select(User.username).join(Unit, Unit.id == User.unit_id)
                     .where(Unit.code == unit_code, User.role == "unit_handler").order_by(User.id))


def test_learning_loop_marks_returned_suggestions_wrong(client: TestClient, as_user, trained, db) -> None:  # type: ignore[no-untyped-def]
    op, disp = as_user("operator1"), as_user("dispatcher")
    order = create(client, op, title="占道经营", content="新华路菜市场门口小贩占道经营，堵塞交通，垃圾遍地。")
    s = client.get("/api/v1/routing/accuracy", headers=disp).json()
    suggested_before = s["suggested"]
    assert suggested_before >= 1
    sugg = _suggest(client, op, "新华路菜市场门口小贩占道经营，堵塞交通，垃圾遍地。", title="占道经营")
    top = sugg["units"][0]["code"]
    cat = next(c["code"] for c in sugg["categories"] if len(c["code"]) == 6)
    ok(client, disp, order["number"], "dispatch", lead_unit=top, category_code=cat)
    acc = client.get("/api/v1/routing/accuracy", headers=disp).json()
    assert acc["unit_judged"] >= 1 and acc["first_dispatch_held"] >= 1
    held_before = acc["first_dispatch_held"]

    handler = _handler_of(db, top)
    r = act(client, as_user(handler), order["number"], "request_return", reason="经核实不属于本单位职责范围，申请退回")
    assert r.status_code == 200, r.text
    ok(client, disp, order["number"], "approve_return", note="同意")
    acc2 = client.get("/api/v1/routing/accuracy", headers=disp).json()
    assert acc2["first_dispatch_held"] == held_before - 1
    ret = next(u for u in acc2["returns_by_unit"] if u["unit"] == top)
    assert ret["returns"] >= 1


def test_model_hot_reload(db, trained) -> None:  # type: ignore[no-untyped-def]
    from hotline.routing.service import REGISTRY, suggest
    from hotline.routing.training import register

    first = suggest(db, text="路灯不亮，晚上很黑").model_version
    assert first and first.startswith("category:")
    register(db, purpose="category", texts=["路灯坏了", "噪音扰民", "路灯不亮", "夜间施工噪音"] * 5,
             labels=["城乡建设", "环境保护", "城乡建设", "环境保护"] * 5, source="test")
    REGISTRY.checked.clear()  # the periodic check comes due (for every city)
    second = suggest(db, text="路灯不亮，晚上很黑").model_version
    assert second != first


def test_cli_trains_from_database_and_csv(committed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`hotline routing train-db` and `register` train, store and activate models."""
    from typer.testing import CliRunner

    from hotline import db as dbmod
    from hotline.city.service import current_city
    from hotline.cli import app
    from hotline.demo.seed import seed_orders
    from hotline.routing.models import RoutingModel

    runner = CliRunner()
    r = runner.invoke(app, ["routing", "train-db", "--min-rows", "5"])
    assert r.exit_code == 1 and "not enough" in r.output  # no finished orders yet
    with dbmod.session_scope() as s:
        seed_orders(s, current_city(), n=60, seed=3)
    r = runner.invoke(app, ["routing", "train-db", "--purpose", "unit", "--min-rows", "5"])
    assert r.exit_code == 0, r.output
    csv = tmp_path / "m.csv"
    csv.write_text("text,label\n" + "\n".join(
        f"{t},{lab}" for t, lab in [("路灯坏了", "城乡建设"), ("噪音扰民", "环境保护")] * 6), encoding="utf-8")
    r = runner.invoke(app, ["routing", "register", "--csv", str(csv), "--purpose", "category"])
    assert r.exit_code == 0, r.output
    with dbmod.session_scope() as s:
        from sqlalchemy import delete, select

        active = {m.purpose: m for m in s.scalars(select(RoutingModel).where(RoutingModel.active.is_(True)))}
        assert set(active) == {"category", "unit"} and active["unit"].source.startswith("database")
        s.execute(delete(RoutingModel))
