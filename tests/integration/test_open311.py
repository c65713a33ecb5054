"""Open311 GeoReport v2: the spec's documents in JSON and XML, errors in the spec's format,
a third-party client (the ``georeport`` package) against the live server, and the NYC 311 sample
posted through the API and read back."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.orders.models import Order
from tests.conftest import SHARED_DATA

BASE = "/open311/v2"
LAMP = "010101"  # 城乡建设/市政设施/路灯


def key(as_user, who: str = "operator1") -> str:  # type: ignore[no-untyped-def]
    return as_user(who)["Authorization"].removeprefix("Bearer ")


def post(client: TestClient, api_key: str | None, fmt: str = "json", **over: Any):  # type: ignore[no-untyped-def]
    data = {"service_code": LAMP, "lat": "31.2304", "long": "121.4737", "address_string": "青阳市东城区新华路12号",
            "description": "新华路12号门口路灯不亮已经三天了", "first_name": "娜", "last_name": "李",
            "phone": "13912345678", "jurisdiction_id": "qingyang", **over}
    if api_key:
        data["api_key"] = api_key
    return client.post(f"{BASE}/requests.{fmt}", data={k: v for k, v in data.items() if v is not None})


def test_discovery_and_services(client: TestClient) -> None:
    d = client.get(f"{BASE}/discovery.json").json()
    assert d["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "application/json" in d["endpoints"][0]["formats"]
    assert ET.fromstring(client.get(f"{BASE}/discovery.xml").content).tag == "discovery"
    services = client.get(f"{BASE}/services.json").json()
    lamp = next(s for s in services if s["service_code"] == LAMP)
    assert lamp == {"service_code": LAMP, "service_name": "路灯", "description": lamp["description"],
                    "metadata": False, "type": "realtime", "keywords": lamp["keywords"], "group": "城乡建设"}
    assert "路灯" in lamp["keywords"] and all(len(s["service_code"]) == 6 for s in services)
    root = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert root.tag == "services" and root[0].tag == "service" and root[0].find("metadata").text == "false"
    defn = client.get(f"{BASE}/services/{LAMP}.json").json()
    assert defn == {"service_code": LAMP, "attributes": []}
    assert ET.fromstring(client.get(f"{BASE}/services/{LAMP}.xml").content).tag == "service_definition"


def test_errors_use_the_spec_format(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"{BASE}/services/999999.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404 and "description" in r.json()[0]
    r = client.get(f"{BASE}/services/999999.xml")
    root = ET.fromstring(r.content)
    assert root.tag == "errors" and root[0].tag == "error" and root[0].find("code").text == "404"
    r = post(client, None)
    assert r.status_code == 403 and r.json()[0]["code"] == 403
    assert post(client, "hl_not-a-token").status_code == 403
    k = key(as_user)
    assert post(client, k, jurisdiction_id="nyc").json()[0]["code"] == 404
    assert post(client, k, service_code="01").status_code == 404  # not a leaf
    assert post(client, k, description="短").json()[0]["code"] == 400
    assert post(client, k, lat=None, long=None, address_string=None).status_code == 400
    assert post(client, k, lat="abc").status_code == 400
    assert post(client, k, phone="555-1234").status_code == 400
    assert post(client, key(as_user, "cg_handler")).status_code == 403  # a unit may not take demands
    assert client.get(f"{BASE}/requests.json?start_date=yesterday").json()[0]["code"] == 400
    assert client.get(f"{BASE}/requests.json?status=pending").status_code == 400
    assert client.get(f"{BASE}/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2021-01-01T00:00:00Z"
                      ).status_code == 400
    assert client.get(f"{BASE}/requests.yaml").status_code == 404


def test_post_and_get_requests(client: TestClient, db: Session, as_user, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from hotline.config import get_settings

    # the order is followed from 待派单: no auto-dispatch by the day-one starter here (tested in test_routing*)
    monkeypatch.setattr(get_settings(), "auto_dispatch_threshold", 1.01)
    k = key(as_user)
    r = post(client, k)
    assert r.status_code == 201, r.text
    created = r.json()
    assert list(created[0]) == ["service_request_id", "service_notice", "account_id"]
    rid = created[0]["service_request_id"]
    order = db.scalar(select(Order).where(Order.number == rid))
    assert order.channel == "open311" and order.category_code == LAMP and order.citizen_name == "李娜"
    xml = post(client, k, fmt="xml")
    assert ET.fromstring(xml.content).find("request/service_request_id").text
    one = client.get(f"{BASE}/requests/{rid}.json").json()
    assert len(one) == 1 and one[0]["status"] == "open" and one[0]["service_code"] == LAMP
    assert one[0]["lat"] == pytest.approx(31.2304) and one[0]["status_notes"].startswith("待派单")
    assert "13912345678" not in client.get(f"{BASE}/requests/{rid}.json").text  # no personal data
    assert "李娜" not in client.get(f"{BASE}/requests/{rid}.json").text
    root = ET.fromstring(client.get(f"{BASE}/requests/{rid}.xml").content)
    assert root.tag == "service_requests" and root[0].tag == "request"
    # status mapping: an order answered at first contact is closed for Open311
    from tests.integration.helpers import ok

    ok(client, as_user("operator1"), rid, "answer_first_contact", content="已告知市民路灯维修电话并登记报修。")
    got = client.get(f"{BASE}/requests.json", params={"service_request_id": f"{rid},NOPE", "extensions": "true"})
    assert got.json()[0]["status"] == "closed"
    assert got.json()[0]["extended_attributes"]["hotline_status"] == "completed"
    closed = client.get(f"{BASE}/requests.json", params={"status": "closed", "service_code": LAMP}).json()
    assert rid in [x["service_request_id"] for x in closed]
    opened = client.get(f"{BASE}/requests.json", params={"status": "open"}).json()
    assert rid not in [x["service_request_id"] for x in opened]
    assert client.get(f"{BASE}/tokens/{rid}.json").json() == [{"service_request_id": rid, "token": rid}]


def test_public_get_does_not_list_other_channels(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.helpers import create

    phone_order = create(client, as_user("operator1"))["number"]
    assert client.get(f"{BASE}/requests/{phone_order}.json").status_code == 404
    with_key = client.get(f"{BASE}/requests/{phone_order}.json", params={"api_key": key(as_user)})
    assert with_key.status_code == 200 and "13912345678" not in with_key.text


def test_georeport_client_against_live_server(live_server: str) -> None:
    georeport = pytest.importorskip("georeport")
    from hotline.db import session_scope
    from hotline.org.auth import create_api_token
    from hotline.org.models import User

    with session_scope() as s:
        token = create_api_token(s, s.scalar(select(User).where(User.username == "operator1")), "open311")
    import httpx

    root = f"{live_server}{BASE}"
    r = httpx.post(f"{root}/requests.json", data={"api_key": token, "service_code": LAMP, "lat": "31.2",
                                                  "long": "121.4", "description": "小区门口路灯整晚不亮"})
    assert r.status_code == 201, r.text
    rid = r.json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        c = georeport.GeoReport(root, jurisdiction="qingyang", output_format=fmt)
        services = c.get_service_list()
        assert any(s["service_code"] == LAMP for s in services)
        assert c.get_service_definition(LAMP)["service_code"] == LAMP
        got = c.get_service_request(rid)
        assert got["service_request_id"] == rid and got["status"] == "open"
        many = c.get_service_requests(service_code=LAMP, status="open")
        many = many if isinstance(many, list) else [many["request"]] if "request" in many else many
        assert rid in str(many)


# The NYC sample: Complaint Type → our category (service_code); unmapped types go to a general one.
NYC_SERVICE = {
    "Illegal Parking": "030401", "Blocked Driveway": "030401", "Noise - Residential": "020102",
    "Noise - Street/Sidewalk": "020102", "Noise - Commercial": "020102", "Noise - Vehicle": "020102",
    "Noise": "020101", "Street Light Condition": "010101", "Street Condition": "010102",
    "Sidewalk Condition": "010102", "Traffic Signal Condition": "030402", "Water System": "010501",
    "Sewer": "010104", "HEAT/HOT WATER": "010201", "UNSANITARY CONDITION": "010702",
    "Request Large Bulky Item Collection": "020401", "Missed Collection (All Materials)": "020401",
    "Sanitation Condition": "020401", "Derelict Vehicle": "030401", "Derelict Vehicles": "030401",
    "General Construction/Plumbing": "010601", "Building/Use": "010601", "Graffiti": "010702",
    "Maintenance or Facility": "020502", "Broken Parking Meter": "030501", "Consumer Complaint": "060201",
}
NYC_DEFAULT = "050801"


def nyc_rows() -> list[dict[str, str]]:
    path = SHARED_DATA / "nyc311_sample.csv"
    if not path.exists():
        pytest.skip(f"{path} not available")
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_nyc_sample_through_the_api(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    rows = nyc_rows()
    assert len(rows) == 1000 and len(rows[0]) == 41
    k = key(as_user)
    ids: dict[str, str] = {}
    for row in rows:
        desc = f"{row['Complaint Type']}: {row['Descriptor']}".strip()
        address = row["Incident Address"] or row["Street Name"] or f"{row['Borough']} {row['Incident Zip']}".strip()
        data = {"api_key": k, "service_code": NYC_SERVICE.get(row["Complaint Type"], NYC_DEFAULT),
                "description": desc, "address_string": address or "New York"}
        if row["Latitude"]:
            data["lat"], data["long"] = row["Latitude"], row["Longitude"]
        r = client.post(f"{BASE}/requests.json", data=data)
        assert r.status_code == 201, (row["Unique Key"], r.text)
        ids[row["Unique Key"]] = r.json()[0]["service_request_id"]
    numbers = list(ids.values())
    back: dict[str, dict[str, Any]] = {}
    for i in range(0, len(numbers), 100):
        chunk = client.get(f"{BASE}/requests.json", params={"service_request_id": ",".join(numbers[i:i + 100])})
        back.update({x["service_request_id"]: x for x in chunk.json()})
    assert set(back) == set(numbers)
    for row in rows[:50]:
        got = back[ids[row["Unique Key"]]]
        assert got["description"].startswith(row["Complaint Type"])
        if row["Latitude"]:
            assert got["lat"] == pytest.approx(float(row["Latitude"]))
    lamps = client.get(f"{BASE}/requests.json", params={"service_code": "010101"}).json()
    expected = sum(1 for r in rows if r["Complaint Type"] == "Street Light Condition")
    assert len([x for x in lamps if x["service_request_id"] in back]) == expected


def post_raw(client: TestClient, body: str, fmt: str = "json"):  # type: ignore[no-untyped-def]
    """A body as ``curl -d`` sends it: UTF-8 bytes, Chinese not percent-encoded."""
    return client.post(f"{BASE}/requests.{fmt}", content=body.encode("utf-8"),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_raw_utf8_form_as_the_docs_curl_sends_it(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    k = key(as_user)
    r = post_raw(client, f"api_key={k}&service_code={LAMP}&lat=31.23&long=121.47"
                         "&description=新华路12号门口路灯不亮&last_name=李&first_name=娜")
    assert r.status_code == 201, r.text
    rid = r.json()[0]["service_request_id"]
    order = db.scalar(select(Order).where(Order.number == rid))
    assert order.content == "新华路12号门口路灯不亮" and order.citizen_name == "李娜"
    assert client.get(f"{BASE}/requests/{rid}.json").json()[0]["description"] == "新华路12号门口路灯不亮"
    # percent-encoded (what browsers and most clients send) reads the same
    r = post(client, k, description="新华路12号门口路灯不亮")
    assert db.scalar(select(Order).where(Order.number == r.json()[0]["service_request_id"])).content \
        == "新华路12号门口路灯不亮"
    bad = client.post(f"{BASE}/requests.json", content=b"api_key=x&description=\xff\xfe",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert bad.status_code == 400 and "UTF-8" in bad.json()[0]["description"]


def test_control_characters_are_stripped_and_xml_stays_well_formed(client: TestClient, db: Session, as_user
                                                                   ) -> None:  # type: ignore[no-untyped-def]
    k = key(as_user)
    r = post(client, k, description="新华路\x01路灯不亮\x00已经三天了", address_string="新华路\x0812号")
    assert r.status_code == 201, r.text
    rid = r.json()[0]["service_request_id"]
    order = db.scalar(select(Order).where(Order.number == rid))
    assert order.content == "新华路路灯不亮已经三天了" and order.address == "新华路12号"
    root = ET.fromstring(client.get(f"{BASE}/requests.xml", params={"service_request_id": rid}).content)
    assert root.find("request/description").text == "新华路路灯不亮已经三天了"
    # a row stored before control characters were stripped: the XML is still well-formed
    order.content = "旧数据\x01有\x1f控制字符"
    db.flush()
    root = ET.fromstring(client.get(f"{BASE}/requests/{rid}.xml").content)
    assert root.find("request/description").text == "旧数据有控制字符"
    assert client.get(f"{BASE}/requests/{rid}.json").json()[0]["description"] == "旧数据\x01有\x1f控制字符"
    # and the export that read it is not a 500 for everyone
    assert client.get("/api/v1/exports/orders.xlsx", headers=as_user("dispatcher")).status_code == 200
    # NUL in the query or the path of a GET is not an error of the server
    assert client.get(f"{BASE}/requests.json", params={"service_request_id": f"{rid}\x00"}).json()[0][
        "service_request_id"] == rid
    assert client.get(f"{BASE}/requests/{rid}%00.json").status_code == 404
    assert client.get(f"{BASE}/services.json", params={"jurisdiction_id": "qingyang\x00"}).status_code == 200


def test_tokens_check_the_jurisdiction(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    rid = post(client, key(as_user)).json()[0]["service_request_id"]
    assert client.get(f"{BASE}/tokens/{rid}.json", params={"jurisdiction_id": "qingyang"}).status_code == 200
    r = client.get(f"{BASE}/tokens/{rid}.json", params={"jurisdiction_id": "nyc"})
    assert r.status_code == 404 and r.json() == [{"code": 404, "description": "jurisdiction_id nyc not found"}]
    root = ET.fromstring(client.get(f"{BASE}/tokens/{rid}.xml", params={"jurisdiction_id": "nyc"}).content)
    assert root.tag == "errors" and root.find("error/code").text == "404"


def test_a_json_body_is_told_to_use_a_form(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{BASE}/requests.json", json={"api_key": key(as_user), "service_code": LAMP,
                                                    "description": "新华路路灯不亮", "lat": 31.2, "long": 121.4})
    assert r.status_code == 400
    text = r.json()[0]["description"]
    assert "application/x-www-form-urlencoded" in text and "application/json" in text and "api_key" not in text
    assert post(client, None).json()[0]["description"].startswith("api_key is required")  # a form without one


def test_georeport_client_reads_a_raw_utf8_post_with_a_control_character(live_server: str) -> None:
    georeport = pytest.importorskip("georeport")
    import httpx

    from hotline.db import session_scope
    from hotline.org.auth import create_api_token
    from hotline.org.models import User

    with session_scope() as s:
        token = create_api_token(s, s.scalar(select(User).where(User.username == "operator1")), "open311")
    root = f"{live_server}{BASE}"
    body = f"api_key={token}&service_code={LAMP}&lat=31.2&long=121.4&description=小区门口\x01路灯整晚不亮"
    r = httpx.post(f"{root}/requests.json", content=body.encode("utf-8"),
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 201, r.text
    rid = r.json()[0]["service_request_id"]
    for fmt in ("xml", "json"):  # the XML through xmltodict (expat): it must be well-formed
        got = georeport.GeoReport(root, jurisdiction="qingyang", output_format=fmt).get_service_request(rid)
        assert got["description"] == "小区门口路灯整晚不亮"
