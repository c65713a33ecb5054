"""Security controls (docs/security.md): login throttling and CSRF, who the client is behind proxies,
upload limits before reading, the SMS receipt's text, the production secret, access-log redaction,
response headers and redirects that stay on the site."""

from __future__ import annotations

import logging
import re
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.requests import Request

from hotline.config import Settings, get_settings
from hotline.orders.models import Order
from hotline.org.models import AuditLog
from hotline.outbox.models import OutboxMessage
from hotline.portal import ratelimit
from tests.conftest import login_csrf

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM = {"kind": "help", "content": "东城区新华路12号门口的路灯已经坏了一个星期，晚上很黑，请尽快维修。",
        "address": "青阳市东城区新华路12号", "phone": "13800001111", "name": "张三"}


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    ratelimit.reset_all()
    yield
    ratelimit.reset_all()


def _post_login(client: TestClient, username: str, password: str, **headers: str) -> httpx.Response:
    return client.post("/login", data={"username": username, "password": password, "next": "/",
                                       "csrf_token": login_csrf(client)}, headers=headers, follow_redirects=False)


def _audits(db: Session, action: str, username: str) -> int:
    return db.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == action,
                                                           AuditLog.entity_id == username)) or 0


# ------------------------------------------------------------------ 6. login throttling


def test_forty_wrong_passwords_then_the_right_one_is_refused(client: TestClient, db: Session) -> None:
    codes = [_post_login(client, "operator1", f"wrong-{i}").status_code for i in range(40)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    r = _post_login(client, "operator1", "demo12345")
    assert r.status_code == 429 and "hotline_session" not in r.cookies
    wait = int(r.headers["Retry-After"])
    assert 0 < wait <= 300
    assert re.search(r"登录失败次数过多，请于\d\d:\d\d后（约\d+分钟）再试", r.text)
    assert client.get("/api/v1/me").status_code == 401
    # every failure and every refusal is on the audit log, with the client address
    assert _audits(db, "login.failed", "operator1") == 5
    assert _audits(db, "login.throttled", "operator1") == 36
    row = db.scalar(select(AuditLog).where(AuditLog.action == "login.failed").limit(1))
    assert row.data["ip"] == "testclient"


def test_throttle_message_in_english_and_other_accounts_unaffected(client: TestClient) -> None:
    for i in range(5):
        _post_login(client, "dispatcher", f"wrong-{i}")
    client.cookies.set("lang", "en")
    r = _post_login(client, "dispatcher", "demo12345")
    assert r.status_code == 429 and re.search(r"Too many failed logins\. Try again after \d\d:\d\d", r.text)
    assert _post_login(client, "operator2", "demo12345").status_code == 303  # another account logs in


def test_one_address_guessing_many_accounts_is_refused(client: TestClient) -> None:
    names = [f"nobody{i}" for i in range(20)]
    assert {_post_login(client, n, "x").status_code for n in names} == {401}
    r = _post_login(client, "operator2", "demo12345")  # the right password, from the same address
    assert r.status_code == 429 and "登录失败次数过多" in r.text


def test_login_form_needs_its_csrf_token(client: TestClient, db: Session) -> None:
    r = client.post("/login", data={"username": "operator1", "password": "demo12345"}, follow_redirects=False)
    assert r.status_code == 403 and "hotline_session" not in r.cookies and "CSRF" in r.text
    login_csrf(client)  # the browser has a login cookie, but the attacker's page cannot know the token
    r = client.post("/login", data={"username": "operator1", "password": "demo12345", "csrf_token": "a" * 64},
                    follow_redirects=False)
    assert r.status_code == 403 and "hotline_session" not in r.cookies
    assert _audits(db, "login.csrf_failed", "operator1") == 2
    assert _post_login(client, "operator1", "demo12345").status_code == 303


# ------------------------------------------------------------------ who is the client (X-Forwarded-For)


def _request(peer: str, headers: dict[str, str], scheme: str = "http") -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "scheme": scheme, "query_string": b"",
                    "server": ("testserver", 80), "client": (peer, 1234),
                    "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]})


def test_forwarded_headers_believed_only_from_trusted_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.web.security import client_ip, is_https

    xff = {"X-Forwarded-For": "6.6.6.6, 203.0.113.9", "X-Forwarded-Proto": "https"}
    assert client_ip(_request("198.51.100.7", xff)) == "198.51.100.7"
    assert not is_https(_request("198.51.100.7", xff))
    monkeypatch.setattr(get_settings(), "trusted_proxies", ("10.0.0.0/8",))
    # behind the proxy: the right-most hop the proxy saw, not what the client wrote to its left
    assert client_ip(_request("10.1.2.3", xff)) == "203.0.113.9"
    assert client_ip(_request("10.1.2.3", {"X-Forwarded-For": "203.0.113.9, 10.9.9.9"})) == "203.0.113.9"
    assert is_https(_request("10.1.2.3", xff))
    assert client_ip(_request("198.51.100.7", xff)) == "198.51.100.7"  # not a listed proxy


@pytest.fixture
def uvicorn_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[str]]]:
    """The app under uvicorn, started with the options ``hotline serve`` uses; yields (url, access lines)."""
    import uvicorn

    from hotline.main import create_app
    from hotline.web.security import server_options

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    access = logging.getLogger("uvicorn.access")
    handler = Keep()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info",
                                           lifespan="off", **server_options()))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    access.addHandler(handler)
    try:
        yield f"http://127.0.0.1:{port}", lines
    finally:
        access.removeHandler(handler)
        server.should_exit = True
        thread.join(timeout=10)


def test_portal_limit_per_address_ignores_forwarded_for(uvicorn_server: tuple[str, list[str]]) -> None:
    url, _ = uvicorn_server
    short = {**FORM, "content": "太短"}  # refused after the address limit is counted: nothing is stored
    with httpx.Client(base_url=url) as http:
        codes = [http.post("/portal", data={**short, "phone": f"1380000{i:04d}"},
                           headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                 for i in range(ratelimit.SUBMIT_PER_IP.capacity + 1)]
    assert codes[:-1] == [422] * ratelimit.SUBMIT_PER_IP.capacity
    assert codes[-1] == 429


def test_access_log_hides_api_keys_tokens_and_passwords(uvicorn_server: tuple[str, list[str]]) -> None:
    url, lines = uvicorn_server
    with httpx.Client(base_url=url) as http:
        http.get("/open311/v2/services.json?api_key=SEKRIT-KEY-1&jurisdiction_id=qy")
        http.get("/healthz?token=SEKRIT-TOKEN-2&password=SEKRIT-PW-3")
    deadline = time.monotonic() + 5
    while len([x for x in lines if "/healthz" in x]) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    text = "\n".join(lines)
    assert "/open311/v2/services.json?api_key=***&jurisdiction_id=qy" in text
    assert "/healthz?token=***&password=***" in text
    assert "SEKRIT" not in text


# ------------------------------------------------------------------ 9. uploads: count and size before reading


@pytest.fixture
def bytes_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many bytes the app reads back from spooled upload files."""
    seen: list[int] = []
    real = tempfile.SpooledTemporaryFile.read

    def read(self: Any, *a: Any) -> bytes:
        data = real(self, *a)
        seen.append(len(data))
        return data

    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "read", read)
    return seen


def test_portal_refuses_surplus_photos_before_reading_them(client: TestClient, db: Session,
                                                           bytes_read: list[int]) -> None:
    before = db.scalar(select(func.count(Order.id)))
    photos = [("photos", (f"p{i}.png", PNG + b"\x00" * 200_000, "image/png")) for i in range(12)]
    r = client.post("/portal", data=FORM, files=photos)
    assert r.status_code == 422 and "最多上传3张照片" in r.text
    assert sum(bytes_read) == 0
    assert db.scalar(select(func.count(Order.id))) == before


def test_portal_refuses_a_too_large_photo_before_reading_it(client: TestClient, bytes_read: list[int],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "max_upload_bytes", 1024 * 1024)
    r = client.post("/portal", data=FORM, files=[("photos", ("big.png", PNG + b"\x00" * (1024 * 1024), "image/png"))])
    assert r.status_code == 413 and "不能超过1MB" in r.text
    assert sum(bytes_read) == 0
    r = client.post("/portal", data=FORM, files=[("photos", ("ok.png", PNG, "image/png"))])
    assert r.status_code == 201 and sum(bytes_read) == len(PNG)


def test_appeal_evidence_is_limited_before_reading(client: TestClient, as_user: Any, bytes_read: list[int]) -> None:
    from tests.integration.test_callbacks import completed

    n = completed(client, as_user)
    files = [("files", (f"e{i}.png", PNG + b"\x00" * 100_000, "image/png")) for i in range(11)]
    r = client.post("/api/v1/appeals", headers=as_user("cg_handler"), files=files,
                    data={"number": n, "kind": "designation", "reason": "诉求人要求超出政策范围，已多次解释说明。"})
    assert r.status_code == 422 and r.json()["error"]["message"] == "最多上传10个文件"
    assert sum(bytes_read) == 0


# ------------------------------------------------------------------ 9. the SMS receipt


def test_sms_receipt_says_number_and_how_to_track_never_the_citizens_words(
        client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.db import utcnow
    from hotline.outbox import senders
    from hotline.outbox.service import deliver

    sent: list[tuple[str, str]] = []

    class Gateway:
        def send_sms(self, phone: str, text: str, *, message_id: str) -> None:
            sent.append((phone, text))

    from hotline import registry

    monkeypatch.setitem(registry.get().senders, "sms", senders.SmsSender(Gateway()))
    bait = "您的账户异常请点击evil点cn验证否则冻结"  # someone else's phone, an attacker's words
    r = client.post("/portal", data={**FORM, "phone": "13600002222", "content": bait + "，路灯坏了请维修。"})
    assert r.status_code == 201, r.text
    number = re.search(r'id="order-number">([A-Z0-9-]+)<', r.text).group(1)  # type: ignore[union-attr]
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.channel == "sms", OutboxMessage.topic == "order.received",
                                                 OutboxMessage.recipient == "13600002222")) is not None
    deliver(db, now=utcnow() + timedelta(seconds=1), channels=("sms",))
    mine = [(p, t) for p, t in sent if p == "13600002222"]
    assert len(mine) == 1
    phone, text = mine[0]
    assert phone == "13600002222" and number in text and "查询" in text
    assert "evil" not in text and "账户" not in text and "路灯" not in text


# ------------------------------------------------------------------ 10. configuration, headers, redirects


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="32"):
        Settings(env="production", secret_key="s" * 31, password_hash_fast=False)
    with pytest.raises(ValidationError, match="32"):
        Settings(env="production", secret_key="密" * 10, password_hash_fast=False)  # 30 bytes in UTF-8
    assert Settings(env="production", secret_key="s" * 32, password_hash_fast=False).env == "production"


def test_security_headers_and_a_csp_nonce_on_every_inline_script(client: TestClient, db: Session) -> None:
    r = client.get("/login")
    csp = r.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)  # type: ignore[union-attr]
    assert "script-src 'self' 'nonce-" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in r.headers  # plain http: no HSTS
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", r.text)
    assert scripts and all(f'nonce="{nonce}"' in s for s in scripts)
    assert client.get("/login").headers["content-security-policy"] != csp  # a fresh nonce per response
    assert "content-security-policy" in client.get("/api/v1/me").headers
    # pages with their own inline scripts carry the nonce too; no inline event handlers anywhere
    from tests.conftest import login

    login(client, "leader", db=db)
    for path in ("/dashboard", "/telephony", "/appeals", "/orders"):
        page = client.get(path)
        n = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"]).group(1)  # type: ignore[union-attr]
        inline = [s for s in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page.text) if "application/json" not in s]
        assert all(f'nonce="{n}"' in s for s in inline), path
        assert not re.search(r"\son(click|change|submit|load)=", page.text), path
        assert "javascript:" not in page.text, path
    error = client.get("/orders/NO-SUCH-ORDER")  # the error page's back link works without javascript: URLs
    assert error.status_code == 404 and '<a href="/" data-back>' in error.text


def test_hsts_only_over_https(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "strict-transport-security" not in client.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers
    with TestClient(client.app, base_url="https://testserver") as https:
        assert https.get("/healthz").headers["strict-transport-security"].startswith("max-age=")
    monkeypatch.setattr(get_settings(), "trusted_proxies", ("10.0.0.0/8",))
    with TestClient(client.app, client=("10.0.0.2", 5555)) as proxied:
        assert "strict-transport-security" in proxied.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "/\\evil.com", "http:/evil.com",
                                    "/\t/evil.com", "javascript:alert(1)", "\\\\evil.com"])
def test_language_switch_and_login_redirect_stay_on_the_site(client: TestClient, target: str) -> None:
    r = client.get("/lang/en", params={"next": target}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    r = client.get("/lang/zh", headers={"Referer": target}, follow_redirects=False)
    assert r.headers["location"] == "/"
    r = client.post("/login", data={"username": "operator1", "password": "demo12345", "next": target,
                                    "csrf_token": login_csrf(client)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_language_switch_returns_to_the_page_of_this_site(client: TestClient) -> None:
    r = client.get("/lang/en", headers={"Referer": "http://testserver/orders?status=received"}, follow_redirects=False)
    assert r.headers["location"] == "/orders?status=received" and "lang=en" in r.headers["set-cookie"]
    r = client.get("/lang/en", headers={"Referer": "http://evil.com/orders"}, follow_redirects=False)
    assert r.headers["location"] == "/"
    assert client.get("/lang/zh?next=/kpi", follow_redirects=False).headers["location"] == "/kpi"
