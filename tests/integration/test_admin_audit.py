"""The audit page (issue #18, item 7): every administrative change with before and after, filtered
by actor, object and time, and the export files an administrator opens."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from hotline.city.service import city_tz
from hotline.db import utcnow
from tests.conftest import login
from tests.integration.test_admin_people import GOOD, _new_user
from tests.integration.test_cities import _client, _token


def _changes(client, db: Session) -> None:  # type: ignore[no-untyped-def]
    admin = _token(db, "admin")
    _new_user(client, admin)  # user.create by admin
    _new_user(client, admin, username="zhao_admin", role="admin")
    second = _token(db, "zhao_admin")
    assert client.patch("/api/v1/admin/users/wang_desk", headers=second, json={"role": "dispatcher"}).status_code == 200
    assert client.post("/api/v1/admin/users/wang_desk/disable", headers=admin).status_code == 200


def test_filters_by_actor_object_and_time(db: Session) -> None:
    with _client(db) as client:
        _changes(client, db)
        admin = _token(db, "admin")
        rows = client.get("/api/v1/admin/audit", headers=admin, params={"actor": "zhao_admin"}).json()
        assert [r["action"] for r in rows] == ["user.update"]
        assert rows[0]["before"] == {"role": "operator"} and rows[0]["after"] == {"role": "dispatcher"}
        about = client.get("/api/v1/admin/audit", headers=admin,
                           params={"entity": "user", "entity_id": "wang_desk"}).json()
        assert [r["action"] for r in about] == ["user.disable", "user.update", "user.create"]
        today = utcnow().astimezone(city_tz()).date()
        assert client.get("/api/v1/admin/audit", headers=admin,
                          params={"entity_id": "wang_desk", "since": str(today + timedelta(days=1))}).json() == []
        assert client.get("/api/v1/admin/audit", headers=admin,
                          params={"entity_id": "wang_desk", "until": str(today - timedelta(days=1))}).json() == []
        assert len(client.get("/api/v1/admin/audit", headers=admin,
                              params={"entity_id": "wang_desk", "since": str(today), "until": str(today)}).json()) == 3


def test_the_audit_page_shows_before_and_after(db: Session) -> None:
    with _client(db) as client:
        _changes(client, db)
        login(client, "admin", db=db)
        page = client.get("/admin/audit", params={"entity_id": "wang_desk"})
        assert page.status_code == 200
        text = page.text
        assert "user.update" in text and "role: operator" in text and "role: dispatcher" in text
        assert "zhao_admin" in text and "sessions_ended: 0" in text
        assert "修改人员" in text and "停用账号" in text  # the action's name beside its code
        assert "/admin/audit/export?format=xlsx&amp;entity_id=wang_desk" in text
        only = client.get("/admin/audit", params={"actor": "zhao_admin"}).text
        assert "user.update" in only and "user.disable" not in only


def test_the_csv_export_opens_with_the_filtered_rows(db: Session) -> None:
    with _client(db) as client:
        _changes(client, db)
        login(client, "admin", db=db)
        r = client.get("/admin/audit/export", params={"format": "csv", "entity_id": "wang_desk"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert 'filename="audit.csv"' in r.headers["content-disposition"]
        assert r.content.startswith("\ufeff".encode())  # Excel reads the Chinese as UTF-8
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert rows[0] == ["时间", "操作人", "操作", "对象类型", "对象", "修改前", "修改后", "详情"]
        body = rows[1:]
        assert [row[2] for row in body] == ["user.disable", "user.update", "user.create"]
        update = body[1]
        assert update[1] == "zhao_admin" and update[3:5] == ["user", "wang_desk"]
        assert json.loads(update[5]) == {"role": "operator"} and json.loads(update[6]) == {"role": "dispatcher"}
        assert json.loads(body[2][6])["name"] == "王小青"
        assert body[0][0].startswith(str(utcnow().astimezone(city_tz()).date()))


def test_the_xlsx_export_opens_with_the_filtered_rows(db: Session) -> None:
    with _client(db) as client:
        _changes(client, db)
        admin = _token(db, "admin")
        r = client.get("/api/v1/admin/audit/export", headers=admin,
                       params={"format": "xlsx", "actor": "admin", "entity_id": "wang_desk"})
        assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
        ws = load_workbook(io.BytesIO(r.content)).active
        values = list(ws.iter_rows(values_only=True))
        assert values[0] == ("时间", "操作人", "操作", "对象类型", "对象", "修改前", "修改后", "详情")
        assert [v[2] for v in values[1:]] == ["user.disable", "user.create"]  # zhao_admin's update is filtered out
        disable = values[1]
        assert disable[1] == "admin" and json.loads(disable[6]) == {"active": False}
        assert json.loads(disable[7]) == {"sessions_ended": 0, "tokens_revoked": 0}
        assert disable[0].date() == utcnow().astimezone(city_tz()).date()  # a real date cell, local time


def test_a_formula_in_a_name_stays_text_in_both_files(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        _new_user(client, admin)
        assert client.patch("/api/v1/admin/users/wang_desk", headers=admin,
                            json={"name": "=HYPERLINK(\"http://x\")"}).status_code == 200
        r = client.get("/api/v1/admin/audit/export", headers=admin, params={"format": "xlsx", "action": "user.update"})
        ws = load_workbook(io.BytesIO(r.content)).active
        cell = ws.cell(row=2, column=7)
        assert cell.data_type == "s" and "HYPERLINK" in cell.value
        csv_rows = client.get("/api/v1/admin/audit/export", headers=admin, params={"action": "user.create"}).text
        assert "王小青" in csv_rows and "$argon2" not in csv_rows and GOOD not in csv_rows  # never a password


def test_every_audit_action_name_has_its_english() -> None:
    from hotline.i18n import catalogue
    from hotline.org.audit import ACTION_ZH

    assert [zh for zh in ACTION_ZH.values() if zh not in catalogue()] == []
