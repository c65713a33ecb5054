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


def test_auto_dispatch_needs_a_sure_branch_too(client: TestClient, as_user,  # type: ignore[no-untyped-def]
                                              monkeypatch: pytest.MonkeyPatch, db) -> None:
    """A unit 95 % sure is not enough when the first-level category is a coin toss: the order waits in triage."""
    from hotline.portal.flows import do_submit_demand
    from hotline.routing import flows
    from hotline.routing.service import Choice, Suggestion

    def fake(branch_p: float):  # type: ignore[no-untyped-def]
        def _suggest(db, *, text, address="", explain=True):  # type: ignore[no-untyped-def]
            return Suggestion(
                categories=[Choice("010101", "城乡建设/市政设施/路灯", 0.9, ["关键词：路灯"])],
                units=[Choice("dept-chengguan", "城管局", 0.95, ["派单目录：路灯"])],
                territory={}, flags={"urgent": False, "emergency": None, "out_of_scope": None},
                model_version=None,
                top_levels=[Choice("01", "城乡建设", branch_p, []), Choice("03", "交通运输", 1 - branch_p, [])])
        return _suggest

    monkeypatch.setattr(get_settings(), "auto_dispatch_threshold", 0.85)
    form = {"kind": "complaint", "content": "门口的路灯坏了一个星期，晚上很黑。", "phone": "13912345678",
            "address": ""}
    monkeypatch.setattr(flows, "suggest", fake(0.55))
    unsure = do_submit_demand(db, form=form, photos=[]).number
    monkeypatch.setattr(flows, "suggest", fake(0.92))
    sure = do_submit_demand(db, form=form, photos=[]).number
    h = as_user("dispatcher")
    assert client.get(f"/api/v1/orders/{unsure}", headers=h).json()["status"] == "received"
    assert unsure in [t["number"] for t in client.get("/api/v1/routing/triage", headers=h).json()]
    assert client.get(f"/api/v1/orders/{sure}", headers=h).json()["status"] == "dispatched"


def test_a_model_from_real_history_leads_a_generated_one_does_not(db, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The lexicon overrules a model trained on generated texts, not one trained on the city's own orders."""
    from hotline.city.service import current_city
    from hotline.routing import service

    class Sure:  # a model 97 % sure of 交通运输 whatever the text
        labels = ["交通运输", "城乡建设", "环境保护", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生"]

        def predict_topk(self, text: str, k: int = 3) -> list[tuple[str, float]]:
            return [("交通运输", 0.97), *[(lab, 0.005) for lab in self.labels[1:]]][:k]

    monkeypatch.setattr(service.REGISTRY, "get", lambda db, purpose: ("v1", Sure()) if purpose == "category" else None)
    text = "小区物业不作为，业主委员会多次反映，开发商交房后物业费乱涨"
    city = current_city()
    monkeypatch.setattr(service.REGISTRY, "source", lambda purpose: "demo generator (2500 demands)")
    generated = service.suggest(db, text=text, city=city, explain=False)
    monkeypatch.setattr(service.REGISTRY, "source", lambda purpose: "database (900 orders)")
    history = service.suggest(db, text=text, city=city, explain=False)
    assert generated.top_levels[0].code == "01" and generated.categories[0].code.startswith("01")
    assert history.top_levels[0].code == "03"
    assert any("词表" in r for r in generated.categories[0].reasons)


def test_first_level_from_the_lexicon_through_the_api(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    """What the operator receives on day one: the branch the citizen's words speak for, with its probability."""
    s = _suggest(client, as_user("operator1"),
                 "我在单位工作了二十年，单位一直没有给我缴纳养老保险，现在快退休了，工龄怎么算，社保能补缴吗？")
    top = s["top_levels"]
    assert [t["code"] for t in top][0] == "05" and s["categories"][0]["code"].startswith("05")
    assert 0.5 < top[0]["confidence"] <= 1.0 and sum(t["confidence"] for t in top) <= 1.0 + 1e-6
    assert any(r.startswith("词表：") and "工龄" in r for r in s["categories"][0]["reasons"])


def test_page_and_api_edit_keywords_the_same_way(client: TestClient, as_user, db) -> None:  # type: ignore[no-untyped-def]
    """One flow (routing.flows.do_edit_keywords) for the console's text box and the API's list: the API
    used to keep "占道，摊贩" as one keyword while the page split it."""
    from sqlalchemy import select

    from hotline.org.models import Unit
    from tests.conftest import login

    r = client.put("/api/v1/routing/catalogue/dept-chengguan", json={"keywords": ["城管", "占道，摊贩", " 噪音 ", "城管"]},
                   headers=as_user("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["keywords"] == ["城管", "占道", "摊贩", "噪音"]
    client.headers.clear()
    csrf = login(client, "admin", db=db)
    page = client.post("/routing/catalogue/dept-chengguan", data={"keywords": "城管, 占道，摊贩、 噪音;城管",
                                                                  "csrf_token": csrf})
    assert page.status_code == 200, page.text
    db.expire_all()
    unit = db.scalar(select(Unit).where(Unit.code == "dept-chengguan"))
    assert unit.keywords == ["城管", "占道", "摊贩", "噪音"]
    assert "摊贩" in page.text
