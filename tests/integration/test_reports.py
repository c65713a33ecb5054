"""The monthly analysis report (issue #16 item 6): its figures equal /kpi's and /hotspots' for the same
month; the page and its roles; the PDF checked page by page; the worker's monthly run (once, idempotent,
subscribers only) and the notice and e-mail a leader receives."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline import db as dbmod
from hotline.db import utcnow
from hotline.hotspots.refresh import refresh
from hotline.kpi import periods
from hotline.orders.actor import Actor
from hotline.orders.flows import do_create_order
from hotline.orders.models import Order
from hotline.org.models import User
from hotline.outbox import senders
from hotline.outbox.inbox import Notification
from hotline.outbox.models import OutboxMessage
from hotline.outbox.service import deliver
from hotline.reports import service
from hotline.reports.models import MonthlyReport
from tests.conftest import login
from tests.integration.helpers import create
from tests.integration.test_cities import two_cities  # noqa: F401
from tests.integration.test_kpi import scenario

needs_chromium = pytest.mark.skipif(service.chromium() is None, reason="no Chromium to print with")
MIXER = ["丽发新城旁边搅拌站噪音扰民，搅拌站每天早上六点开始轰鸣，灰尘很大，严重影响居民休息。",
         "投诉丽发新城附近搅拌站噪音，搅拌站日夜施工，噪音和扬尘污染严重，请尽快处理搅拌站。",
         "丽发新城搅拌站彻夜扰民，小区旁的搅拌站彻夜运转，噪音扬尘，老人小孩无法休息。"]
#: Noto CJK maps some ideographs to CJK radical code points in the PDF's text layer (⻘ for 青, ⻚ for 页);
#: the page shows the right glyph, extraction reads the radical.  NFKC folds the Kangxi ones, this the rest.
RADICALS = str.maketrans({"⻘": "青", "⻚": "页", "⻓": "长", "⻔": "门", "⻬": "齐", "⻢": "马", "⻋": "车",
                          "⻅": "见", "⻛": "风", "⻜": "飞", "⻄": "西", "⻝": "食", "⻆": "角", "⻩": "黄"})


def _text(page: Any) -> str:
    return unicodedata.normalize("NFKC", page.extract_text() or "").translate(RADICALS)


def _this_month() -> tuple[int, int, str]:
    y, m = periods.containing(periods.local_date(utcnow()))
    return y, m, f"{y:04d}-{m:02d}"


def _hot(client, as_user) -> None:  # type: ignore[no-untyped-def]
    op = as_user("operator1")
    for k, text in enumerate(MIXER):
        create(client, op, title=text[:14], content=text, citizen_phone=f"1396600{k:04d}", address=f"青阳市丽发路{k}号")


def test_the_figures_equal_kpi_and_hotspots(client, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    scenario(client, as_user, db)
    _hot(client, as_user)
    refresh(db, now=utcnow())
    db.flush()
    y, m, month = _this_month()
    leader = as_user("leader")
    report = service.build(db, y, m)
    s = {x.key: x for x in report.sections}
    assert [x.key for x in report.sections] == ["overview", "rates", "hot_matters", "systemic", "surges",
                                                "governance", "rankings"]

    kpi = client.get(f"/api/v1/kpi/summary?kind=month&value={month}", headers=leader).json()
    assert s["overview"].data["received"] == kpi["received"] > 0
    assert sum(n for _, n in s["overview"].data["channels"]) == kpi["received"]
    assert sum(n for _, n in s["overview"].data["kinds"]) == kpi["received"]
    for key in ("response", "resolution", "satisfaction"):
        assert s["rates"].data["totals"][key] == kpi[key]
    ranking = client.get(f"/api/v1/kpi/rankings?kind=month&value={month}", headers=leader).json()
    assert report.version == ranking["caliber_version"]
    api_depts = [(r["unit_code"], r["rank"], r["composite"]) for r in ranking["rows"]
                 if r["group_key"] == "departments" and r["rank"] is not None]
    assert [(r["unit_code"], r["rank"], r["composite"]) for r in s["rankings"].data["departments"]] == api_depts
    assert api_depts, "the scenario's units are ranked"

    hot = client.get("/api/v1/hotspots", headers=leader).json()["hot_matters"]
    assert hot, "the mixing plant's callers group into a hot matter"
    assert [(x["name"], x["size"]) for x in s["hot_matters"].data["matters"]] == [(x["name"], x["size"]) for x in hot][:10]

    page = client.get(f"/reports/monthly?month={month}", headers=leader)
    assert page.status_code == 200
    html = page.text
    assert f"{month} 月度分析报告" in html and f"口径版本 v{report.version}" in html
    for title in ("总体情况", "三率情况", "热点问题", "共性问题", "突增情况", "单位考核排名"):
        assert title in html
    assert f"本月受理量：{kpi['received']}件" in html
    assert f"{kpi['satisfaction'] * 100:.2f}%" in html if kpi["satisfaction"] is not None else True
    assert hot[0]["name"] in html and "<svg class=\"chart\"" in html
    client.cookies.set("lang", "en")
    en = client.get(f"/reports/monthly?month={month}", headers=leader).text
    client.cookies.delete("lang")
    assert f"Orders received this month: {kpi['received']}" in en and "Overview" in en and "The three rates" in en
    assert "本月受理量" not in en


def test_roles_and_bad_months(client, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/reports/monthly?month=2026-11", headers=as_user("operator1")).status_code == 403
    assert client.get("/reports/monthly.pdf?month=2026-11", headers=as_user("cg_handler")).status_code == 403
    r = client.get("/reports/monthly?month=2026-13", headers=as_user("leader"))
    assert r.status_code == 422 and "月份格式应为2026-11" in r.text
    for who in ("leader", "supervisor", "admin"):
        assert client.get("/reports/monthly?month=2026-11", headers=as_user(who)).status_code == 200


def test_no_chromium_is_a_clear_503_and_the_page_still_works(client, as_user, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HOTLINE_CHROMIUM", "")
    leader = as_user("leader")
    r = client.get("/reports/monthly.pdf?month=2026-10", headers=leader)
    assert r.status_code == 503
    assert "无法生成PDF：服务器未安装Chromium" in r.text and "网页版报告仍可查看和打印" in r.text
    with pytest.raises(service.ServiceUnavailable) as exc:
        service.to_pdf("<p>x</p>")
    assert exc.value.status_code == 503 and "the HTML report still works" in exc.value.en
    assert client.get("/reports/monthly?month=2026-10", headers=leader).status_code == 200


@needs_chromium
def test_the_pdf_page_by_page(client, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    import pypdf

    scenario(client, as_user, db)
    leader = as_user("leader")
    y, m = service.previous_month(utcnow())
    month = service.label(y, m)
    r = client.get(f"/reports/monthly.pdf?month={month}", headers=leader)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    row = db.scalar(select(MonthlyReport).where(MonthlyReport.month == month))
    assert row is not None and row.sha256 == hashlib.sha256(r.content).hexdigest() and row.size == len(r.content)
    again = client.get(f"/reports/monthly.pdf?month={month}", headers=leader)
    assert again.content == r.content, "a leader opens the same stored file later"

    pages = [_text(p) for p in pypdf.PdfReader(io.BytesIO(r.content)).pages]
    n = len(pages)
    assert n >= 8, "a cover and one page (at least) per section"
    assert f"{month} 月度分析报告" in pages[0]
    assert "总体情况" not in pages[0], "sections start on their own page"
    for i, text in enumerate(pages, start=1):
        assert f"第 {i} 页 / 共 {n} 页" in text, (i, text[:200])
        body = text.replace(f"第 {i} 页 / 共 {n} 页", "").replace(f"青阳市12345 {month} 月度分析报告", "")
        assert len(body.strip()) > 10, f"page {i} is blank"
    starts = []
    for k, title in enumerate(("总体情况", "三率情况", "热点问题", "共性问题", "突增情况", "每月一题", "单位考核排名"),
                              start=1):
        at = [i for i, t in enumerate(pages) if re.search(rf"{k}\.\s*{title}", t)]
        assert at, f"{title} is on no page"
        starts.append(at[0])
    assert starts == sorted(starts) and len(set(starts)) == len(starts) and starts[0] == 1
    assert "口径版本 v" in pages[starts[1]]


@needs_chromium
def test_the_worker_sends_last_month_once_to_subscribers(committed: None, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sent: list[Any] = []

    class FakeSMTP:
        def __init__(self, *a: Any, **k: Any) -> None: ...
        def __enter__(self) -> FakeSMTP:
            return self
        def __exit__(self, *a: Any) -> None: ...
        def send_message(self, em: Any) -> None:
            sent.append(em)

    monkeypatch.setattr(senders.smtplib, "SMTP", FakeSMTP)
    old = senders.get_sender("email")
    senders.register_sender("email", senders.SmtpSender(senders.SmtpSettings(host="smtp.example")))
    try:
        now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 on the 1st in the city
        assert service.monthly_task(now=now) == {"skipped": "no orders", "month": "2026-11"}
        with dbmod.session_scope() as s:
            leader = s.scalar(select(User).where(User.username == "leader"))
            service.set_subscription(s, leader, on=True, email="leader@example.gov.cn")
            op = Actor.of(s.scalar(select(User).where(User.username == "operator1")))
            do_create_order(s, actor=op, now=datetime(2026, 11, 20, 2, 0, tzinfo=UTC), data={
                "kind": "complaint", "title": "路灯不亮", "content": "青阳路口路灯坏了好几天，晚上一片漆黑。",
                "citizen_name": "市民甲", "citizen_phone": "13966001234", "address": "青阳市青阳路1号", "channel": "phone"})
        first = service.monthly_task(now=now)
        assert first == {"month": "2026-11", "sent": 2}
        assert service.monthly_task(now=now)["skipped"] == "done"
        with dbmod.session_scope() as s:
            msgs = list(s.scalars(select(OutboxMessage).where(OutboxMessage.topic == "report.monthly")))
            assert sorted((x.channel, x.recipient) for x in msgs) == [
                ("email", "leader@example.gov.cn"), ("inbox", "user:leader")], "the leader only: the subscriber"
            assert s.scalar(select(MonthlyReport).where(MonthlyReport.month == "2026-11")) is not None
            deliver(s, now=utcnow())
            note = s.scalar(select(Notification).where(Notification.topic == "report.monthly"))
            assert note is not None and note.user_id == leader.id
            assert note.title == "【月度分析报告】 2026-11"
            assert note.body is not None and "统计月份：2026-11" in note.body
            assert "查看报告：" in note.body and "/reports/monthly?month=2026-11" in note.body
        assert len(sent) == 1 and sent[0]["To"] == "leader@example.gov.cn"
        files = [p for p in sent[0].iter_attachments()]
        assert [p.get_filename() for p in files] == ["monthly-report-2026-11.pdf"]
        assert files[0].get_content().startswith(b"%PDF")
    finally:
        senders.register_sender("email", old)
        with dbmod.session_scope() as s:  # `committed` wipes the outbox, not the inbox: a later message
            s.execute(delete(Notification).where(Notification.topic == "report.monthly"))  # could reuse the id


def test_due_month_follows_the_city_calendar(db: Session) -> None:
    assert service.due_month(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == "2026-10"  # 23:59 on 30 Nov locally
    assert service.due_month(datetime(2026, 11, 30, 16, 1, tzinfo=UTC)) == "2026-11"  # 00:01 on 1 Dec locally
    assert service.due_month(datetime(2027, 1, 1, 0, 0, tzinfo=UTC)) == "2026-12"


def test_subscribing_on_the_report_page(client, db: Session) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "leader", db=db)
    page = client.get("/reports/monthly?month=2026-11")
    assert "订阅月度报告" in page.text
    r = client.post("/reports/subscription", data={"on": "1", "email": "", "month": "2026-11", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "已订阅：每月1日收到上月报告" in client.get("/reports/monthly?month=2026-11").text
    r = client.post("/reports/subscription", data={"on": "0", "month": "2026-11", "csrf_token": csrf},
                    follow_redirects=False)
    assert "订阅月度报告" in client.get("/reports/monthly?month=2026-11").text


def test_another_citys_leader_never_gets_this_citys_report(db: Session, two_cities: Any, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from tests.integration.test_cities import _client, _token

    monkeypatch.setenv("HOTLINE_CHROMIUM", "")  # nothing can be printed: only a stored file can be served
    pdf = b"%PDF-1.7 qingyang october"
    db.add(MonthlyReport(month="2026-10", file=pdf, size=len(pdf), sha256=hashlib.sha256(pdf).hexdigest(), sent=True))
    db.flush()
    with _client(db) as client:
        mine = client.get("/reports/monthly.pdf?month=2026-10", headers=_token(db, "leader"))
        assert mine.status_code == 200 and mine.content == pdf
        xh = _token(db, "xh_leader")
        assert client.get("/reports/monthly.pdf?month=2026-10", headers=xh).status_code == 503
        page = client.get("/reports/monthly?month=2026-10", headers=xh)
        assert page.status_code == 200 and "青阳市12345" not in page.text and "已存档PDF" not in page.text


def test_a_lost_race_to_store_the_pdf_serves_the_winners_file(client, as_user, db: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import IntegrityError

    pdf = b"%PDF-1.7 stored by the worker a moment earlier"
    db.add(MonthlyReport(month="2026-09", file=pdf, size=len(pdf), sha256=hashlib.sha256(pdf).hexdigest()))
    db.commit()

    def lost(*a: Any, **k: Any) -> Any:
        raise IntegrityError("insert into monthly_reports", {}, Exception("uq_monthly_reports_city_month"))

    monkeypatch.setattr(service, "generate", lost)
    r = client.get("/reports/monthly.pdf?month=2026-09", headers=as_user("leader"))
    assert r.status_code == 200 and r.content == pdf
    r = client.get("/reports/monthly.pdf?month=2026-08", headers=as_user("leader"))  # lost, and nothing stored: 409
    assert r.status_code == 409


def test_the_months_surge_alerts_are_in_the_report(client, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    """The 突增情况 section lists the month's alerts (hotline/surges), by the city's local day: an alert
    of the month is listed with its series, observed and expected counts; one of another month is not."""
    from datetime import date

    from hotline.surges.models import SurgeAlert

    scenario(client, as_user, db)
    y, m, month = _this_month()
    city = db.scalar(select(Order.city_id).limit(1))
    for day, name in ((date(y, m, 1), "城乡建设 · 东城区文昌街道"), (date(y - 1, m, 1), "去年的突增")):
        db.add(SurgeAlert(city_id=city, series_key=f"cat:x@{name}", name=name, day=day, observed=15, expected=2.5,
                          score=9.0, p_value=1e-9, order_ids=[], series=[]))
    db.flush()
    section = {x.key: x for x in service.build(db, y, m).sections}["surges"]
    assert [a["name"] for a in section.data["alerts"]] == ["城乡建设 · 东城区文昌街道"]
    assert section.tables[0].head == ["日期", "序列", "实际", "预期", "状态"]
    assert section.tables[0].rows == [[f"{y}-{m:02d}-01", "城乡建设 · 东城区文昌街道", "15", "2.5", "待处理"]]
    page = client.get(f"/reports/monthly?month={month}", headers=as_user("leader"))
    assert page.status_code == 200 and "突增情况" in page.text and "城乡建设 · 东城区文昌街道" in page.text
    assert "去年的突增" not in page.text
