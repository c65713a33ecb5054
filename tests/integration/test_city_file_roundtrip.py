"""The city file round-trips (issue #18 item 6): the live configuration exported as a city file, loaded as
a new city and exported again unchanged; an edited file imported with a diff preview, applied through the
versioned flows, and exported back as it was uploaded.

What is checked is what the administrator receives: the YAML file (and that ``load_city`` loads it), the
preview's sections, the page's text, the versions and audit rows an import leaves.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.catalogue.models import CatalogueVersion
from hotline.city.loader import load_city
from hotline.city.models import SettingsVersion
from hotline.city.tenancy import acting_as
from hotline.cityfile import service
from hotline.org.cities import add_city
from hotline.org.models import AuditLog, Unit
from tests.conftest import login
from tests.integration.test_cities import _client, _token, two_cities  # noqa: F401
from tests.integration.test_cli import demo_checkout, hotline_cmd  # noqa: F401

API = "/api/v1/admin/city-file"
LAMP, ROAD = "010101", "010102"
XINHUA = "s-dongcheng-xinhua"


def _export(client: TestClient, h: dict[str, str]) -> str:
    r = client.get(API, headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/yaml")
    assert "attachment" in r.headers["content-disposition"]
    return r.text


def _preview(client: TestClient, h: dict[str, str], text: str, status: int = 200) -> dict[str, Any]:
    r = client.post(f"{API}/preview", headers=h, files={"file": ("city.yaml", text.encode())})
    assert r.status_code == status, r.text
    return r.json()  # type: ignore[no-any-return]


def _apply(client: TestClient, h: dict[str, str], text: str, base: str, reason: str = "三定方案调整"):  # type: ignore[no-untyped-def]
    return client.post(f"{API}/apply", headers=h, files={"file": ("city.yaml", text.encode())},
                       data={"base": base, "reason": reason})


def _edit_live(client: TestClient, admin: dict[str, str]) -> None:
    """A rename, a catalogue entry naming a unit that is then merged away, the merge, an SLA change and a holiday."""
    r = client.patch("/api/v1/admin/units/dept-zhujian", headers=admin, json={"name": "青阳市住房和城乡建设局（新）"})
    assert r.status_code == 200, r.text
    r = client.put("/api/v1/admin/catalogue/entries", headers=admin, json={
        "category": ROAD, "territory": XINHUA, "lead": "dept-chengguan", "co_units": ["dept-zhujian"],
        "keywords": ["人行道"], "reason": "三定方案调整"})
    assert r.status_code == 200, r.text
    r = client.post("/api/v1/admin/units/dept-chengguan/merge", headers=admin, json={"target": "dept-zhujian"})
    assert r.status_code == 200, r.text
    sla = client.get("/api/v1/admin/settings/sla", headers=admin).json()["body"]
    ordinary = next(p for p in sla["policies"] if p["name"] == "ordinary")
    ordinary["complete_within"] = {"amount": 10, "unit": "working_days"}
    sla.setdefault("calendar", {}).setdefault("extra_holidays", []).append("2031-10-08")
    r = client.put("/api/v1/admin/settings/sla", headers=admin, json={"body": sla, "reason": "市政府文件"})
    assert r.status_code == 200, r.text


def test_export_reflects_the_live_configuration_and_loads_as_a_new_city_unchanged(db: Session, tmp_path: Path) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        _edit_live(client, admin)
        text = _export(client, admin)

        # the header names the city, the time and the versions; the body is a valid city file
        head = text.split("\ncity:")[0]
        assert "qingyang" in head and "exported" in head and "by admin" in head
        assert "catalogue version 1, sla settings version 1, kpi settings version 0" in head
        path = tmp_path / "export.yaml"
        path.write_text(text, encoding="utf-8")
        cf = load_city(path)
        units = {u.code: u for u in cf.units}
        assert units["dept-zhujian"].name == "青阳市住房和城乡建设局（新）"
        # the merged unit is gone, its code replaced by its successor's everywhere
        assert "dept-chengguan" not in units and "dept-chengguan" not in text
        assert "dept-zhujian" in cf.category_index()[LAMP].units  # LAMP's default unit was 城管局
        entry = next(e for e in cf.catalogue if e.category == ROAD and e.territory == XINHUA)
        assert entry.lead == "dept-zhujian" and entry.co_units == [] and entry.keywords == ["人行道"]
        assert "路灯" in units["dept-zhujian"].keywords  # the merge carried the duty keywords over
        ordinary = next(p for p in cf.sla["policies"] if p["name"] == "ordinary")
        assert ordinary["complete_within"] == {"amount": 10, "unit": "working_days"}
        assert "2031-10-08" in cf.sla["calendar"]["extra_holidays"]
        assert cf.kpi["weights"] and cf.users == []  # the kpi block as it is; people are never exported

        # the unchanged export, imported back: "no changes"
        p = _preview(client, admin, text)
        assert p["empty"] is True and not any(p["counts"].values()) and p["refused"] == []
        r = _apply(client, admin, text, p["base"])
        assert r.status_code == 422 and r.json()["error"]["code"] == "city_file_unchanged"
        token = login(client, "admin", db=db)
        page = client.post("/admin/city-file/preview", data={"csrf_token": token},
                           files={"file": ("q.yaml", text.encode())}).text
        assert "没有修改：文件与现行配置相同" in page and "cf-confirm" not in page
        client.cookies.set("lang", "en")
        home = client.get("/admin/city-file").text
        assert "Download the city file" in home and "Import a city file" in home and "Dispatch catalogue Version 1" in home
        client.cookies.delete("lang")

    # loaded as a new city, then exported again: identical but for the header (and the city's code/name)
    copy_text = service.strip_header(text).replace("code: qingyang\n  name: 青阳市\n", "code: qycopy\n  name: 青阳副本\n", 1)
    assert "code: qycopy" in copy_text
    new_path = tmp_path / "qycopy.yaml"
    new_path.write_text(copy_text, encoding="utf-8")
    row = add_city(db, new_path, with_users=False)
    with acting_as(row):
        again, _name = service.export(db, actor="test")
        assert db.scalar(select(Unit.id).where(Unit.code == "dept-chengguan")) is None
    assert "catalogue version 0, sla settings version 0, kpi settings version 0" in again
    assert service.strip_header(again) == copy_text


def _edited(text: str) -> tuple[str, dict[str, Any]]:
    body = yaml.safe_load(service.strip_header(text))
    new = copy.deepcopy(body)
    units = {u["code"]: u for u in new["units"]}
    units["dept-shengtai"]["name"] = "青阳市生态环境局（改）"
    units["dept-shengtai"]["keywords"] = [*units["dept-shengtai"].get("keywords", []), "秸秆焚烧"]
    units["dept-shengtai"]["phone"] = "0591-8880000"
    units["c-xinhua-xinyuan"]["parent"] = "s-dongcheng-renmin"  # moved
    new["units"] = [u for u in new["units"] if u["code"] != "c-xinhua-old"]  # retired (no people, no orders)
    new["units"].append({"code": "c-renmin-xinzhuang", "name": "人民街道新庄社区居民委员会", "type": "community",
                         "parent": "s-dongcheng-renmin", "short_name": "新庄社区", "keywords": ["新庄社区"]})
    lamp = service_category(new["categories"], LAMP)
    lamp["name"] = "路灯照明"
    new["catalogue"].append({"category": LAMP, "territory": XINHUA, "lead": "dept-shengtai", "keywords": ["景观灯"]})
    new["sla"]["calendar"]["extra_holidays"] = sorted([*new["sla"]["calendar"].get("extra_holidays", []), "2031-10-09"])
    new["kpi"]["weights"]["satisfaction"] = 40.0
    return service.dump(new), new


def service_category(cats: list[dict[str, Any]], code: str) -> dict[str, Any]:
    stack = list(cats)
    while stack:
        c = stack.pop()
        if c["code"] == code:
            return c
        stack.extend(c.get("children", []))
    raise KeyError(code)


def test_an_edited_file_is_previewed_by_section_applied_in_one_go_and_exports_as_uploaded(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        for code, name in (("c-xinhua-xinyuan", "新苑社区"), ("c-xinhua-old", "旧社区")):
            r = client.post("/api/v1/admin/units", headers=admin, json={
                "code": code, "name": name, "type": "community", "parent": XINHUA})
            assert r.status_code == 201, r.text
        text = _export(client, admin)
        assert "dept-shengtai" in text
        edited, body = _edited(text)

        p = _preview(client, admin, edited)
        assert p["refused"] == [] and p["empty"] is False
        u = p["units"]
        assert [x["code"] for x in u["added"]] == ["c-renmin-xinzhuang"]
        assert [x["code"] for x in u["retired"]] == ["c-xinhua-old"]
        assert u["moved"] == [{"code": "c-xinhua-xinyuan", "name": "新苑社区", "before": XINHUA, "after": "s-dongcheng-renmin"}]
        assert [(x["code"], x["after"]) for x in u["renamed"]] == [("dept-shengtai", "青阳市生态环境局（改）")]
        assert [c["key"] for c in p["categories"]["changed"]] == [LAMP]
        assert [(e["category"], e["lead"]) for e in p["entries"]["added"]] == [(LAMP, "dept-shengtai")]
        assert p["holidays"]["holidays_added"] == ["2031-10-09"] and p["sla"] == []
        assert [c["path"] for c in p["kpi"]] == ["weights.satisfaction"]

        # the page shows the same, grouped by section, with the confirm form
        token = login(client, "admin", db=db)
        page = client.post("/admin/city-file/preview", data={"csrf_token": token},
                           files={"file": ("q.yaml", edited.encode())}).text
        assert [(c["code"], sorted(c["fields"])) for c in u["changed"]] == [("dept-shengtai", ["keywords", "phone"])]
        for part in ("人民街道新庄社区居民委员会", "旧社区", "青阳市生态环境局（改）", "路灯照明", "2031-10-09",
                     "keywords +秸秆焚烧 −—", "→ 0591-8880000",
                     "weights.satisfaction", 'id="cf-confirm"'):
            assert part in page, part

        # a reason is required; a preview made against an older live state is refused with 409
        r = _apply(client, admin, edited, p["base"], reason=" ")
        assert r.status_code == 422 and r.json()["error"]["code"] == "reason_required"
        r = client.patch("/api/v1/admin/units/dept-jiaotong", headers=admin, json={"phone": "0591-7654321"})
        assert r.status_code == 200, r.text
        stale = _apply(client, admin, edited, p["base"])
        assert stale.status_code == 409 and stale.json()["error"]["code"] == "city_file_live_changed", stale.text
        assert stale.json()["error"]["message"] and stale.json()["error"]["message_en"]
        text = _export(client, admin)
        edited, body = _edited(text)
        p = _preview(client, admin, edited)

        r = _apply(client, admin, edited, p["base"])
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["versions"] == {"catalogue": 1, "sla": 1, "kpi": 1}
        db.expire_all()
        assert db.scalar(select(Unit.active).where(Unit.code == "c-xinhua-old")) is False  # retired, never deleted
        assert db.scalar(select(CatalogueVersion.kind).where(CatalogueVersion.number == 1)) == "import"
        assert {v.block for v in db.scalars(select(SettingsVersion))} == {"sla", "kpi"}
        row = db.scalar(select(AuditLog).where(AuditLog.action == "cityfile.import"))
        assert row is not None and row.actor_label == "admin" and row.data["reason"] == "三定方案调整"
        assert row.data["before"] == {"catalogue": 0, "sla": 0, "kpi": 0} and row.data["after"]["kpi"] == 1
        for action, entity in (("unit.create", "c-renmin-xinzhuang"), ("unit.rename", "dept-shengtai"),
                               ("unit.move", "c-xinhua-xinyuan"), ("unit.retire", "c-xinhua-old")):
            assert db.scalar(select(AuditLog.id).where(AuditLog.action == action, AuditLog.entity_id == entity)), action

        # exported again, the file is the one that was uploaded
        assert service.strip_header(_export(client, admin)) == edited


def test_bad_files_and_unsafe_changes_are_refused_with_where_and_why(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        text = _export(client, admin)
        body = yaml.safe_load(service.strip_header(text))

        bad = copy.deepcopy(body)
        del bad["units"][3]["code"]
        err = _preview(client, admin, service.dump(bad), status=422)["error"]
        assert err["code"] == "city_file_invalid" and err["details"]["field"] == "units[3].code"
        assert "units[3].code" in err["message"] and "units[3].code" in err["message_en"]
        assert _preview(client, admin, "units: [\n", status=422)["error"]["code"] == "city_file_yaml"
        token = login(client, "admin", db=db)
        page = client.post("/admin/city-file/preview", data={"csrf_token": token},
                           files={"file": ("bad.yaml", service.dump(bad).encode())})
        assert page.status_code == 422 and "城市配置文件有误：units[3].code" in page.text  # the page says where
        other = copy.deepcopy(body)
        other["city"]["code"] = "xihe"
        assert _preview(client, admin, service.dump(other), status=422)["error"]["code"] == "city_file_other_city"

        # leaving out a unit that has people is not a silent retire; a type change and a roads edit are refused
        unsafe = copy.deepcopy(body)
        unsafe["units"] = [u for u in unsafe["units"] if u["code"] != "dept-jiaotong"]
        stack = list(unsafe["categories"])
        while stack:  # and from the categories that name it
            c = stack.pop()
            c["units"] = [x for x in c.get("units", []) if x != "dept-jiaotong"]
            stack.extend(c.get("children", []))
        for u in unsafe["units"]:
            if u["code"] == "dept-shengtai":
                u["type"] = "enterprise"
        unsafe["roads"] = unsafe["roads"][1:]
        p = _preview(client, admin, service.dump(unsafe))
        codes = [r["code"] for r in p["refused"]]
        assert "unit_has_work" in codes and "unit_type_changed" in codes and "file_only_section" in codes
        r = _apply(client, admin, service.dump(unsafe), p["base"])
        assert r.status_code == 422 and r.json()["error"]["code"] == "city_file_refused"

        # what only the flows know (a territory must be a street or township) is found by the preview's trial run
        odd = copy.deepcopy(body)
        odd["catalogue"] = [{"category": LAMP, "territory": "dept-jiaotong", "lead": "dept-zhujian"}]
        p = _preview(client, admin, service.dump(odd))
        assert [r["code"] for r in p["refused"]] == ["catalogue_territory_invalid"], p["refused"]
        assert "属地须为在用的街道或乡镇" in p["refused"][0]["zh"] and "street or township" in p["refused"][0]["en"]
        assert db.scalar(select(CatalogueVersion.id)) is None  # the trial left nothing behind
        db.expire_all()
        assert db.scalar(select(Unit.active).where(Unit.code == "dept-jiaotong")) is True


def test_only_an_admin_of_the_city_exports_and_imports(db: Session, two_cities: dict[str, Any]) -> None:  # noqa: F811
    with _client(db) as client:
        text = _export(client, _token(db, "admin"))
        for who in ("dispatcher", "operator1", "leader"):
            h = _token(db, who)
            assert client.get(API, headers=h).status_code == 403
            assert client.post(f"{API}/preview", headers=h, files={"file": ("c.yaml", text.encode())}).status_code == 403
            assert _apply(client, h, text, "x").status_code == 403
        county = _token(db, "xh_admin")
        theirs = _export(client, county)
        assert "code: xihe" in theirs and "code: dept-zhujian\n" not in theirs and "qingyang" not in theirs
        err = _preview(client, county, text, status=422)["error"]
        assert err["code"] == "city_file_other_city"
        login(client, "dispatcher", db=db)
        assert client.get("/admin/city-file").status_code == 403


def test_the_cli_writes_the_live_configuration_as_a_city_file(demo_checkout: Path, tmp_path: Path) -> None:  # noqa: F811
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{demo_checkout / 'var' / 'demo.sqlite3'}")
    with engine.begin() as c:  # a rename made in the console, as the database holds it
        c.execute(text("update units set name='青阳市住房和城乡建设局（CLI）' where code='dept-zhujian'"))
    engine.dispose()
    out = tmp_path / "qingyang.yaml"
    r = hotline_cmd(demo_checkout, "city", "export", "--city", "qingyang", "-o", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    written = out.read_text(encoding="utf-8")
    assert written.startswith("# 青阳市（qingyang）的城市文件") and "by cli" in written
    cf = load_city(out)
    assert next(u for u in cf.units if u.code == "dept-zhujian").name == "青阳市住房和城乡建设局（CLI）"
    r = hotline_cmd(demo_checkout, "city", "export")  # the home city, to stdout
    assert r.returncode == 0 and service.strip_header(r.stdout) == service.strip_header(written), r.stderr
    for code in ("nosuch", "province"):
        r = hotline_cmd(demo_checkout, "city", "export", "--city", code)
        assert r.returncode == 2 and "no such city" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_the_export_sets_up_a_fresh_database_that_exports_it_again(db: Session, tmp_path: Path) -> None:
    """The file stays the way to set up a new city: a fresh deployment whose city file is the export
    (a new database, ``HOTLINE_CITY_FILE`` = the export) exports the same file again."""
    import os
    import subprocess
    import sys

    from tests.integration.test_cli import ROOT

    with _client(db) as client:
        admin = _token(db, "admin")
        _edit_live(client, admin)
        text = _export(client, admin)
    path = tmp_path / "qingyang.yaml"
    path.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(PYTHONPATH=str(ROOT), HOTLINE_ENV="test", HOTLINE_PASSWORD_HASH_FAST="true",
               HOTLINE_DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}", HOTLINE_CITY_FILE=str(path))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "hotline.cli", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300, check=False)

    r = run("city", "add", str(path), "--no-users")
    assert r.returncode == 0 and "city qingyang" in r.stdout, r.stdout + r.stderr
    r = run("city", "export", "-o", str(tmp_path / "again.yaml"))
    assert r.returncode == 0, r.stdout + r.stderr
    again = (tmp_path / "again.yaml").read_text(encoding="utf-8")
    assert "catalogue version 0, sla settings version 0, kpi settings version 0" in again
    assert service.strip_header(again) == service.strip_header(text)


def _without_unit(body: dict[str, Any], code: str) -> dict[str, Any]:
    out = copy.deepcopy(body)
    out["units"] = [u for u in out["units"] if u["code"] != code]
    stack = list(out["categories"])
    while stack:
        c = stack.pop()
        c["units"] = [x for x in c.get("units", []) if x != code]
        stack.extend(c.get("children", []))
    out["catalogue"] = [e for e in out["catalogue"] if code not in (e["lead"], e.get("territory"), *e.get("co_units", []))]
    return out


def test_with_demo_orders_a_unit_with_orders_is_never_deleted(db: Session) -> None:
    from hotline.city.service import current_city
    from hotline.demo.seed import seed_orders
    from hotline.orders.enums import OPEN
    from hotline.orders.models import Assignment, Order

    seed_orders(db, current_city(), n=30, seed=7)
    db.flush()
    busy = db.scalar(select(Unit.code).join(Assignment, Assignment.unit_id == Unit.id).join(Order)
                     .where(Assignment.active.is_(True), Order.status.in_(OPEN), Unit.type == "department").limit(1))
    assert busy is not None
    with _client(db) as client:
        admin = _token(db, "admin")
        text = _export(client, admin)
        assert _preview(client, admin, text)["empty"] is True  # orders do not make the live state differ
        body = yaml.safe_load(service.strip_header(text))
        p = _preview(client, admin, service.dump(_without_unit(body, busy)))
        refusal = next(r for r in p["refused"] if r["code"] == "unit_has_work")
        assert busy in refusal["en"] and "open order" in refusal["en"] and "在办工单" in refusal["zh"]
        assert p["units"]["retired"][0]["code"] == busy
        db.expire_all()
        assert db.scalar(select(Unit.active).where(Unit.code == busy)) is True
