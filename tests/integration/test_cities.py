"""Two cities on one platform: nothing of one city reaches the other's people (issue #13).

The walk reads the app's own route table (every GET endpoint and console page, a page added
later is walked too) and fills path parameters with the *other* city's order number and ids;
each city's centre dispatcher, unit handler and an integration token of its administrator
walk it.  No response may carry the other city's order number, citizen name, citizen phone
(raw or masked), order title or unit names.  Each request gets its own session, as in
production, so the identity map of an earlier request cannot hand a row across.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.city.models import City
from hotline.city.tenancy import acting_as
from hotline.demo.seed import COUNTY_FILE, ensure_unit_accounts
from hotline.orders.models import Order, OrderEvent
from hotline.org.auth import create_api_token
from hotline.org.cities import add_city
from hotline.org.models import Unit, User
from tests.conftest import login
from tests.integration.helpers import create, leaf_category, ok
from tests.integration.test_security_confidential import _text, get_paths

A = {"name": "欧阳青山", "phone": "13911110001", "title": "新华路井盖松动异响", "city": "青阳市", "hook": "qy-hook-7731",
     "units": ["东城区新华街道", "青阳市城市管理局", "青阳"],  # 青阳: also 国网青阳供电公司, 青阳通 …
     "users": ("operator1", "dispatcher", "cg_handler", "admin"), "lead": "dept-chengguan"}
B = {"name": "西门河生", "phone": "13722220002", "title": "沙河村路灯不亮", "city": "西河县", "hook": "xh-hook-4412",
     "units": ["西河县沙河镇", "西河县城市管理局"],
     "users": ("xh_operator", "xh_dispatcher", "xh_handler", "xh_admin"), "lead": None}


@pytest.fixture
def two_cities(db: Session) -> Iterator[dict[str, Any]]:
    county = add_city(db, COUNTY_FILE)
    with acting_as(county):
        ensure_unit_accounts(db)
        B["lead"] = db.scalar(select(User).where(User.username == "xh_handler")).unit.code
    db.flush()
    yield {"county": county}


def _client(db: Session) -> TestClient:
    """The app with a fresh session per request on the test's connection (rolled back at the end)."""
    from starlette.concurrency import run_in_threadpool

    from hotline.city.tenancy import set_scope
    from hotline.main import create_app
    from hotline.org.deps import get_db, request_scope
    from hotline.org.throttle import reset_login_throttle

    reset_login_throttle()
    conn = db.connection()
    app = create_app()

    async def _override(request: Request) -> AsyncIterator[Session]:  # get_db, on the test's connection
        s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            set_scope(await run_in_threadpool(request_scope, request, s))
            yield s
        except Exception:
            s.rollback()
            raise
        finally:
            s.close()

    app.dependency_overrides[get_db] = _override
    return TestClient(app, raise_server_exceptions=False)


def _token(db: Session, username: str) -> dict[str, str]:
    user = db.scalar(select(User).where(User.username == username).execution_options(all_cities=True))
    assert user is not None, username
    with acting_as(user.city):
        token = create_api_token(db, user, "integration")
        db.flush()
    return {"Authorization": f"Bearer {token}"}


def _order(client: TestClient, db: Session, city: dict[str, Any]) -> dict[str, Any]:
    """Created, dispatched, signed, replied and completed (callback task, notices, KPI rows), with a
    webhook subscribed first so that its deliveries are queued too."""
    op, disp, handler = (_token(db, u) for u in city["users"][:3])
    r = client.post("/api/v1/webhooks", headers=_token(db, city["users"][3]), json={
        "name": city["hook"], "url": f"https://93.184.216.34/{city['hook']}", "events": ["dispatch", "complete"]})
    assert r.status_code == 201, r.text
    order = create(client, op, title=city["title"], citizen_name=city["name"], citizen_phone=city["phone"],
                   address=f"{city['city']}某路1号", content=f"{city['title']}，已经好几天了，请尽快处理，谢谢。")
    n = order["number"]
    ok(client, disp, n, "dispatch", lead_unit=city["lead"], category_code=leaf_category(client, disp))
    ok(client, handler, n, "sign")
    ok(client, handler, n, "reply", content="已派人到现场核实处理，问题已解决，已电话告知诉求人。")
    ok(client, disp, n, "complete")
    row = db.scalar(select(Order).where(Order.number == n).execution_options(all_cities=True))
    return {"number": n, "order_id": row.id}


def _markers(city: dict[str, Any], ids: dict[str, Any]) -> list[str]:
    p = city["phone"]
    return [ids["number"], city["name"], p, p[:3] + "****" + p[-4:], city["title"], city["city"], city["hook"],
            *city["units"]]


def _fill(path: str, ids: dict[str, Any], phone: str) -> list[str]:
    import re

    values = {"number": [ids["number"]], "phone": [phone], "fmt": ["csv", "xlsx", "json"], "lang": ["en"],
              "name": [f"{ids['number']}.json", f"{ids['number']}.xml", "requests.json", "services.json",
                       "discovery.json", "discovery.xml"]}
    urls = [path]
    for param in re.findall(r"{([^}:]+)(?::[^}]*)?}", path):
        options = values.get(param, [ids["order_id"]])
        urls = [re.sub(r"{" + param + r"(?::[^}]*)?}", str(v), u, count=1) for u in urls for v in options]
    return urls


def test_orders_get_their_city_and_a_per_city_number(db: Session, two_cities: dict[str, Any]) -> None:
    with _client(db) as client:
        a, b = _order(client, db, A), _order(client, db, B)
    assert a["number"].startswith("QY") and b["number"].startswith("XH")
    qy = db.scalar(select(City).where(City.code == "qingyang"))
    rows = {o.number: o.city_id for o in db.scalars(select(Order).execution_options(all_cities=True))}
    assert rows[a["number"]] == qy.id and rows[b["number"]] == two_cities["county"].id
    # the order's children carry its city too (stamped, not remembered by each flow)
    for ids, cid in ((a, qy.id), (b, two_cities["county"].id)):
        ev = set(db.scalars(select(OrderEvent.city_id).where(OrderEvent.order_id == ids["order_id"])
                            .execution_options(all_cities=True)))
        assert ev == {cid}
    # the same unit code may exist in both cities; the ORM sees only the acting city's
    with acting_as(two_cities["county"]):
        assert db.scalar(select(func.count()).select_from(Unit)) == 29
        assert db.scalar(select(Order.number).where(Order.number == a["number"])) is None


def test_nothing_of_the_other_city_appears_anywhere(db: Session, two_cities: dict[str, Any]) -> None:
    with _client(db) as client:
        ids = {"A": _order(client, db, A), "B": _order(client, db, B)}
        paths = [p for p in get_paths(client.app) if not p.startswith(("/static", "/lang"))]
        leaks: list[str] = []
        walked = 0
        for me, other in (("A", "B"), ("B", "A")):
            mine, theirs = (A, B) if me == "A" else (B, A)
            urls = [u for p in paths for u in _fill(p, ids[other], theirs["phone"])]
            urls += [f"/api/v1/orders?q={theirs['title']}", f"/api/v1/search/orders?q={theirs['title']}",
                     f"/orders?q={theirs['title']}", f"/api/v1/orders?phone={theirs['phone']}",
                     f"/orders?phone={theirs['phone']}", f"/api/v1/orders/{ids[other]['number']}"]
            markers = _markers(theirs, ids[other])
            for username in (mine["users"][1], mine["users"][2], mine["users"][3]):
                headers = _token(db, username)
                # the walk proves something only if one's own city's order is visible
                own = client.get(f"/api/v1/orders/{ids[me]['number']}", headers=headers)
                if username != mine["users"][3]:
                    assert own.status_code == 200 and own.json()["title"] == mine["title"], (username, own.text)
                else:  # the administrator sees the city's own webhook
                    assert mine["hook"] in client.get("/api/v1/webhooks", headers=headers).text
                key = headers["Authorization"][7:]
                for url in urls:
                    if url.startswith("/open311/"):  # Open311 names its caller with api_key
                        url = f"{url}{'&' if '?' in url else '?'}api_key={key}"
                    r = client.get(url, headers=headers, follow_redirects=False)
                    assert r.status_code < 500, (username, url, r.text[:300])
                    walked += 1
                    text = _text(r)
                    # what the request itself carried may be echoed (a 404 naming the number asked for)
                    found = [m for m in markers if m in text and m not in url]
                    if found:
                        leaks.append(f"{username} {url}: {found}")
                if username == mine["users"][1]:  # the same pages through a console login (cookie, CSRF)
                    with _client(db) as browser:
                        login(browser, username, db=db)
                        assert ids[me]["number"] in browser.get("/orders").text
                        for url in urls:
                            if url.startswith(("/api/", "/open311/")):
                                continue
                            r = browser.get(url, follow_redirects=False)
                            assert r.status_code < 500, (username, url, r.text[:300])
                            walked += 1
                            found = [m for m in markers if m in _text(r) and m not in url]
                            if found:
                                leaks.append(f"{username} (console) {url}: {found}")
                # a write aimed at the other city's order finds nothing (404, like an invisible order)
                r = client.post(f"/api/v1/orders/{ids[other]['number']}/actions", headers=headers,
                                json={"action": "supervise", "note": "跨市督办"})
                if r.status_code != 404:
                    leaks.append(f"{username} POST actions on the other city's order: {r.status_code}")
        assert walked > 400  # the route table really was walked
        assert not leaks, "\n".join(leaks[:60])


def test_each_city_works_to_its_own_file(db: Session, two_cities: dict[str, Any]) -> None:
    """Limits, catalogue and routing caches follow the acting city, not the first city a process saw."""
    from datetime import datetime

    from hotline.routing.service import _unit_keywords
    from hotline.sla.service import bound

    home = db.scalar(select(City).where(City.code == "qingyang"))
    for city, days in ((home, 3), (two_cities["county"], 5), (home, 3)):
        with acting_as(city):
            ordinary = next(p for p in bound()[0].policies if p.name == "ordinary")
            assert ordinary.complete_within.amount == days, city.code
            units = _unit_keywords(db)[1]
            assert all(code.startswith("xh-") == (city.code == "xihe") for code in units), city.code
    # end to end: the same demand dispatched in each city gets that city's time limit
    with _client(db) as client:
        spans = {}
        for city in (A, B):
            disp = _token(db, city["users"][1])
            n = create(client, _token(db, city["users"][0]), title=city["title"])["number"]
            o = ok(client, disp, n, "dispatch", lead_unit=city["lead"], category_code=leaf_category(client, disp))
            spans[city["city"]] = (datetime.fromisoformat(o["due_at"])
                                   - datetime.fromisoformat(o["created_at"])).total_seconds()
    assert spans["西河县"] > spans["青阳市"] + 86400  # 5 working days against 3
