"""The dispatch catalogue and categories in the console, versioned (issue #18, item 3): entries decide the
routing suggestion's lead and co-units; every change is a version with who/when/why, compared, rolled
back; the spreadsheet round trip; bad files name the row and column; role checks and cities apart."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.catalogue.models import CatalogueVersion
from hotline.org.models import AuditLog, Category
from tests.conftest import login
from tests.integration.helpers import DEMAND, create
from tests.integration.test_cities import two_cities  # noqa: F401  (a fixture)

API = "/api/v1/admin/catalogue"
LAMP = "010101"  # 城乡建设/市政设施/路灯 (the city file: 城管局)
ROAD = "010102"  # 道路破损
TEXT = "新华路上的路灯坏了好几天，晚上一片漆黑。"
XINHUA = "s-dongcheng-xinhua"


def _suggest(client: TestClient, h: dict[str, str], content: str = TEXT, address: str = "") -> dict[str, Any]:
    r = client.post("/api/v1/routing/suggest", json={"content": content, "address": address}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()


def _entry(client: TestClient, h: dict[str, str], *, status: int = 200, **body: Any) -> dict[str, Any]:
    r = client.put(f"{API}/entries", headers=h, json={"reason": "三定方案调整", **body})
    assert r.status_code == status, r.text
    return r.json()  # type: ignore[no-any-return]


def test_an_entry_decides_the_lead_and_co_units_at_once(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    op, admin = as_user("operator1"), as_user("admin")
    before = _suggest(client, op)
    assert before["units"][0]["code"] == "dept-chengguan" and before["co_units"] == []
    v = _entry(client, admin, category=LAMP, lead="dept-zhujian", co_units=["dept-chengguan"], keywords=["灯杆"])
    assert v["number"] == 1 and v["actor"] == "admin" and v["reason"] == "三定方案调整" and v["kind"] == "edit"
    after = _suggest(client, op)
    top = after["units"][0]
    assert top["code"] == "dept-zhujian" and top["reasons"][0].startswith("派单目录第1版：路灯")
    assert [c["code"] for c in after["co_units"]] == ["dept-chengguan"]
    assert "dept-chengguan" not in [u["code"] for u in after["units"]]  # a co-unit, not a rival lead
    assert after["flags"]["catalogue"] == {"version": 1, "category": LAMP, "territory": None, "lead": "dept-zhujian",
                                           "co_units": ["dept-chengguan"]}
    # the routing decision of a new order keeps it (as data, with the rest of the suggestion)
    from hotline.orders.models import Order
    from hotline.routing.models import RoutingDecision

    order = create(client, op, title="路灯坏了", content=TEXT)
    oid = db.scalar(select(Order.id).where(Order.number == order["number"]))
    dec = db.scalar(select(RoutingDecision).where(RoutingDecision.order_id == oid))
    assert dec is not None and dec.top_unit == "dept-zhujian" and dec.flags["catalogue"]["version"] == 1
    # who, when, why, before and after in the audit log
    row = db.scalar(select(AuditLog).where(AuditLog.action == "catalogue.edit"))
    assert row is not None and row.actor_label == "admin" and row.entity == "catalogue" and row.entity_id == "1"
    assert row.data["reason"] == "三定方案调整" and row.data["before"] == {}
    assert row.data["after"][f"entry:{LAMP}@*"]["lead"] == "dept-zhujian"


def test_a_territorys_entry_wins_in_its_street_and_keywords_steer_the_category(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    op, admin = as_user("operator1"), as_user("admin")
    _entry(client, admin, category=LAMP, lead="dept-zhujian")
    _entry(client, admin, category=LAMP, territory=XINHUA, lead=XINHUA, base=1)
    here = _suggest(client, op, address="青阳市东城区新华路12号")
    assert here["territory"]["street"] == XINHUA and here["units"][0]["code"] == XINHUA
    assert here["flags"]["catalogue"]["territory"] == XINHUA
    elsewhere = _suggest(client, op, content="路灯坏了好几天，晚上一片漆黑。")
    assert elsewhere["units"][0]["code"] == "dept-zhujian"
    # an entry's keywords count for its category
    word = "光明工程灯箱"
    assert all(c["code"] != ROAD for c in _suggest(client, op, content=f"{word}出问题了")["categories"])
    _entry(client, admin, category=ROAD, lead="dept-jiaotong", keywords=[word])
    s = _suggest(client, op, content=f"{word}出问题了")
    assert s["categories"][0]["code"] == ROAD and s["units"][0]["code"] == "dept-jiaotong"


def test_versions_compare_and_roll_back(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    op, admin = as_user("operator1"), as_user("admin")
    _entry(client, admin, category=LAMP, lead="dept-zhujian")
    _entry(client, admin, category=LAMP, lead="dept-shuiwuju", co_units=["dept-zhujian"], reason="职责调整")
    _entry(client, admin, category=ROAD, lead="dept-jiaotong")
    vs = client.get(f"{API}/versions", headers=admin).json()
    assert [v["number"] for v in vs] == [3, 2, 1] and vs[1]["reason"] == "职责调整"
    d = client.get(f"{API}/diff", headers=admin, params={"from": 1, "to": 3}).json()
    assert d["summary"]["entries_added"] == 1 and d["summary"]["entries_changed"] == 1
    assert d["entries"]["added"][0]["category"] == ROAD
    ch = d["entries"]["changed"][0]
    assert ch["key"] == f"{LAMP}@*" and ch["fields"]["lead"] == {"before": "dept-zhujian", "after": "dept-shuiwuju"}
    assert ch["fields"]["co_units"] == {"before": [], "after": ["dept-zhujian"]}
    # the readable diff page
    login(client, "admin", db=db)
    page = client.get("/admin/catalogue/diff", params={"from": 1, "to": 3}).text
    assert "城乡建设/市政设施/路灯" in page and "主办单位：青阳市住房和城乡建设局 → " in page
    assert "新增" in page and "道路破损" in page
    assert _suggest(client, op)["units"][0]["code"] == "dept-shuiwuju"
    r = client.post(f"{API}/rollback", headers=admin, json={"to": 1, "reason": "误操作，恢复"})
    assert r.status_code == 200 and r.json()["number"] == 4 and r.json()["kind"] == "rollback"
    assert client.get(f"{API}/versions/4", headers=admin).json()["entries"] == \
        client.get(f"{API}/versions/1", headers=admin).json()["entries"]
    assert _suggest(client, op)["units"][0]["code"] == "dept-zhujian"  # at once
    row = db.scalar(select(AuditLog).where(AuditLog.action == "catalogue.rollback"))
    assert row is not None and row.data["rolled_back_to"] == 1 and row.data["reason"] == "误操作，恢复"
    assert row.data["before"][f"entry:{LAMP}@*"]["lead"] == "dept-shuiwuju"
    # rolling back to version 0: the city file's catalogue
    assert client.post(f"{API}/rollback", headers=admin, json={"to": 0, "reason": "回到配置文件"}).status_code == 200
    assert _suggest(client, op)["units"][0]["code"] == "dept-chengguan"
    # nothing to change, no reason, a stale base, an unknown version
    again = client.post(f"{API}/rollback", headers=admin, json={"to": 0, "reason": "再来一次"})
    assert again.status_code == 422 and again.json()["error"]["code"] == "catalogue_unchanged"
    assert client.put(f"{API}/entries", headers=admin, json={"category": LAMP, "lead": "dept-zhujian", "reason": " "}
                      ).status_code == 422
    stale = client.put(f"{API}/entries", headers=admin, json={"category": LAMP, "lead": "dept-zhujian", "reason": "x",
                                                              "base": 2})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "catalogue_changed"
    assert client.get(f"{API}/versions/99", headers=admin).status_code == 404


def test_the_taxonomy_add_rename_move_retire(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    op, admin, disp = as_user("operator1"), as_user("admin"), as_user("dispatcher")
    old = create(client, op, title="道路坑洼", content="新华路路面破损，坑洼很多", category_code=ROAD)
    r = client.post(f"{API}/categories", headers=admin, json={
        "code": "010199", "name": "灯杆广告", "parent": "0101", "keywords": ["灯杆广告", "灯箱广告"],
        "reason": "新增三级分类"})
    assert r.status_code == 201, r.text
    assert db.get(Category, "010199").path == "城乡建设/市政设施/灯杆广告"
    dup = client.post(f"{API}/categories", headers=admin, json={"code": "010199", "name": "x", "reason": "x"})
    assert dup.status_code == 409
    deep = client.post(f"{API}/categories", headers=admin, json={"code": "01019901", "name": "四级", "parent": "010199",
                                                                 "reason": "x"})
    assert deep.status_code == 422 and deep.json()["error"]["code"] == "category_too_deep"
    s = _suggest(client, op, content="小区门口的灯箱广告歪了")
    assert s["categories"][0]["code"] == "010199"
    # rename and move keep the code; routing shows the new path at once
    assert client.patch(f"{API}/categories/{LAMP}", headers=admin,
                        json={"name": "路灯照明", "reason": "统一名称"}).status_code == 200
    assert client.patch(f"{API}/categories/010103", headers=admin,
                        json={"parent": "0102", "reason": "井盖改由物业条线"}).status_code == 200
    assert db.get(Category, LAMP).path == "城乡建设/市政设施/路灯照明"
    assert db.get(Category, "010103").parent_code == "0102" and db.get(Category, "010103").path.startswith("城乡建设/物业管理/")
    lamp = _suggest(client, op)["categories"][0]
    assert lamp["code"] == LAMP and lamp["name"] == "城乡建设/市政设施/路灯照明"
    # where the cover is said (a 小区: the branch the move was for); a bare "井盖松动" is 交通运输 or 城乡建设
    # in real messages alike, and the day-one starter model leans to 交通运输 (docs/routing.md, "Day one")
    cover = _suggest(client, op, content="小区里的井盖松动了，走上去哐哐响")["categories"][0]
    assert cover["code"] == "010103" and cover["name"].startswith("城乡建设/物业管理/")
    cycle = client.patch(f"{API}/categories/0101", headers=admin, json={"parent": LAMP, "reason": "x"})
    assert cycle.status_code == 422
    # retire: not offered, not accepted for new orders, old orders keep it
    assert client.post(f"{API}/categories/{ROAD}/retire", headers=admin, json={"reason": "并入路灯照明"}).status_code == 200
    assert db.get(Category, ROAD).retired is True
    assert ROAD not in [x["service_code"] for x in client.get("/open311/v2/services.json").json()]
    assert all(c["code"] != ROAD for c in _suggest(client, op, content="新华路路面破损，坑洼很多")["categories"])
    refused = client.post("/api/v1/orders", headers=op, json={**DEMAND, "category_code": ROAD})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "category_retired"
    shown = client.get(f"/api/v1/orders/{old['number']}", headers=disp).json()
    assert shown["category_code"] == ROAD and "道路破损" in (shown.get("category_path") or "")
    login(client, "operator1", db=db)
    intake = client.get("/orders/new").text
    assert "路灯照明" in intake and "道路破损" not in intake
    # restore brings it back
    login(client, "admin", db=db)
    assert client.post(f"{API}/categories/{ROAD}/restore", headers=admin, json={"reason": "恢复"}).status_code == 200
    assert db.get(Category, ROAD).retired is False


def _xlsx(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_export_edit_import_round_trip(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    admin, op = as_user("admin"), as_user("operator1")
    _entry(client, admin, category=LAMP, lead="dept-zhujian", co_units=["dept-chengguan"], keywords=["灯杆", "照明"])
    _entry(client, admin, category=ROAD, territory=XINHUA, lead=XINHUA)
    x = client.get(f"{API}/export", headers=admin, params={"format": "xlsx"})
    assert x.status_code == 200 and 'filename="catalogue-v2.xlsx"' in x.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(x.content)).active
    rows = [[c if c is not None else "" for c in r] for r in ws.iter_rows(values_only=True)]
    assert rows[0] == ["分类编码", "分类名称", "属地编码", "属地名称", "主办单位编码", "主办单位名称", "协办单位编码", "关键词"]
    assert rows[1] == [LAMP, "城乡建设/市政设施/路灯", "", "", "dept-zhujian", "青阳市住房和城乡建设局", "dept-chengguan",
                       "灯杆、照明"]
    assert rows[2][:5] == [ROAD, "城乡建设/市政设施/道路破损", XINHUA, "东城区新华街道", XINHUA]
    c = client.get(f"{API}/export", headers=admin, params={"format": "csv"})
    assert c.content.startswith("\ufeff".encode())
    assert list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))[1][0] == LAMP
    # edit in the spreadsheet: the lamp's lead changes, the road's row goes, a new row comes
    rows[1][4] = "dept-shuiwuju"
    edited = [rows[0], rows[1], ["010103", "", "", "", "dept-chengguan", "", "", "井盖"]]
    preview = client.post(f"{API}/import", headers=admin, files={"file": ("duty.xlsx", _xlsx(edited))},
                          data={"dry_run": "true"})
    assert preview.status_code == 200, preview.text
    p = preview.json()
    assert p["summary"] == {"categories_added": 0, "categories_removed": 0, "categories_changed": 0,
                            "entries_added": 1, "entries_removed": 1, "entries_changed": 1}
    assert db.scalar(select(CatalogueVersion).where(CatalogueVersion.number == 3)) is None  # a preview only
    done = client.post(f"{API}/import", headers=admin, files={"file": ("duty.xlsx", _xlsx(edited))},
                       data={"dry_run": "false", "reason": "2027年三定清单", "base": "2"})
    assert done.status_code == 200, done.text
    assert done.json()["number"] == 3 and done.json()["kind"] == "import"
    assert _suggest(client, op)["units"][0]["code"] == "dept-shuiwuju"
    # the same file again: nothing to save; GBK CSV reads the same
    again = client.post(f"{API}/import", headers=admin, files={"file": ("duty.xlsx", _xlsx(edited))},
                        data={"dry_run": "false", "reason": "再导一次"})
    assert again.status_code == 422 and again.json()["error"]["code"] == "catalogue_unchanged"
    gbk = "\n".join(",".join(r) for r in edited).encode("gb18030")
    same = client.post(f"{API}/import", headers=admin, files={"file": ("duty.csv", gbk)}, data={"dry_run": "true"}).json()
    assert not any(same["summary"].values())


@pytest.mark.parametrize(("row", "column", "code"), [
    (["999999", "", "", "", "dept-zhujian", "", "", ""], "分类编码", "catalogue_category_unknown"),
    ([LAMP, "", "", "", "no-such-unit", "", "", ""], "主办单位编码", "catalogue_lead_invalid"),
    ([LAMP, "", "dept-zhujian", "", "dept-zhujian", "", "", ""], "属地编码", "catalogue_territory_invalid"),
    ([LAMP, "", "", "", "dept-zhujian", "", "dept-zhujian", ""], "协办单位编码", "catalogue_co_unit_is_lead"),
])
def test_a_bad_row_is_refused_with_its_row_and_column(client: TestClient, as_user, row: list[str], column: str,
                                                       code: str) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin")
    header = ["分类编码", "分类名称", "属地编码", "属地名称", "主办单位编码", "主办单位名称", "协办单位编码", "关键词"]
    good = ["010103", "", "", "", "dept-chengguan", "", "", ""]
    r = client.post(f"{API}/import", headers=admin, files={"file": ("d.xlsx", _xlsx([header, good, row]))},
                    data={"dry_run": "true"})
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == code and err["details"]["row"] == 3 and err["details"]["column"] == column
    assert "第3行" in err["message"] if "message" in err else True


def test_bad_files(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin")
    for name, data, code in [("d.txt", b"x", "bad_file_type"), ("d.xlsx", b"not a zip", "bad_xlsx"),
                             ("d.csv", "主办单位编码\nx".encode(), "catalogue_columns_missing"),
                             ("d.csv", b"", "empty_file")]:
        r = client.post(f"{API}/import", headers=admin, files={"file": (name, data)}, data={"dry_run": "true"})
        assert r.status_code == 422 and r.json()["error"]["code"] == code, (name, r.text)
    nul = client.put(f"{API}/entries", headers=admin, json={"category": LAMP, "lead": "dept-zhujian", "reason": "a\u0000"})
    assert nul.status_code in (400, 422)
    long = client.put(f"{API}/entries", headers=admin, json={"category": LAMP, "lead": "dept-zhujian", "reason": "x" * 501})
    assert long.status_code == 422


def test_role_checks(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    from hotline.demo.seed import PROVINCE_USERS
    from hotline.org.cities import ensure_province
    from tests.integration.test_cities import _token

    ensure_province(db, users=PROVINCE_USERS)
    db.flush()
    prov = _token(db, "province_admin")
    writes = [("put", "/entries", {"category": LAMP, "lead": "dept-zhujian", "reason": "x"}),
              ("post", "/entries/remove", {"category": LAMP, "reason": "x"}),
              ("post", "/categories", {"code": "0199", "name": "x", "parent": "01", "reason": "x"}),
              ("patch", f"/categories/{LAMP}", {"name": "x", "reason": "x"}),
              ("post", f"/categories/{LAMP}/retire", {"reason": "x"}), ("post", "/rollback", {"to": 0, "reason": "x"})]
    reads = ["", "/versions", "/versions/0", "/diff?from=0", "/export?format=csv"]
    for who in ("operator1", "dispatcher", "leader", "supervisor"):
        h = as_user(who)
        for method, path, body in writes:
            r = client.request(method, API + path, headers=h, json=body)
            assert r.status_code == 403 and r.json()["error"]["code"] == "role_not_allowed", (who, path)
        for path in reads:
            assert client.get(API + path, headers=h).status_code == 403, (who, path)
        for page in ("/admin/catalogue", "/admin/catalogue/categories", "/admin/catalogue/versions"):
            assert client.get(page, headers=h).status_code == 403, (who, page)
    for method, path, body in writes:
        r = client.request(method, API + path, headers=prov, json=body)
        assert r.status_code == 403 and r.json()["error"]["code"] == "province_read_only", path
    _entry(client, as_user("admin"), category=LAMP, lead="dept-zhujian")
    for path in reads:  # the province reads one city at a time, by its code
        r = client.get(API + path, headers=prov)
        assert r.status_code == 422 and r.json()["error"]["code"] == "city_required", path
        sep = "&" if "?" in path else "?"
        assert client.get(f"{API}{path}{sep}city=qingyang", headers=prov).status_code == 200, path
    assert client.get(f"{API}?city=qingyang", headers=prov).json()["version"] == 1
    assert client.get(f"{API}?city=nowhere", headers=prov).status_code == 404
    picker = client.get("/admin/catalogue", headers=prov)
    assert picker.status_code == 200 and "请选择城市" in picker.text and "/admin/catalogue?city=qingyang" in picker.text
    page = client.get("/admin/catalogue?city=qingyang", headers=prov)
    assert page.status_code == 200 and "青阳市住房和城乡建设局" in page.text and "保存目录条目" not in page.text


@pytest.mark.usefixtures("two_cities")
def test_each_city_has_its_own_catalogue(db: Session) -> None:
    from tests.integration.test_cities import _client, _token

    with _client(db) as client:
        qy, xh = _token(db, "admin"), _token(db, "xh_admin")
        assert client.put(f"{API}/entries", headers=qy, json={"category": LAMP, "lead": "dept-zhujian",
                                                              "reason": "青阳"}).status_code == 200
        theirs = client.get(API, headers=xh).json()
        assert theirs["version"] == 0 and theirs["entries"] == []
        assert client.get(f"{API}/versions", headers=xh).json() == []
        # a unit of the other city is unknown here
        cats = client.get(API, headers=xh).json()["categories"]
        leaf = next(c["code"] for c in cats if c["parent"] and not any(d["parent"] == c["code"] for d in cats))
        r = client.put(f"{API}/entries", headers=xh, json={"category": leaf, "lead": "dept-zhujian", "reason": "x"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "catalogue_lead_invalid"
        assert client.get(f"{API}/versions", headers=qy).json()[0]["number"] == 1


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m
    return m.group(1)


def test_the_pages_edit_import_and_show_versions(client: TestClient, db: Session) -> None:
    login(client, "admin", db=db)
    page = client.get("/admin/catalogue")
    assert page.status_code == 200 and "版本 0" in page.text and "尚无目录条目" in page.text
    token = _csrf(page.text)
    r = client.post("/admin/catalogue/entries", data={
        "csrf_token": token, "category": LAMP, "territory": "", "lead": "dept-zhujian", "co_units": ["dept-chengguan"],
        "keywords": "灯杆、照明", "reason": "", "base": "0"})
    assert r.status_code == 422 and "请填写修改原因" in r.text  # the form again, with the reason
    r = client.post("/admin/catalogue/entries", data={
        "csrf_token": token, "category": LAMP, "territory": "", "lead": "dept-zhujian", "co_units": ["dept-chengguan"],
        "keywords": "灯杆、照明", "reason": "三定调整", "base": "0"})
    assert r.status_code == 200 and "已保存目录条目：已保存为第1版" in r.text
    assert "第1版" in r.text and "青阳市住房和城乡建设局" in r.text and "灯杆、照明" in r.text
    edit = client.get("/admin/catalogue", params={"category": LAMP}).text
    assert 'value="灯杆、照明"' in edit and "删除此条目" in edit
    # import: preview, then confirm
    header = ["分类编码", "分类名称", "属地编码", "属地名称", "主办单位编码", "主办单位名称", "协办单位编码", "关键词"]
    data = _xlsx([header, [LAMP, "", "", "", "dept-shuiwuju", "", "", ""]])
    prev = client.post("/admin/catalogue/import", data={"csrf_token": token}, files={"file": ("d.xlsx", data)})
    assert prev.status_code == 200 and "导入预览" in prev.text and "确认导入为新版本" in prev.text
    assert "主办单位：青阳市住房和城乡建设局 → " in prev.text
    bad = client.post("/admin/catalogue/import", data={"csrf_token": token},
                      files={"file": ("d.xlsx", _xlsx([header, [LAMP, "", "", "", "nope", "", "", ""]]))})
    assert bad.status_code == 422 and "第2行" in bad.text and "主办单位编码" in bad.text
    entries = re.search(r'name="entries" value="([^"]*)"', prev.text)
    assert entries
    import html

    done = client.post("/admin/catalogue/import/confirm", data={
        "csrf_token": token, "entries": html.unescape(entries.group(1)), "base": "1", "reason": "导入新清单"})
    assert done.status_code == 200 and "已导入派单目录：已保存为第2版" in done.text and "导入新清单" in done.text
    # categories page: rename through the form
    cats = client.get("/admin/catalogue/categories", params={"edit": LAMP})
    assert cats.status_code == 200 and "修改分类" in cats.text
    r = client.post(f"/admin/catalogue/categories/{LAMP}", data={
        "csrf_token": token, "name": "路灯照明", "parent": "0101", "keywords": "路灯、照明", "reason": "统一名称", "base": "2"})
    assert r.status_code == 200 and "城乡建设/市政设施/路灯照明" in r.text
    versions = client.get("/admin/catalogue/versions").text
    assert "统一名称" in versions and "导入新清单" in versions and "回滚到此版" in versions
    r = client.post("/admin/catalogue/rollback", data={"csrf_token": token, "to": "1", "reason": "撤回导入", "base": "3"})
    assert r.status_code == 200 and "已回滚到第1版" in r.text
    assert "/admin/catalogue" in client.get("/admin").text
    client.cookies.set("lang", "en")
    en = client.get("/admin/catalogue/versions").text
    assert "Catalogue versions" in en and "Roll back to this version" in en and "派单目录版本" not in en
    assert "Save a catalogue entry" in client.get("/admin/catalogue").text
