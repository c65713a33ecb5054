"""The order-list export as the user opens it: the xlsx parsed with openpyxl (cell types and values),
the CSV with the csv module; dates without a time mean that day in the city; the console's buttons."""

from __future__ import annotations

import csv
import gc
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.service import current_city
from hotline.imports.export import COLUMNS
from hotline.orders.models import Order
from tests.conftest import login
from tests.integration.helpers import create

COL = {key: i for i, (key, _) in enumerate(COLUMNS)}


def city_tz() -> ZoneInfo:
    return ZoneInfo(current_city().city.timezone)


def xlsx_rows(content: bytes) -> list[list]:  # type: ignore[type-arg]
    ws = load_workbook(io.BytesIO(content)).active
    return [list(row) for row in ws.iter_rows()]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_a_date_means_that_day_in_the_city(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = create(client, as_user("operator1"))["number"]
    created = db.scalar(select(Order).where(Order.number == n)).created_at
    today = created.astimezone(city_tz()).date()
    disp = as_user("dispatcher")

    def numbers(**params: str) -> list[str]:
        r = client.get("/api/v1/exports/orders.csv", headers=disp, params=params)
        assert r.status_code == 200, r.text
        return [row[0] for row in csv_rows(r.content)[1:]]

    assert n in numbers(created_from=today.isoformat())
    assert n not in numbers(created_from=(today + timedelta(days=1)).isoformat())
    assert n in numbers(created_to=today.isoformat())  # the whole day, not its first instant
    assert n not in numbers(created_to=(today - timedelta(days=1)).isoformat())
    assert n in numbers(created_from=today.isoformat(), created_to=today.isoformat())
    # a naive time is the city's wall clock too
    local = created.astimezone(city_tz()).replace(tzinfo=None)
    assert n in numbers(created_from=(local - timedelta(minutes=1)).isoformat(timespec="seconds"))
    assert n not in numbers(created_from=(local + timedelta(minutes=1)).isoformat(timespec="seconds"))
    # and the list API reads them the same way
    r = client.get("/api/v1/orders", headers=disp, params={"created_to": today.isoformat(), "q": n})
    assert [o["number"] for o in r.json()["items"]] == [n]


def test_xlsx_has_datetime_cells_and_plain_strings(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    title = '=HYPERLINK("http://x")注入'
    n = create(client, as_user("operator1"), title=title, content="-1+1 是算式吗？新华路路灯不亮")["number"]
    order = db.scalar(select(Order).where(Order.number == n))
    disp = as_user("dispatcher")
    rows = xlsx_rows(client.get("/api/v1/exports/orders.xlsx", headers=disp, params={"q": n}).content)
    assert [c.value for c in rows[0]] == [zh for _, zh in COLUMNS]
    row = rows[1]
    assert row[COL["number"]].value == n
    cell = row[COL["created_at"]]
    assert cell.is_date and isinstance(cell.value, datetime)
    expected = order.created_at.astimezone(city_tz()).replace(tzinfo=None)
    assert abs(cell.value - expected) < timedelta(seconds=1)  # the city's wall clock, not UTC
    assert "yyyy" in cell.number_format
    assert row[COL["closed_at"]].value is None  # not yet: an empty cell, not the text ""
    assert row[COL["title"]].value == title and row[COL["title"]].data_type == "s"  # no apostrophe, no formula
    assert row[COL["content"]].value.startswith("-1+1") and row[COL["content"]].data_type == "s"
    # the CSV keeps its guard and its text times
    line = csv_rows(client.get("/api/v1/exports/orders.csv", headers=disp, params={"q": n}).content)[1]
    assert line[COL["title"]] == "'" + title and line[COL["content"]].startswith("'-1+1")
    assert line[COL["created_at"]] == expected.strftime("%Y-%m-%d %H:%M")


def test_rows_stored_with_control_characters_still_export(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = create(client, as_user("operator1"))["number"]
    order = db.scalar(select(Order).where(Order.number == n))
    order.content = "旧数据\x01里有\x0b控制字符"  # as rows stored before they were refused
    order.title = "旧\x1f标题"
    db.flush()
    r = client.get("/api/v1/exports/orders.xlsx", headers=as_user("dispatcher"), params={"q": "旧数据"})
    assert r.status_code == 200, r.text
    row = next(r for r in xlsx_rows(r.content)[1:] if r[0].value == n)
    assert row[COL["content"]].value == "旧数据里有控制字符" and row[COL["title"]].value == "旧标题"
    r = client.get("/api/v1/exports/orders.csv", headers=as_user("dispatcher"), params={"q": "旧数据"})
    assert r.status_code == 200 and n in r.content.decode("utf-8-sig")


def test_order_list_has_export_buttons_for_its_filter(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = create(client, as_user("operator1"), kind="complaint")["number"]
    other = create(client, as_user("operator1"), kind="suggestion", title="建议增设公交站")["number"]
    created = db.scalar(select(Order).where(Order.number == n)).created_at
    today = created.astimezone(city_tz()).date().isoformat()
    login(client, "dispatcher", db=db)
    page = client.get("/orders", params={"kind": "complaint", "date_from": today, "date_to": today})
    assert page.status_code == 200
    for fmt in ("csv", "xlsx"):
        link = f"/api/v1/exports/orders.{fmt}?kind=complaint&amp;created_from={today}&amp;created_to={today}"
        assert link in page.text, page.text[:2000]
    assert "导出CSV" in page.text and "导出Excel" in page.text
    # the link, followed with the console's session, gives that filter's rows
    got = client.get(f"/api/v1/exports/orders.csv?kind=complaint&created_from={today}&created_to={today}")
    numbers = [row[0] for row in csv_rows(got.content)[1:]]
    assert n in numbers and other not in numbers
    x = client.get(f"/api/v1/exports/orders.xlsx?kind=complaint&created_from={today}&created_to={today}")
    assert n in [r[0].value for r in xlsx_rows(x.content)[1:]]
    # the HTMX refresh of the results carries the buttons for the new filter
    part = client.get("/orders", params={"kind": "suggestion"}, headers={"HX-Request": "true", "HX-Target": "results"})
    assert "/api/v1/exports/orders.csv?kind=suggestion" in part.text
    # in English too
    client.cookies.set("lang", "en")
    assert "Export CSV" in client.get("/orders").text


def test_csv_streams_every_order_in_batches_past_the_xlsx_cap(  # type: ignore[no-untyped-def]
        client: TestClient, as_user, db: Session, monkeypatch) -> None:
    """Issue #15 item 2: a year's export streams. The CSV is read by keyset, batch by batch (ties on
    created_at included), holds one batch in the session at a time, and is not cut at the xlsx cap."""
    from hotline.imports import export
    from hotline.imports.export import stream_csv
    from hotline.orders import service
    from hotline.org.models import User

    op = as_user("operator1")
    numbers = [create(client, op, citizen_phone=f"1390000{i:04d}", title=f"导出测试{i}")["number"] for i in range(23)]
    orders = list(db.scalars(select(Order).where(Order.number.in_(numbers))))
    same = orders[0].created_at
    for o in orders[5:12]:  # a run of equal timestamps straddling batch borders
        o.created_at = same
    db.flush()
    monkeypatch.setattr(export, "BATCH", 4)
    monkeypatch.setattr(export, "MAX_ROWS", 5)  # the xlsx cap; CSV ignores it
    r = client.get("/api/v1/exports/orders.csv", headers=as_user("dispatcher"), params={"q": "导出测试"})
    assert r.status_code == 200, r.text
    got = [row[0] for row in csv_rows(r.content)[1:]]
    assert sorted(got) == sorted(numbers) and len(got) == len(set(got)) == 23  # none lost, none twice

    dispatcher = db.scalar(select(User).where(User.username == "dispatcher"))
    del orders, o
    db.expunge_all()
    dispatcher = db.merge(dispatcher)
    held: list[int] = []
    chunks = 0
    for _chunk in stream_csv(db, user=dispatcher, f=service.OrderFilter(q="导出测试")):
        chunks += 1
        gc.collect()
        held.append(sum(1 for obj in gc.get_objects() if isinstance(obj, Order)))
    assert chunks == 1 + 6  # the header, then ceil(23 / 4) batches
    assert max(held) <= 4  # rows, not ORM orders: never more than a batch alive
    r = client.get("/api/v1/exports/orders.xlsx", headers=as_user("dispatcher"), params={"q": "导出测试"})
    rows = xlsx_rows(r.content)
    assert len(rows) == 1 + 5 + 1  # xlsx keeps its cap, and its last row says the file was cut there
    assert str(rows[-1][0].value).startswith("【导出已截断】仅含前 5 条")
