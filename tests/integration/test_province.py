"""The province: its leader and supervisor read every city (and write nothing); its
administrator creates a city from a city file."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.models import City
from hotline.city.tenancy import ALL, acting_as
from hotline.demo.seed import COUNTY_FILE, PROVINCE_USERS
from hotline.errors import Forbidden
from hotline.orders.models import Order
from hotline.org.cities import ensure_province
from hotline.org.models import AuditLog
from tests.integration.test_cities import A, B, _client, _order, _token, two_cities  # noqa: F401

pytestmark = pytest.mark.usefixtures("two_cities")


@pytest.fixture
def province(db: Session) -> City:
    row = ensure_province(db, users=PROVINCE_USERS)
    db.flush()
    return row


def test_provincial_people_read_every_city_side_by_side(db: Session, province: City) -> None:
    with _client(db) as client:
        a, b = _order(client, db, A), _order(client, db, B)
        for username in ("province_leader", "province_supervisor"):
            h = _token(db, username)
            r = client.get("/api/v1/province/overview", headers=h)
            assert r.status_code == 200, r.text
            rows = {c["name"]: c for c in r.json()["cities"]}
            assert set(rows) == {"青阳市", "西河县"}
            assert all(c["volume"] >= 1 for c in rows.values())
            assert all(c["response"] is not None for c in rows.values())  # each city's own rates
            numbers = {o["number"] for o in client.get("/api/v1/orders", headers=h).json()["items"]}
            assert {a["number"], b["number"]} <= numbers
            page = client.get("/province", headers=h)
            assert page.status_code == 200 and "青阳市" in page.text and "西河县" in page.text
            assert "各市三率排名" in page.text
            # the page's title is its name (a copy of the transfers table once sat in the title block)
            assert "<title>全省概览 · 12345热线工单平台</title>" in page.text
            assert page.text.count('id="province-transfers"') <= 1
        # a city's own people do not get the province's view
        assert client.get("/province", headers=_token(db, "dispatcher")).status_code == 403
        assert client.get("/api/v1/province/overview", headers=_token(db, "xh_dispatcher")).status_code == 403


def test_provincial_people_change_nothing(db: Session, province: City) -> None:
    with _client(db) as client:
        b = _order(client, db, B)
        h = _token(db, "province_supervisor")
        r = client.post("/api/v1/orders", headers=h, json={
            "kind": "help", "title": "省级不能受理", "content": "省级账号不能直接受理工单，应当被拒绝。",
            "citizen_phone": "13800000000"})
        assert r.status_code == 403, r.text
        assert "message_en" in r.json()["error"]
        r = client.post(f"/api/v1/orders/{b['number']}/actions", headers=h, json={"action": "supervise",
                                                                                  "note": "省级督办"})
        assert r.status_code == 403, r.text
    # the wall under the role checks: a write in the all-cities scope is refused at flush
    with acting_as(ALL):
        order = db.scalar(select(Order).where(Order.number == b["number"]))
        assert order is not None  # read across cities
        order.title = "改了"
        with pytest.raises(Forbidden) as exc:
            db.flush()
        assert exc.value.code == "province_read_only"
        db.rollback()


def test_every_page_opens_for_the_province_and_logout_works(db: Session, province: City) -> None:
    from tests.conftest import login
    from tests.integration.test_security_confidential import get_paths

    with _client(db) as client:
        b = _order(client, db, B)
        h = _token(db, "province_leader")
        paths = [p for p in get_paths(client.app) if not p.startswith(("/static", "/lang")) and "{" not in p]
        assert len(paths) > 40
        broken = [(p, r.status_code) for p in paths if (r := client.get(p, headers=h)).status_code >= 500]
        assert not broken, broken
        page = client.get(f"/orders/{b['number']}", headers=h)
        assert page.status_code == 200 and B["title"] in page.text  # another city's order, read-only
        with _client(db) as browser:
            csrf = login(browser, "province_supervisor", db=db)
            r = browser.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
            assert r.status_code == 303, r.text
            assert browser.get("/province", follow_redirects=False).status_code == 303  # logged out


def _new_city_file() -> bytes:
    doc = yaml.safe_load(COUNTY_FILE.read_text(encoding="utf-8").replace("西河县", "北山县"))
    doc["city"].update(code="beishan", name="北山县", hotline_name="北山县12345热线", order_number_prefix="BS")
    for u in doc["users"]:
        u["username"] = u["username"].replace("xh_", "bs_")
    doc.pop("boundaries", None)  # a form upload is one file (the next test: one that names a boundary file)
    return yaml.safe_dump(doc, allow_unicode=True).encode()


def test_an_uploaded_city_file_that_names_a_boundary_file_is_refused_with_the_reason(db: Session, province: City) -> None:
    """The map's GeoJSON is a second file, which the upload form cannot carry: a clear 422, not a
    city created without its map or a file error about a path on the server."""
    doc = yaml.safe_load(_new_city_file())
    doc["boundaries"] = "boundaries.geojson"
    with _client(db) as client:
        r = client.post("/api/v1/province/cities", headers=_token(db, "province_admin"),
                        files={"file": ("beishan.yaml", yaml.safe_dump(doc, allow_unicode=True).encode(), "application/yaml")})
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["code"] == "city_file_boundaries" and "hotline city add" in err["message"]
        assert "boundaries" in err["message_en"]
    assert db.scalar(select(City).where(City.code == "beishan")) is None


def test_provincial_administrator_creates_a_city_from_its_file(db: Session, province: City) -> None:
    with _client(db) as client:
        admin = _token(db, "province_admin")
        files = {"file": ("beishan.yaml", _new_city_file(), "application/yaml")}
        assert client.post("/api/v1/province/cities", headers=_token(db, "province_leader"),
                           files=files).status_code == 403
        r = client.post("/api/v1/province/cities", headers=admin, files=files)
        assert r.status_code == 201, r.text
        assert client.post("/api/v1/province/cities", headers=admin, files=files).status_code == 409
        bad = client.post("/api/v1/province/cities", headers=admin,
                          files={"file": ("x.yaml", b"city: {code: x}\n", "application/yaml")})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "city_file_invalid"
        # the new city's dispatcher works in it: its catalogue, none of the other cities' orders
        h = _token(db, "bs_dispatcher")
        assert client.get("/api/v1/orders", headers=h).json()["items"] == []
        units = client.get("/api/v1/units", headers=h).json()
        assert any("北山县" in u["name"] for u in units)
        assert all("西河县" not in u["name"] and "青阳市" not in u["name"] for u in units)
        page = client.get("/province/cities", headers=admin)
        assert "北山县" in page.text
    city = db.scalar(select(City).where(City.code == "beishan"))
    with acting_as(city):
        log = db.scalar(select(AuditLog).where(AuditLog.action == "city.add"))
        assert log is not None and log.actor_label == "province_admin"


def test_the_province_sees_one_hot_matter_across_two_cities(db: Session, province: City) -> None:
    """Citizens of both cities complain about the one mixing plant on their border: the province's page
    shows it as one hot matter spanning both cities (the hotspots grouping, in the all-cities scope)."""
    from tests.integration.helpers import create

    mixer = [("青阳市", "operator1", "丽发新城旁边搅拌站噪音扰民", "丽发新城小区旁边的搅拌站每天早上六点开始轰鸣，灰尘很大，严重影响居民休息。"),
             ("青阳市", "operator1", "投诉丽发新城附近搅拌站噪音", "丽发新城小区附近的搅拌站日夜施工，噪音和扬尘污染严重，请尽快处理搅拌站。"),
             ("西河县", "xh_operator", "丽发新城搅拌站彻夜扰民", "我住丽发新城小区对面，小区旁的搅拌站彻夜运转，噪音扬尘，老人小孩无法休息。")]
    other = [("青阳市", "operator1", "人民路井盖破损", "人民路公交站旁井盖破损，行人差点摔倒，请尽快更换。"),
             ("西河县", "xh_operator", "咨询人才购房补贴", "应届硕士想咨询人才购房补贴需要哪些材料，社保是否要满一年。")]
    with _client(db) as client:
        numbers = {}
        for k, (city, op, title, content) in enumerate(mixer + other):
            o = create(client, _token(db, op), title=title, content=content, citizen_name=f"市民{k}",
                       citizen_phone=f"1390000{k:04d}", address=f"{city}丽发路{k}号")
            numbers[o["number"]] = city
        page = client.get("/province", headers=_token(db, "province_leader"))
        assert page.status_code == 200
        text = page.text
        assert "各市热点" in text
        row = next(r for r in text.split("<tr>") if "丽发新城" in r and "搅拌站" in r)
        assert "青阳市、西河县" in row  # one matter, both cities
        assert all(n in row for n in list(numbers)[:3])  # its three orders …
        assert not any(n in row for n in list(numbers)[3:])  # … and not the unrelated ones
        en = client.get("/province", headers=_token(db, "province_leader") | {"Accept-Language": "en"})
        assert en.status_code == 200


def test_a_transferred_demand_counts_once_among_the_hot_matters(db: Session, province: City) -> None:
    """转办 leaves the sender's order and the receiver's copy: the panel grouped both, so one demand
    showed as two orders of a hot matter spanning both cities."""
    from tests.integration.helpers import create, ok

    with _client(db) as client:
        op, disp = _token(db, "operator1"), _token(db, "dispatcher")
        texts = [("沙河村桥头路灯不亮", "沙河村桥头的路灯已经坏了一周，晚上路过很危险，请尽快修复路灯。"),
                 ("沙河村桥头路灯坏了", "沙河村桥头那盏路灯一直不亮，晚上路过很危险，请修复路灯。")]
        numbers = [create(client, op, title=t, content=c, citizen_name=f"市民{k}", citizen_phone=f"1391111{k:04d}",
                          address="沙河村桥头")["number"] for k, (t, c) in enumerate(texts)]
        ok(client, disp, numbers[0], "transfer_city", to_city="xihe", reason="事发地沙河村属西河县辖区，请西河县热线办理")
        page = client.get("/province", headers=_token(db, "province_leader")).text
        row = next(r for r in page.split("<tr>") if numbers[1] in r)
        copy = db.scalar(select(Order.number).where(Order.status == "transfer_pending")
                         .execution_options(all_cities=True))
        assert copy and copy not in row  # the receiver's copy waits: the sender's order is the demand
        assert '<td class="num">2</td>' in row  # two demands, not three
