"""People administration (issue #18, item 1): what an administrator and the people they manage meet.

Each request gets its own session (``test_cities._client``), as in production, so "stops at once"
means the next request, not an identity map that happened to hold the row.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.tenancy import acting_as
from hotline.db import utcnow
from hotline.org.auth import issue_api_token
from hotline.org.models import ApiToken, AuditLog, LoginSession, User
from tests.conftest import login, login_csrf
from tests.integration.test_cities import _client, _token, two_cities  # noqa: F401

GOOD = "Lamp-river-4471"
NEWER = "Ledger-night-5820"


def _form_login(client: TestClient, username: str, password: str, code: str = "") -> Any:
    return client.post("/login", data={"username": username, "password": password, "next": "/",
                                       "csrf_token": login_csrf(client), "code": code}, follow_redirects=False)


def _csrf(page_html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert m, page_html[:500]
    return m.group(1)


def _new_user(client: TestClient, admin: dict[str, str], username: str = "wang_desk", role: str = "operator",
              unit: str = "centre") -> dict[str, Any]:
    r = client.post("/api/v1/admin/users", headers=admin, json={
        "username": username, "name": "王小青", "role": role, "unit": unit, "password": GOOD})
    assert r.status_code == 201, r.text
    return r.json()


def _audit(db: Session, action: str, entity_id: str) -> AuditLog:
    row = db.scalar(select(AuditLog).where(AuditLog.action == action, AuditLog.entity_id == entity_id)
                    .order_by(AuditLog.id.desc()))
    assert row is not None, (action, entity_id)
    return row


def test_a_new_user_logs_in_and_must_choose_their_own_password(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        weak = client.post("/api/v1/admin/users", headers=admin, json={
            "username": "wang_desk", "name": "王小青", "role": "operator", "unit": "centre", "password": "wang_desk1"})
        assert weak.status_code == 422 and "密码不能包含用户名" in weak.json()["error"]["message"]
        made = _new_user(client, admin)
        assert made["must_change_password"] is True and made["unit"] == "centre"
        taken = client.post("/api/v1/admin/users", headers=admin, json={
            "username": "Dispatcher", "name": "重名", "role": "operator", "unit": "centre", "password": GOOD})
        assert taken.status_code == 409
        row = _audit(db, "user.create", "wang_desk")
        assert row.actor_label == "admin" and row.data["before"] == {}
        assert row.data["after"]["role"] == "operator" and "password_hash" not in row.data["after"]

        r = _form_login(client, "wang_desk", GOOD)
        assert r.status_code == 303 and r.headers["location"] == "/account/password"
        # every other page sends them back to the form until they have chosen
        r = client.get("/orders/new", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/account/password"
        # the frame's polls get nothing to swap (an HX-Redirect would navigate away from the form)
        assert client.get("/notifications/count", headers={"hx-request": "true"}).status_code == 204
        page = client.get("/account/password")
        assert "管理员已重置您的密码，请先设置新密码" in page.text or "设置新密码" in page.text
        csrf = _csrf(page.text)
        bad = client.post("/account/password", data={"csrf_token": csrf, "current": GOOD, "new": "1qaz2wsx3edc",
                                                      "confirm": "1qaz2wsx3edc"})
        assert bad.status_code == 422 and "该密码过于常见" in bad.text
        ok = client.post("/account/password", data={"csrf_token": csrf, "current": GOOD, "new": NEWER,
                                                     "confirm": NEWER}, follow_redirects=False)
        assert ok.status_code == 303
        assert client.get("/orders/new").status_code == 200  # the same session goes on
        assert _audit(db, "user.password_change", "wang_desk").data["after"] == {"must_change_password": False}
    with _client(db) as fresh:
        assert _form_login(fresh, "wang_desk", GOOD).status_code == 401
        assert _form_login(fresh, "wang_desk", NEWER).headers["location"] == "/"
    listed = [u for u in client.get("/api/v1/admin/users", headers=admin).json() if u["username"] == "wang_desk"]
    assert listed and listed[0]["last_login_at"] is not None


def test_edit_role_and_unit_is_audited_with_before_and_after(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        _new_user(client, admin)
        r = client.patch("/api/v1/admin/users/wang_desk", headers=admin,
                         json={"role": "dispatcher", "unit": "dept-chengguan"})
        assert r.status_code == 200 and r.json()["role"] == "dispatcher"
        row = _audit(db, "user.update", "wang_desk")
        assert row.data["before"] == {"role": "operator", "unit": "centre"}
        assert row.data["after"] == {"role": "dispatcher", "unit": "dept-chengguan"}
        own = client.patch("/api/v1/admin/users/admin", headers=admin, json={"role": "operator"})
        assert own.status_code == 422 and own.json()["error"]["code"] == "cannot_change_own_role"
        assert client.patch("/api/v1/admin/users/wang_desk", headers=admin,
                            json={"role": "province_admin"}).status_code == 422


def test_a_disabled_users_sessions_and_tokens_stop_at_once(db: Session) -> None:
    with _client(db) as client, _client(db) as browser:
        admin = _token(db, "admin")
        _new_user(client, admin)
        login(browser, "wang_desk", GOOD, db=db)
        user = db.scalar(select(User).where(User.username == "wang_desk"))
        user.must_change_password = False  # as after their first login
        with acting_as(user.city):
            token, _row = issue_api_token(db, user, "IVR")
        db.flush()
        bearer = {"Authorization": f"Bearer {token}"}
        assert browser.get("/orders/new").status_code == 200
        assert client.get("/api/v1/me", headers=bearer).status_code == 200

        r = client.post("/api/v1/admin/users/wang_desk/disable", headers=admin)
        assert r.status_code == 200 and r.json()["sessions_ended"] == 1 and r.json()["tokens_revoked"] == 1
        assert browser.get("/orders/new", follow_redirects=False).headers["location"].startswith("/login")
        assert client.get("/api/v1/me", headers=bearer).status_code == 401
        assert _form_login(browser, "wang_desk", GOOD).status_code == 401
        row = _audit(db, "user.disable", "wang_desk")
        assert row.data["before"] == {"active": True} and row.data["after"] == {"active": False}

        assert client.post("/api/v1/admin/users/wang_desk/enable", headers=admin).json()["active"] is True
        assert _form_login(browser, "wang_desk", GOOD).status_code == 303
        assert client.get("/api/v1/me", headers=bearer).status_code == 401  # a revoked token stays revoked
        assert client.post("/api/v1/admin/users/admin/disable", headers=admin).json()["error"]["code"] == \
            "cannot_disable_self"


def test_reset_password_ends_sessions_and_forces_a_new_one(db: Session) -> None:
    with _client(db) as client, _client(db) as browser:
        admin = _token(db, "admin")
        _new_user(client, admin)
        db.scalar(select(User).where(User.username == "wang_desk")).must_change_password = False
        db.flush()
        login(browser, "wang_desk", GOOD, db=db)
        assert browser.get("/orders/new").status_code == 200
        r = client.post("/api/v1/admin/users/wang_desk/password-reset", headers=admin, json={"password": "short"})
        assert r.status_code == 422
        r = client.post("/api/v1/admin/users/wang_desk/password-reset", headers=admin, json={"password": NEWER})
        assert r.status_code == 200 and r.json()["must_change_password"] is True
        assert browser.get("/orders/new", follow_redirects=False).headers["location"].startswith("/login")
        assert _form_login(browser, "wang_desk", NEWER).headers["location"] == "/account/password"
        assert _audit(db, "user.password_reset", "wang_desk").data["sessions_ended"] == 1


def test_sessions_are_listed_and_one_can_be_ended(db: Session) -> None:
    with _client(db) as client, _client(db) as b1, _client(db) as b2:
        admin = _token(db, "admin")
        login(b1, "dispatcher", db=db)
        login(b2, "dispatcher", db=db)
        detail = client.get("/api/v1/admin/users/dispatcher", headers=admin).json()
        assert detail["active_sessions"] == 2 and detail["last_login_at"]
        assert all(s["ip"] for s in detail["sessions"])
        one = sorted(detail["sessions"], key=lambda s: s["created_at"])[-1]["id"]
        r = client.delete("/api/v1/admin/users/dispatcher/sessions", headers=admin, params={"session_id": one})
        assert r.json() == {"ended": 1}
        still = [b for b in (b1, b2) if b.get("/queue", follow_redirects=False).status_code == 200]
        assert len(still) == 1
        assert client.delete("/api/v1/admin/users/dispatcher/sessions", headers=admin).json() == {"ended": 1}
        assert all(b.get("/queue", follow_redirects=False).status_code == 303 for b in (b1, b2))


def test_tokens_have_a_scope_and_an_expiry_and_are_shown_once(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        r = client.post("/api/v1/admin/users/operator1/tokens", headers=admin,
                        json={"name": "大屏", "scope": "read", "expires_days": 30})
        assert r.status_code == 201, r.text
        body = r.json()
        ro = {"Authorization": f"Bearer {body['token']}"}
        assert body["scope"] == "read" and body["expires_at"]
        assert client.get("/api/v1/orders", headers=ro).status_code == 200
        w = client.post("/api/v1/orders", headers=ro, json={"kind": "help", "title": "只读令牌不能受理",
                                                          "content": "只读令牌不能受理工单，应当被拒绝。",
                                                          "citizen_phone": "13800000000"})
        assert w.status_code == 403 and w.json()["error"]["code"] == "token_read_only"
        listed = client.get("/api/v1/admin/users/operator1/tokens", headers=admin).text
        assert body["token"] not in listed and "大屏" in listed  # the token itself is never shown again
        row = db.scalar(select(ApiToken).where(ApiToken.id == body["id"]))
        row.expires_at = utcnow() - timedelta(minutes=1)
        db.flush()
        assert client.get("/api/v1/orders", headers=ro).status_code == 401
        assert client.delete(f"/api/v1/admin/tokens/{body['id']}", headers=admin).json()["revoked"] is True
        assert _audit(db, "token.create", str(body["id"])).data["after"]["scope"] == "read"
        assert _audit(db, "token.revoke", str(body["id"])).data["after"] == {"revoked": True}


def test_an_admin_logs_in_with_a_totp_code_computed_by_pyotp(db: Session) -> None:
    with _client(db) as browser:
        login(browser, "admin", db=db)
        page = browser.get("/account")
        csrf = _csrf(page.text)
        page = browser.post("/account/totp/start", data={"csrf_token": csrf})
        assert page.status_code == 200 and "<svg" in page.text  # the QR code, drawn here
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)  # type: ignore[union-attr]
        totp = pyotp.TOTP(secret)
        wrong = browser.post("/account/totp/enable", data={"csrf_token": csrf, "code": "000000"})
        assert wrong.status_code == 422 and "动态验证码不正确" in wrong.text
        ok = browser.post("/account/totp/enable", data={"csrf_token": csrf, "code": totp.now()},
                          follow_redirects=False)
        assert ok.status_code == 303
        assert _audit(db, "user.totp_enable", "admin").data["after"] == {"totp_enabled": True}
    with _client(db) as fresh:
        assert _form_login(fresh, "admin", "demo12345").status_code == 401  # the password alone is not enough
        assert _form_login(fresh, "admin", "demo12345", "123456").status_code == 401
        code = totp.at(utcnow() + timedelta(seconds=30))  # the next step: the one enrolment used is spent
        r = _form_login(fresh, "admin", "demo12345", code)
        assert r.status_code == 303, r.text
        assert fresh.get("/admin/users").status_code == 200
    with _client(db) as again:
        assert _form_login(again, "admin", "demo12345", code).status_code == 401  # a code counts once


def test_totp_is_only_for_admins_and_leaders(db: Session) -> None:
    with _client(db) as browser:
        login(browser, "dispatcher", db=db)
        page = browser.get("/account")
        assert "两步验证" not in page.text
        r = browser.post("/account/totp/start", data={"csrf_token": _csrf(page.text)})
        assert r.status_code == 422 and "只有系统管理员和领导可以启用两步验证" in r.text


def test_every_admin_endpoint_checks_the_role(db: Session) -> None:
    from hotline.city.tenancy import ALL  # noqa: F401  (the province's scope: read-only)
    from hotline.demo.seed import PROVINCE_USERS
    from hotline.org import admin_views
    from hotline.org.cities import ensure_province

    ensure_province(db, users=PROVINCE_USERS)
    db.flush()
    routes = [(m, r.path) for r in admin_views.router.routes for m in r.methods]  # type: ignore[attr-defined]
    assert len(routes) >= 15
    with _client(db) as client:
        others = {u: _token(db, u) for u in ("dispatcher", "leader", "operator1", "supervisor")}
        prov = _token(db, "province_admin")
        admin = _token(db, "admin")
        target = db.scalar(select(User).where(User.username == "callback1"))
        with acting_as(target.city):
            _tok, row = issue_api_token(db, target, "walk")
            db.flush()
        for method, path in routes:
            url = path.replace("{username}", "callback1").replace("{token_id}", str(row.id))
            for who, h in others.items():
                r = client.request(method, url, headers=h, json={})
                assert r.status_code == 403, (who, method, url, r.text)
                assert r.json()["error"]["code"] == "role_not_allowed"
            r = client.request(method, url, headers=prov, json={})
            if method == "GET":
                assert r.status_code in (200, 404), (method, url, r.text)  # reads every city
            else:
                assert r.status_code == 403 and r.json()["error"]["code"] == "province_read_only", (method, url)
            assert client.request(method, url, headers=admin, json={}).status_code != 403, (method, url)
        # and the console pages
        for who, h in others.items():
            for page in ("/admin", "/admin/users", "/admin/audit", "/admin/audit/export"):
                assert client.get(page, headers=h).status_code == 403, (who, page)


@pytest.mark.usefixtures("two_cities")
def test_a_county_admin_neither_sees_nor_edits_the_citys_people(db: Session) -> None:
    with _client(db) as client:
        xh = _token(db, "xh_admin")
        names = {u["username"] for u in client.get("/api/v1/admin/users", headers=xh).json()}
        assert "xh_dispatcher" in names and "dispatcher" not in names and "admin" not in names
        assert client.get("/api/v1/admin/users/dispatcher", headers=xh).status_code == 404
        assert client.patch("/api/v1/admin/users/dispatcher", headers=xh, json={"name": "改名"}).status_code == 404
        assert client.post("/api/v1/admin/users/dispatcher/disable", headers=xh).status_code == 404
        assert client.post("/api/v1/admin/users/dispatcher/password-reset", headers=xh,
                           json={"password": GOOD}).status_code == 404
        qy = db.scalar(select(User).where(User.username == "dispatcher"))
        assert client.get(f"/admin/users/{qy.id}", headers=xh).status_code == 404
        page = client.get("/admin/users", headers=xh)
        assert "xh_dispatcher" in page.text and ">dispatcher<" not in page.text
        # a county user gets a county unit; the city's units are not theirs to give
        bad = client.post("/api/v1/admin/users", headers=xh, json={
            "username": "xh_new", "name": "新人", "role": "operator", "unit": "dept-chengguan", "password": GOOD})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "unit_not_found"
        assert qy.active and qy.name != "改名"
        # usernames stay unique across the province
        dup = client.post("/api/v1/admin/users", headers=xh, json={
            "username": "dispatcher", "name": "重名", "role": "operator", "unit": "centre", "password": GOOD})
        assert dup.status_code in (409, 422)


def test_the_people_pages_create_edit_and_disable(db: Session) -> None:
    with _client(db) as browser:
        login(browser, "admin", db=db)
        page = browser.get("/admin/users")
        assert page.status_code == 200 and "新建人员" in page.text and "cg_handler" in page.text
        csrf = _csrf(page.text)
        weak = browser.post("/admin/users", data={"csrf_token": csrf, "username": "li_qing", "name": "李青",
                                                  "role": "operator", "unit": "centre", "password": "password123"})
        assert weak.status_code == 422 and "该密码过于常见" in weak.text and 'value="li_qing"' in weak.text
        r = browser.post("/admin/users", data={"csrf_token": csrf, "username": "li_qing", "name": "李青",
                                               "role": "operator", "unit": "centre", "password": GOOD},
                         follow_redirects=False)
        assert r.status_code == 303
        detail = browser.get(r.headers["location"])
        assert "已创建人员 li_qing" in detail.text and "待设置新密码" in detail.text
        r = browser.post(r.headers["location"] + "/tokens", data={"csrf_token": csrf, "name": "IVR", "scope": "write",
                                                                  "expires_days": "90"})
        token = re.search(r'id="new-token">(hl_[^<]+)<', r.text).group(1)  # type: ignore[union-attr]
        assert token not in browser.get(r.url.path).text  # shown once
        uid = db.scalar(select(User.id).where(User.username == "li_qing"))
        browser.post(f"/admin/users/{uid}/disable", data={"csrf_token": csrf})
        detail = browser.get(f"/admin/users/{uid}")
        assert "账号已停用" in detail.text and "重新启用" in detail.text
        assert db.scalar(select(LoginSession).where(LoginSession.user_id == uid)) is None


@pytest.mark.parametrize("lang", ["en"])
def test_the_people_page_in_english(db: Session, lang: str) -> None:
    with _client(db) as browser:
        login(browser, "admin", db=db)
        browser.cookies.set("lang", lang)
        page = browser.get("/admin/users")
        assert "New user" in page.text and "Last login" in page.text and "新建人员" not in page.text


def test_the_demo_shows_people_administration(db: Session) -> None:
    from hotline.demo.people import seed_people

    assert seed_people(db) == 5
    assert seed_people(db) == 0  # idempotent
    with _client(db) as browser:
        login(browser, "admin", db=db)
        page = browser.get("/admin/users", params={"q": "o"}).text
        assert "陈晓燕" in page and "回访员" in page and "周建国" in page and "账号已停用" in page
        audit = browser.get("/admin/audit", params={"entity_id": "chen_xiaoyan"}).text
        assert "role: operator" in audit and "role: callback_agent" in audit
        leader = db.scalar(select(User.id).where(User.username == "leader"))
        detail = browser.get(f"/admin/users/{leader}").text
        assert "指挥中心大屏（只读）" in detail and "只读" in detail
