"""The organisation in the administration console (issue #18, item 2): the unit tree and its lifecycle.

Each request gets its own session (``test_cities._client``), as in production.  What is checked is
what people receive: the API's counts against the rows that changed, the order page's HTML, the
export's cells, the routing suggestion.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.org.models import AuditLog, Unit, User
from tests.conftest import login
from tests.integration.helpers import create, dispatched, ok
from tests.integration.test_cities import _client, _token, two_cities  # noqa: F401

OLD_NAME = "青阳市城市管理局"
NEW_NAME = "青阳市城市管理综合行政执法局"


@pytest.fixture(autouse=True)
def _fresh_routing_catalogue() -> Iterator[None]:
    """Routing caches the duty catalogue per city; the test's rows roll back, so forget it after."""
    from hotline.routing.service import forget_catalogue

    forget_catalogue()
    yield
    forget_catalogue()


def _audit(db: Session, action: str, entity_id: str) -> AuditLog:
    row = db.scalar(select(AuditLog).where(AuditLog.action == action, AuditLog.entity_id == entity_id)
                    .order_by(AuditLog.id.desc()))
    assert row is not None, (action, entity_id)
    return row


def _unit(db: Session, code: str) -> Unit:
    db.expire_all()
    u = db.scalar(select(Unit).where(Unit.code == code))
    assert u is not None
    return u


def _as(db: Session):  # type: ignore[no-untyped-def]
    cache: dict[str, dict[str, str]] = {}

    def get(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = _token(db, username)
        return cache[username]

    return get


def test_the_tree_create_rename_and_move_without_cycles(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        tree = client.get("/api/v1/admin/units", headers=admin).json()
        by = {u["code"]: u for u in tree}
        assert tree[0]["code"] == "centre" and tree[0]["depth"] == 0
        assert by["s-dongcheng-xinhua"]["parent"] == "d-dongcheng" and by["s-dongcheng-xinhua"]["depth"] == 1
        assert by["c-xinhua-taoyuan"]["depth"] == 2 and by["dept-chengguan"]["people"] >= 2
        codes = [u["code"] for u in tree]  # depth-first: a street's communities follow it
        assert codes.index("d-dongcheng") < codes.index("s-dongcheng-xinhua") < codes.index("c-xinhua-taoyuan")

        r = client.post("/api/v1/admin/units", headers=admin, json={
            "code": "c-xinhua-xinyuan", "name": "新苑社区", "type": "community", "parent": "s-dongcheng-xinhua",
            "phone": "0591-1234567", "duties": "社区网格管理"})
        assert r.status_code == 201, r.text
        assert r.json()["parent"] == "s-dongcheng-xinhua" and r.json()["active"] is True
        assert _audit(db, "unit.create", "c-xinhua-xinyuan").data["after"]["name"] == "新苑社区"
        dup = client.post("/api/v1/admin/units", headers=admin, json={
            "code": "c-xinhua-xinyuan", "name": "重复", "type": "community"})
        assert dup.status_code == 409 and dup.json()["error"]["code"] == "unit_code_taken"
        for body, code in (({"code": "有 空格", "name": "x", "type": "community"}, "unit_code_invalid"),
                           ({"code": "c-x", "name": "x", "type": "street", "parent": "nope"}, "parent_not_found")):
            bad = client.post("/api/v1/admin/units", headers=admin, json=body)
            assert bad.status_code == 422 and bad.json()["error"]["code"] == code, bad.text
            assert bad.json()["error"]["message"] and bad.json()["error"]["message_en"]
        for body in ({"code": "c-y", "name": "x" * 200, "type": "community"},
                     {"code": "c-y", "name": "x", "type": "centre"}, {"code": "c-y", "name": "x\x00y", "type": "street"}):
            assert client.post("/api/v1/admin/units", headers=admin, json=body).status_code == 422, body

        r = client.patch("/api/v1/admin/units/c-xinhua-xinyuan", headers=admin, json={"name": "新苑社区居委会"})
        assert r.status_code == 200 and r.json()["name"] == "新苑社区居委会"
        assert [f["name"] for f in r.json()["former_names"]] == ["新苑社区"]
        row = _audit(db, "unit.rename", "c-xinhua-xinyuan")
        assert row.data["before"] == {"name": "新苑社区"} and row.data["after"] == {"name": "新苑社区居委会"}

        # no cycles: a district below its own street, a unit below itself; the centre stays where it is
        for code, parent in (("d-dongcheng", "s-dongcheng-xinhua"), ("d-dongcheng", "c-xinhua-taoyuan"),
                             ("s-dongcheng-xinhua", "s-dongcheng-xinhua")):
            r = client.post(f"/api/v1/admin/units/{code}/move", headers=admin, json={"parent": parent})
            assert r.status_code == 422 and r.json()["error"]["code"] == "unit_cycle", (code, parent)
        r = client.post("/api/v1/admin/units/centre/move", headers=admin, json={"parent": "d-dongcheng"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "centre_fixed"
        r = client.post("/api/v1/admin/units/c-xinhua-xinyuan/move", headers=admin, json={"parent": "s-dongcheng-renmin"})
        assert r.status_code == 200 and r.json()["parent"] == "s-dongcheng-renmin"
        row = _audit(db, "unit.move", "c-xinhua-xinyuan")
        assert row.data["before"] == {"parent": "s-dongcheng-xinhua"} and row.data["after"] == {"parent": "s-dongcheng-renmin"}
        assert _unit(db, "c-xinhua-xinyuan").code == "c-xinhua-xinyuan"  # the code never changes


def test_a_rename_keeps_the_old_name_on_an_old_orders_page_timeline_and_export(db: Session) -> None:
    with _client(db) as client:
        as_user, admin = _as(db), _token(db, "admin")
        old = dispatched(client, as_user, lead="dept-chengguan")
        r = client.patch("/api/v1/admin/units/dept-chengguan", headers=admin, json={"name": NEW_NAME})
        assert r.status_code == 200 and r.json()["former_names"][0]["name"] == OLD_NAME
        new = dispatched(client, as_user, lead="dept-chengguan", title="人行道井盖缺失")

        api_old = client.get(f"/api/v1/orders/{old}", headers=as_user("dispatcher")).json()
        assert api_old["lead_unit"]["name"] == OLD_NAME and api_old["lead_unit"]["current_name"] == NEW_NAME
        assert client.get(f"/api/v1/orders/{new}", headers=as_user("dispatcher")).json()["lead_unit"]["name"] == NEW_NAME

        login(client, "dispatcher", db=db)
        page = client.get(f"/orders/{old}").text
        assert re.search(r'主办单位</th><td>' + OLD_NAME + r' <span class="small muted">（现名：' + NEW_NAME, page), \
            "the order's facts name the unit as it was called, and what it is called now"
        assert re.search(r"<td>" + OLD_NAME + r"</td><td>主办</td>", page), "the assignment row too"
        page_new = client.get(f"/orders/{new}").text
        assert re.search(r'主办单位</th><td>' + NEW_NAME, page_new)

        export = client.get("/api/v1/exports/orders.csv", headers=as_user("dispatcher"), params={"q": "井盖"})
        rows = {r[0]: r for r in csv.reader(io.StringIO(export.content.decode("utf-8-sig")))}
        assert NEW_NAME in rows[new]
        export = client.get("/api/v1/exports/orders.csv", headers=as_user("dispatcher"))
        rows = {r[0]: r for r in csv.reader(io.StringIO(export.content.decode("utf-8-sig")))}
        assert OLD_NAME in rows[old] and NEW_NAME not in rows[old]


def _timeline(client: TestClient, headers: dict[str, str], number: str) -> list[dict[str, Any]]:
    return client.get(f"/api/v1/orders/{number}", headers=headers).json()["events"]


def test_a_merge_moves_open_work_as_the_preview_said_and_leaves_history(db: Session) -> None:
    with _client(db) as client:
        as_user, admin = _as(db), _token(db, "admin")
        disp = as_user("dispatcher")
        open_lead = dispatched(client, as_user, lead="dept-chengguan")
        as_co = dispatched(client, as_user, lead="dept-zhujian", co=["dept-chengguan"], title="工地渣土车夜间施工")
        done = dispatched(client, as_user, lead="dept-chengguan", title="路灯不亮")
        ok(client, as_user("cg_handler"), done, "sign")
        ok(client, as_user("cg_handler"), done, "reply", content="已派人到现场更换路灯灯泡，路灯已恢复照明，已电话告知诉求人。")
        ok(client, disp, done, "complete", quality_override_reason="已电话核实办理结果")
        people = sorted(db.scalars(select(User.username).where(User.unit_id == _unit(db, "dept-chengguan").id)))
        zj_kw = set(_unit(db, "dept-zhujian").keywords)
        cg_kw = list(_unit(db, "dept-chengguan").keywords)

        q = {"target": "dept-zhujian", "orders": "move", "users": "move", "duties": "true"}
        preview = client.get("/api/v1/admin/units/dept-chengguan/merge-preview", headers=admin, params=q)
        assert preview.status_code == 200, preview.text
        p = preview.json()
        assert p["open_orders"] == 2 and p["lead_assignments"] == 1 and p["co_assignments"] == 1
        assert p["assignments_moved"] == 1 and p["assignments_ended"] == 1  # 住建局 already leads the co order
        assert p["people"] == len(people) and p["people_moved"] == len(people)
        assert p["keywords"] == [k for k in cg_kw if k not in zj_kw] and "城管" in p["keywords"]
        assert p["closed_assignments_stay"] == 1
        assert _unit(db, "dept-chengguan").active, "a preview changes nothing"

        r = client.post("/api/v1/admin/units/dept-chengguan/merge", headers=admin,
                        json={"target": "dept-zhujian", "orders": "move", "users": "move", "duties": True})
        assert r.status_code == 200, r.text
        assert r.json() == p, "what happened is what the preview said"

        # the open order is 住建局's now, its timeline says so; the co order keeps one 住建局 row
        got = client.get(f"/api/v1/orders/{open_lead}", headers=disp).json()
        assert got["lead_unit"]["code"] == "dept-zhujian"
        assert [a["unit"]["code"] for a in got["assignments"] if a["active"]] == ["dept-zhujian"]
        note = next(e for e in _timeline(client, disp, open_lead) if e["data"].get("unit_change") == "merge")
        assert note["action"] == "comment" and OLD_NAME in note["note"] and "青阳市住房和城乡建设局" in note["note"]
        assert note["actor"] == "admin"
        co = client.get(f"/api/v1/orders/{as_co}", headers=disp).json()
        assert [(a["unit"]["code"], a["role"]) for a in co["assignments"] if a["active"]] == [("dept-zhujian", "lead")]
        assert any(a["end_reason"] == "unit_merged" and a["unit"]["code"] == "dept-chengguan" for a in co["assignments"])
        assert any(e["data"].get("unit_change") == "merge" for e in _timeline(client, disp, as_co))
        # closed history stays the old unit's (and its timeline gets nothing)
        kept = client.get(f"/api/v1/orders/{done}", headers=disp).json()
        assert kept["lead_unit"]["code"] == "dept-chengguan"
        assert not any(e["data"].get("unit_change") for e in _timeline(client, disp, done))
        # the people moved, the keywords joined the target, the unit is retired with its code
        assert {u.unit.code for u in db.scalars(select(User).where(User.username.in_(people)))} == {"dept-zhujian"}
        zj = _unit(db, "dept-zhujian")
        assert set(cg_kw) <= set(zj.keywords) and not _unit(db, "dept-chengguan").active
        merge_row = _audit(db, "unit.merge", "dept-chengguan")
        assert merge_row.data["before"] == {"active": True} and merge_row.data["after"] == {"active": False}
        assert merge_row.data["target"] == "dept-zhujian" and merge_row.data["orders_moved"] == 2
        duties_row = _audit(db, "unit.duties_merged", "dept-zhujian")
        assert "城管" in duties_row.data["after"]["keywords"] and "城管" not in duties_row.data["before"]["keywords"]
        assert _audit(db, "user.update", "cg_handler").data["after"] == {"unit": "dept-zhujian"}

        # retired: not in the dispatch pickers or the suggestions, refused as a lead; merged twice is a conflict
        assert "dept-chengguan" not in {u["code"] for u in client.get("/api/v1/units", headers=disp).json()}
        n = create(client, as_user("operator1"))["number"]
        r = client.post(f"/api/v1/orders/{n}/actions", headers=disp, json={"action": "dispatch", "lead_unit": "dept-chengguan"})
        assert r.status_code == 422, r.text
        sug = client.post("/api/v1/routing/suggest", headers=disp, json={"title": "占道经营", "content": "小区门口每天晚上占道经营乱摆摊，城管不管"}).json()
        codes = [u["code"] for u in sug["units"]]
        assert "dept-chengguan" not in codes and "dept-zhujian" in codes
        # its rankings history stays its own: this month it is still ranked with what it handled
        rows = client.get("/api/v1/kpi/rankings", headers=as_user("leader")).json()["rows"]
        cg = next(r for r in rows if r["unit_code"] == "dept-chengguan")
        assert cg["unit_name"] == OLD_NAME and cg["dispatched"] == 2  # the finished order and the ended co-handling
        assert "dept-renshe" in {r["unit_code"] for r in rows}  # active units are listed as before
        again = client.post("/api/v1/admin/units/dept-chengguan/merge", headers=admin, json={"target": "dept-zhujian"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "unit_already_retired"


def test_merge_and_retire_refusals_and_choices(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        for target, code in (("d-dongcheng", "merge_into_self"), ("s-dongcheng-xinhua", "unit_cycle"),
                             ("nope", "target_not_found")):
            r = client.get("/api/v1/admin/units/d-dongcheng/merge-preview", headers=admin, params={"target": target})
            assert r.status_code == 422 and r.json()["error"]["code"] == code, (target, r.text)
        r = client.post("/api/v1/admin/units/centre/merge", headers=admin, json={"target": "d-dongcheng"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "centre_fixed"
        r = client.post("/api/v1/admin/units/s-dongcheng-xinhua/retire", headers=admin, json={})
        assert r.status_code == 422 and r.json()["error"]["code"] == "unit_has_children"
        r = client.post("/api/v1/admin/units/dept-renshe/retire", headers=admin, json={"users": "move"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "target_required"
        r = client.post("/api/v1/admin/units/dept-renshe/retire", headers=admin, json={"users": "fly"})
        assert r.status_code == 422

        # retire, the people disabled (their sessions end with them), the open work staying
        preview = client.get("/api/v1/admin/units/dept-renshe/retire-preview", headers=admin,
                             params={"users": "disable"}).json()
        assert preview["people_disabled"] >= 1 and preview["orders_moved"] == 0
        r = client.post("/api/v1/admin/units/dept-renshe/retire", headers=admin, json={"users": "disable"})
        assert r.status_code == 200 and r.json() == preview
        db.expire_all()
        assert not db.scalar(select(User).where(User.username == "rs_handler")).active
        assert _audit(db, "unit.retire", "dept-renshe").data["after"] == {"active": False}

        # a merged district's streets hang under the target
        r = client.post("/api/v1/admin/units/d-hexi/merge", headers=admin,
                        json={"target": "d-dongcheng", "users": "stay", "orders": "stay"})
        assert r.status_code == 200 and r.json()["children"] >= 1
        assert client.get("/api/v1/admin/units/s-hexi-binjiang", headers=admin).json()["parent"] == "d-dongcheng"


def test_every_unit_endpoint_checks_the_role(db: Session) -> None:
    from hotline.demo.seed import PROVINCE_USERS
    from hotline.org.cities import ensure_province
    from hotline.units import views

    ensure_province(db, users=PROVINCE_USERS)
    db.flush()
    routes = [(m, r.path) for r in views.router.routes for m in r.methods]  # type: ignore[attr-defined]
    assert len(routes) >= 9
    with _client(db) as client:
        others = {u: _token(db, u) for u in ("dispatcher", "leader", "cg_handler", "supervisor")}
        prov, admin = _token(db, "province_admin"), _token(db, "admin")
        for method, path in routes:
            url = path.replace("{code}", "dept-renshe")
            params = {"target": "dept-zhujian"} if "preview" in url else {}
            for who, h in others.items():
                r = client.request(method, url, headers=h, json={}, params=params)
                assert r.status_code == 403 and r.json()["error"]["code"] == "role_not_allowed", (who, method, url)
            r = client.request(method, url, headers=prov, json={}, params=params)
            if method == "GET":
                assert r.status_code in (200, 404), (method, url, r.text)
            else:
                assert r.status_code == 403 and r.json()["error"]["code"] == "province_read_only", (method, url)
            assert client.request(method, url, headers=admin, json={}, params=params).status_code != 403
        for who, h in others.items():
            for page in ("/admin/units", "/admin/units/dept-renshe", "/admin/units/dept-renshe/merge?target=centre"):
                assert client.get(page, headers=h).status_code == 403, (who, page)


@pytest.mark.usefixtures("two_cities")
def test_a_county_admin_finds_no_unit_of_the_city(db: Session) -> None:
    with _client(db) as client:
        xh = _token(db, "xh_admin")
        units = client.get("/api/v1/admin/units", headers=xh).json()
        codes = {u["code"] for u in units}
        assert "dept-chengguan" not in codes and codes
        assert client.get("/api/v1/admin/units/dept-chengguan", headers=xh).status_code == 404
        assert client.patch("/api/v1/admin/units/dept-chengguan", headers=xh, json={"name": "改名"}).status_code == 404
        assert client.post("/api/v1/admin/units/dept-chengguan/merge", headers=xh,
                           json={"target": sorted(codes)[0]}).status_code == 404
        mine = next(u["code"] for u in units if u["type"] != "centre")
        r = client.get(f"/api/v1/admin/units/{mine}/merge-preview", headers=xh, params={"target": "dept-zhujian"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "target_not_found"
        r = client.post("/api/v1/admin/units", headers=xh, json={"code": "x-new", "name": "新单位", "type": "street",
                                                               "parent": "d-dongcheng"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "parent_not_found"
        assert client.get("/admin/units/dept-chengguan", headers=xh).status_code == 404
        assert _unit(db, "dept-chengguan").name == OLD_NAME


def test_the_unit_pages_preview_and_confirm_a_merge(db: Session) -> None:
    with _client(db) as browser:
        csrf = login(browser, "admin", db=db)
        page = browser.get("/admin/units")
        assert page.status_code == 200 and "单位树" in page.text and OLD_NAME in page.text and "新建单位" in page.text
        assert 'href="/admin/units"' in browser.get("/admin").text
        detail = browser.get("/admin/units/dept-renshe")
        assert "合并单位" in detail.text and "预览合并" in detail.text
        preview = browser.get("/admin/units/dept-renshe/merge", params={"target": "dept-zhujian", "orders": "move",
                                                                        "users": "move", "duties": "1"})
        assert preview.status_code == 200 and "确认合并" in preview.text and "人员转至目标单位" in preview.text
        bad = browser.get("/admin/units/dept-renshe/merge", params={"target": "dept-renshe"})
        assert bad.status_code == 422 and "不能并入单位自身" in bad.text
        r = browser.post("/admin/units/dept-renshe/merge", data={"csrf_token": csrf, "target": "dept-zhujian",
                                                                 "orders": "move", "users": "move", "duties": "1"},
                         follow_redirects=False)
        assert r.status_code == 303, r.text
        after = browser.get(r.headers["location"]).text
        assert "已合并" in after and "已停用" in after
        r = browser.post("/admin/units/dept-zhujian", data={"csrf_token": csrf, "name": "住建局（新）", "short_name": "",
                                                            "phone": "", "duties": ""}, follow_redirects=False)
        assert r.status_code == 303
        assert "青阳市住房和城乡建设局" in browser.get("/admin/units/dept-zhujian").text  # its former name
        browser.cookies.set("lang", "en")
        assert "Unit tree" in browser.get("/admin/units").text


def test_a_past_periods_ranking_names_a_renamed_unit_as_it_was_called_then(db: Session) -> None:
    """#18 item 2, "history keeps the old names": the ranking of a period that ended before a rename
    names the unit as it was then (with its name now beside it); the current period uses the new name."""
    from datetime import timedelta

    from hotline.city.service import city_tz
    from hotline.db import utcnow

    with _client(db) as client:
        as_user, admin = _as(db), _token(db, "admin")
        dispatched(client, as_user, lead="dept-chengguan")
        r = client.patch("/api/v1/admin/units/dept-chengguan", headers=admin, json={"name": NEW_NAME})
        assert r.status_code == 200
        here = utcnow().astimezone(city_tz())
        last_month = (here.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        leader = as_user("leader")

        def names(month: str) -> dict[str, dict[str, Any]]:
            r = client.get("/api/v1/kpi/rankings", headers=leader, params={"kind": "month", "value": month})
            assert r.status_code == 200, r.text
            return {row["unit_code"]: row for row in r.json()["rows"]}

        past, now = names(last_month)["dept-chengguan"], names(here.strftime("%Y-%m"))["dept-chengguan"]
        assert past["unit_name"] == OLD_NAME and past["unit_current_name"] == NEW_NAME
        assert now["unit_name"] == NEW_NAME and "unit_current_name" not in now
        login(client, "leader", db=db)
        page = client.get("/kpi", params={"kind": "month", "value": last_month}).text
        assert f"{OLD_NAME} <span class=\"small muted\">（现名：{NEW_NAME}）</span>" in page
