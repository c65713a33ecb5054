"""12345–110 联动 in the browser (issue #19 item 3): the operator hands an order off to 110 with a reason; a
simulated 110 desk (a local HTTP receiver that verifies the signature) acknowledges and reports status through
the API by itself; the order page shows it.  Then the desk hands a non-police demand to 12345 and the dispatcher
finds it in the queue.  Role and label locators, waits on conditions, no fixed sleeps."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.browser.test_walkthrough import _act, _login

pytestmark = pytest.mark.browser

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
REASON = "现场有人持械斗殴，需公安出警"


class SimulatedDesk:
    """110's side: verifies each delivery, then acknowledges and reports status with its token."""

    def __init__(self, base: str) -> None:
        self.base, self.token, self.received, self.errors = base, "", [], []  # type: ignore[var-annotated]

    def answer(self, doc: dict[str, Any]) -> None:
        h = {"Authorization": f"Bearer {self.token}"}
        try:
            if doc["event"] == "handoff":
                r = httpx.post(self.base + doc["ack_url"], headers=h, timeout=30,
                               json={"receipt_number": "JJ20261202-0588", "received_by": "接警员刘洋"})
                r.raise_for_status()
                r = httpx.post(self.base + doc["status_url"], headers=h, timeout=30,
                               json={"status": "dispatched", "text": "已指令新华派出所出警"})
                r.raise_for_status()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.errors.append(repr(exc))


@pytest.fixture
def desk(live_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedDesk]:
    from sqlalchemy import delete, select

    from hotline import db as dbmod
    from hotline.linkage.models import LinkageDesk
    from hotline.org.auth import create_api_token
    from hotline.org.models import User

    monkeypatch.setenv("HOTLINE_WEBHOOK_ALLOW_PRIVATE", "true")
    state = SimulatedDesk(live_server)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            doc = Webhook(SECRET).verify(body, {k.lower(): v for k, v in self.headers.items()})
            state.received.append(doc)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            threading.Thread(target=state.answer, args=(doc,), daemon=True).start()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with dbmod.session_scope() as s:
        op = s.scalar(select(User).where(User.username == "operator1"))
        assert op is not None
        user = User(username="desk110_browser", name="110对接", role="operator", unit_id=op.unit_id, password_hash="!")
        s.add(user)
        s.flush()
        s.add(LinkageDesk(desk="110", name="青阳市公安局110指挥中心", url=f"http://127.0.0.1:{server.server_address[1]}/in",
                          secret=SECRET, user_id=user.id, active=True))
        state.token = create_api_token(s, user, "110联动")
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        from tests.conftest import _wipe_orders

        _wipe_orders()
        with dbmod.get_engine().begin() as c:
            c.execute(delete(LinkageDesk.__table__))
            c.execute(delete(User.__table__).where(User.username == "desk110_browser"))


def _deliver() -> None:
    from hotline import db as dbmod
    from hotline.db import utcnow
    from hotline.linkage.delivery import run_due

    with dbmod.session_scope() as s:
        run_due(s, now=utcnow() + timedelta(seconds=1))


def _order() -> str:
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.orders.actor import Actor
    from hotline.orders.flows import do_create_order
    from hotline.org.models import User

    with dbmod.session_scope() as s:
        op = Actor.of(s.scalar(select(User).where(User.username == "operator1")))
        return do_create_order(s, actor=op, data={
            "kind": "help", "title": "小区门口持械斗殴", "content": "小区门口有两伙人持械斗殴，有人受伤，请马上处理！",
            "citizen_name": "周平", "citizen_phone": "13955550001", "address": "青阳市东城区新华路8号", "channel": "phone"}).number


def test_hand_off_acknowledged_by_110_and_a_110_demand_in_the_queue(live_server: str, browser: Any,
                                                                    desk: SimulatedDesk, screenshots: Path) -> None:
    from playwright.sync_api import expect

    n = _order()
    op = _login(browser, live_server, "operator1")
    op.goto(f"{live_server}/orders/{n}")
    _act(op, "转应急", fields={"转办理由": REASON}, select={"转办号码": "110"})
    panel = op.locator("#linkage-panel")
    expect(panel).to_contain_text(REASON)
    expect(panel).to_contain_text("待签收")

    _deliver()  # the outbox worker's job: the desk acknowledges and reports on its own
    assert len(desk.received) == 1 and desk.received[0]["reason"] == REASON
    deadline_ok = False
    for _ in range(200):  # the desk's answer arrives on its own thread: wait for the condition
        op.reload()
        try:
            expect(op.locator("#linkage-panel")).to_contain_text("已出警", timeout=1_000)
            deadline_ok = True
            break
        except AssertionError:
            if desk.errors:
                break
    assert not desk.errors, desk.errors
    assert deadline_ok
    # the panel loads by HTMX after the page, so it may be newer than the timeline rendered with the
    # page (a render between the desk's ack and its status): the desk has answered now, read both afresh
    op.reload()
    panel = op.locator("#linkage-panel")
    expect(panel).to_contain_text("已出警")
    expect(panel).to_contain_text("JJ20261202-0588")
    expect(panel).to_contain_text("接警员刘洋")
    expect(panel).to_contain_text("已指令新华派出所出警")
    expect(op.locator(".timeline")).to_contain_text("110已签收")
    op.screenshot(path=str(screenshots / "70-linkage-acknowledged.png"), full_page=True)

    r = httpx.post(f"{live_server}/api/v1/linkage/inbound", headers={"Authorization": f"Bearer {desk.token}"},
                   timeout=60, json={"desk": "110", "receipt_number": "JJ20261202-0600", "caller_phone": "13800002222",
                                     "text": "新华路小区楼下广场舞音响声音太大，非警情，移交12345处理。",
                                     "address": "青阳市东城区新华路小区"})
    assert r.status_code == 201, r.text
    number = r.json()["order_number"]
    disp = _login(browser, live_server, "dispatcher")
    disp.goto(f"{live_server}/queue")
    link = disp.get_by_role("link", name=number)
    expect(link).to_be_visible()
    link.click()
    expect(disp.locator("#linkage-panel")).to_contain_text("转入12345")
    expect(disp.locator("#linkage-panel")).to_contain_text("JJ20261202-0600")
    disp.screenshot(path=str(screenshots / "71-linkage-inbound.png"), full_page=True)
