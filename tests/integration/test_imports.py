"""Import of historical orders (a Chinese CSV, an xlsx, the NYC sample through a mapping file):
validation report, back-dated timelines to the final state, idempotent re-runs; and the export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import hotline.imports
from hotline.imports.flows import do_import
from hotline.imports.mapping import parse_mapping
from hotline.imports.reader import read_table
from hotline.orders.models import Order, OrderEvent
from hotline.outbox.models import OutboxMessage
from tests.conftest import SHARED_DATA, login
from tests.integration.helpers import create

EXAMPLES = Path(hotline.imports.__file__).parent / "examples"
HEADER = ["原工单编号", "标题", "诉求内容", "诉求类型", "分类代码", "受理时间", "来电号码", "诉求人", "事发地址",
          "承办单位", "工单状态", "答复内容", "办结时间"]
ROWS = [
    ["LEG-0001", "路灯不亮", "新华路12号门口路灯连续三晚不亮，影响出行安全。", "投诉", "010101", "2024-03-01 09:15",
     "13912340001", "王芳", "东城区新华路12号", "市城管局", "已归档", "经核查，路灯线路故障，已于3月2日修复。", "2024-03-02 16:40"],
    ["LEG-0002", "物业费咨询", "咨询小区物业费收费标准是否经过备案，物业公司涨价是否合规。", "咨询", "010201",
     "2024/03/05 10:00", "0571-88886666", "", "", "市住建局", "办理中", "", ""],
    ["LEG-0003", "占道经营", "桃源社区门口晚上有摊贩占道经营，噪音大。", "投诉", "", "2024-03-06 20:00",
     "13912340003", "", "", "市城管局", "待派单", "", ""],
    ["LEG-0004", "时间错", "这一行的受理时间写错了，无法识别。", "投诉", "010101", "去年春天", "13912340004", "", "",
     "市城管局", "已归档", "已处理完毕，请知悉。谢谢。", "2024-03-02 16:40"],
    ["LEG-0005", "单位未知", "这一行的承办单位不在对照表里，应当报错。", "外星诉求", "010101", "2024-03-07 08:00",
     "1391234", "", "", "市外星局", "已归档", "已处理完毕，请知悉。谢谢。", "2024-03-08 08:00"],
]


def legacy_csv(encoding: str = "utf-8-sig") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerows(ROWS)
    return buf.getvalue().encode(encoding)


def mapping():  # type: ignore[no-untyped-def]
    return parse_mapping((EXAMPLES / "qingyang_legacy.yaml").read_text(encoding="utf-8"))


def test_chinese_csv_validate_then_import_then_rerun(db: Session) -> None:
    headers, rows = read_table(legacy_csv("gb18030"), "legacy.csv")  # GBK files are read too
    assert headers == HEADER and len(rows) == 5
    dry = do_import(db, mapping=mapping(), rows=rows, user=None, filename="legacy.csv", dry_run=True)
    assert (dry["ok"], dry["error"], dry["imported"]) == (3, 2, 0)
    errs = {r["line"]: r["messages"] for r in dry["rows"] if r["status"] == "error"}
    assert any("受理时间" in m["zh"] and "created_at" in m["en"] for m in errs[5])
    fields = {m["en"].split(":")[0] for m in errs[6]}
    assert {"kind", "lead_unit", "phone"} <= fields
    assert db.scalar(select(func.count(Order.id)).where(Order.external_id.like("LEG-%"))) == 0

    report = do_import(db, mapping=mapping(), rows=rows, user=None, filename="legacy.csv")
    assert (report["imported"], report["error"]) == (3, 2)
    o1 = db.scalar(select(Order).where(Order.external_id == "LEG-0001"))
    assert o1.channel == "import" and o1.status == "closed" and o1.lead_unit.code == "dept-chengguan"
    assert o1.category_code == "010101" and o1.kind == "complaint"
    assert o1.created_at == datetime(2024, 3, 1, 1, 15, tzinfo=UTC)
    assert o1.closed_at == datetime(2024, 3, 2, 8, 40, tzinfo=UTC)
    actions = [e.action for e in db.scalars(select(OrderEvent).where(OrderEvent.order_id == o1.id)
                                            .order_by(OrderEvent.id))]
    assert actions == ["create", "dispatch", "sign", "reply", "complete", "close"]
    assert o1.replies[0].content.startswith("经核查")
    o2 = db.scalar(select(Order).where(Order.external_id == "LEG-0002"))
    assert o2.status == "in_progress" and o2.citizen_phone == "0571-88886666"
    assert db.scalar(select(Order).where(Order.external_id == "LEG-0003")).status == "received"
    pending = db.scalars(select(OutboxMessage).where(OutboxMessage.order_id == o1.id,
                                                     OutboxMessage.state == "pending")).all()
    assert pending == []  # no SMS about a case closed long ago

    again = do_import(db, mapping=mapping(), rows=rows, user=None, filename="legacy.csv")
    assert (again["imported"], again["skipped"]) == (0, 3)
    assert db.scalar(select(func.count(Order.id)).where(Order.external_id.like("LEG-%"))) == 3


def test_xlsx_through_the_console_page(client: TestClient, db: Session) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in ROWS[:2]:
        row = list(r)
        row[5] = datetime.strptime(r[5].replace("/", "-"), "%Y-%m-%d %H:%M")  # noqa: DTZ007 - Excel dates are naive
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    csrf = login(client, "admin", db=db)
    r = client.post("/imports/upload", data={"csrf_token": csrf}, follow_redirects=False,
                    files={"file": ("legacy.xlsx", buf.getvalue(), "application/vnd.ms-excel")})
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "列映射" in page.text and "原工单编号" in page.text
    form = {"csrf_token": csrf, "extra": (EXAMPLES / "qingyang_legacy.yaml").read_text(encoding="utf-8")
            .split("values:", 1)[1].join(["values:", ""])}
    for fld, col in mapping().fields.items():
        form[f"col_{fld}"] = col
    form["col_external_id"] = "原工单编号"
    checked = client.post(r.headers["location"], data={**form, "mode": "validate"})
    assert checked.status_code == 200 and 'id="rep-ok">2<' in checked.text
    done = client.post(r.headers["location"], data={**form, "mode": "run"})
    assert 'id="rep-imported">2<' in done.text
    assert db.scalar(select(Order).where(Order.external_id == "LEG-0001")).status == "closed"
    again = client.post(r.headers["location"], data={**form, "mode": "run"})
    assert 'id="rep-skipped">2<' in again.text
    bad = client.post("/imports/upload", data={"csrf_token": csrf},
                      files={"file": ("x.txt", b"hello", "text/plain")})
    assert bad.status_code == 422
    client.cookies.clear()
    login(client, "dispatcher", db=db)
    assert client.get("/imports").status_code == 403


def test_nyc_sample_through_a_mapping_file(db: Session) -> None:
    path = SHARED_DATA / "nyc311_sample.csv"
    if not path.exists():
        pytest.skip(f"{path} not available")
    headers, rows = read_table(path.read_bytes(), path.name)
    assert len(headers) == 41 and len(rows) == 1000
    m = parse_mapping((EXAMPLES / "nyc311.yaml").read_text(encoding="utf-8"))
    rows = rows[:300]  # enough to cover every status and agency mapping; the full file is the same code path
    report = do_import(db, mapping=m, rows=rows, user=None, filename=path.name)
    errors = [r for r in report["rows"] if r["status"] == "error"]
    # the real data has a few records closed before they were created: reported, not imported
    assert all(m["field"] == "closed_at" for r in errors for m in r["messages"]), errors[:3]
    assert report["imported"] == 300 - len(errors) and len(errors) < 10
    closed = db.scalars(select(Order).where(Order.channel == "import", Order.status == "closed")).all()
    assert len(closed) >= 250 and all(o.lead_unit is not None and o.category_code for o in closed)
    lamp = db.scalar(select(Order).where(Order.external_id == rows[0]["Unique Key"]))
    assert lamp.created_at.year == 2018
    assert do_import(db, mapping=m, rows=rows, user=None, filename=path.name)["skipped"] == 300 - len(errors)


def test_export_csv_and_xlsx_masked_for_the_viewer(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.helpers import ok

    n = create(client, as_user("operator1"), title="=HYPERLINK(\"x\")注入")["number"]
    disp = as_user("dispatcher")
    ok(client, disp, n, "dispatch", lead_unit="dept-chengguan",
       category_code=next(c["code"] for c in client.get("/api/v1/categories", headers=disp).json()
                          if c["level"] == 3))
    r = client.get("/api/v1/exports/orders.csv", headers=as_user("dispatcher"), params={"q": n})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "工单编号" and rows[1][0] == n and "13912345678" in text
    assert rows[1][5].startswith("'=")  # formula injection defused
    unit = client.get("/api/v1/exports/orders.csv", headers=as_user("cg_handler"), params={"q": n})
    assert "13912345678" not in unit.text and "139****5678" in unit.content.decode("utf-8-sig")
    x = client.get("/api/v1/exports/orders.xlsx", headers=as_user("cg_handler"), params={"channel": "phone"})
    ws = load_workbook(io.BytesIO(x.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][0] == "工单编号" and n in [v[0] for v in values[1:]]
    assert all("13912345678" not in str(v) for v in values)
    assert client.get("/api/v1/exports/orders.pdf", headers=disp).status_code == 404
    assert client.get("/api/v1/exports/orders.csv", headers=as_user("xinhua_handler"),
                      params={"q": n}).content.decode("utf-8-sig").count("\n") == 1  # header only: not theirs


def test_an_export_cut_at_its_cap_says_so_in_the_file(client: TestClient, as_user, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The xlsx cap (and the CSV's) used to drop the rows beyond it without a word: the leader's month of
    30,000 orders came out as 20,000 rows that looked like the whole month."""
    from hotline.imports import export

    for i in range(3):
        create(client, as_user("operator1"), title=f"截断检查{i}", content=f"截断检查第{i}件，新华路路灯不亮")
    monkeypatch.setattr(export, "MAX_ROWS", 2)
    monkeypatch.setattr(export, "STREAM_MAX_ROWS", 2)
    monkeypatch.setattr(export, "BATCH", 1)
    disp = as_user("dispatcher")
    rows = list(csv.reader(io.StringIO(client.get("/api/v1/exports/orders.csv", headers=disp,
                                                  params={"q": "截断检查"}).content.decode("utf-8-sig"))))
    assert len(rows) == 4 and rows[-1][0].startswith("【导出已截断】仅含前 2 条") and "truncated" in rows[-1][0]
    ws = load_workbook(io.BytesIO(client.get("/api/v1/exports/orders.xlsx", headers=disp,
                                             params={"q": "截断检查"}).content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert len(values) == 4 and values[-1][0].startswith("【导出已截断】") and "导出 CSV" in values[-1][0]
    monkeypatch.setattr(export, "MAX_ROWS", 3)  # exactly at the cap: nothing was left out, no note
    ws = load_workbook(io.BytesIO(client.get("/api/v1/exports/orders.xlsx", headers=disp,
                                             params={"q": "截断检查"}).content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert len(values) == 4 and not any(str(v[0]).startswith("【") for v in values)


def test_a_csv_stream_that_fails_midway_says_the_file_is_incomplete(client: TestClient, as_user, db: Session,
                                                                     monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """After the 200 and the first rows went out, a failure cannot change the status: the file itself says it
    is incomplete, and the error still reaches the server (which drops the connection)."""
    from hotline.imports import export
    from hotline.orders import service
    from hotline.org.models import User

    for i in range(3):
        create(client, as_user("operator1"), title=f"中断检查{i}", content=f"中断检查第{i}件，新华路路灯不亮")
    monkeypatch.setattr(export, "BATCH", 1)
    real, calls = export.row_of, []

    def flaky(db: Session, o, user):  # type: ignore[no-untyped-def]
        calls.append(o.number)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(db, o, user)

    monkeypatch.setattr(export, "row_of", flaky)
    user = db.scalar(select(User).where(User.username == "dispatcher"))
    chunks: list[bytes] = []
    with pytest.raises(RuntimeError):
        for chunk in export.stream_csv(db, user=user, f=service.OrderFilter(q="中断检查")):
            chunks.append(chunk)
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert rows[0][0] == "工单编号" and rows[1][0] == calls[0] and rows[-1][0].startswith("【导出中断】文件不完整")


# ---------------------------------------------------------------- history is not live work (issue #12, 13)


def _sweep_all(db: Session, at: datetime) -> None:
    from hotline.supervision.sweep import sweep

    sweep(db, now=at)


def _side_effects(db: Session, ids: list[int]) -> dict[str, int]:
    from hotline.callbacks.models import CallbackTask
    from hotline.sla.models import SlaAlert
    from hotline.supervision.models import Supervision

    def n(model, *where) -> int:  # type: ignore[no-untyped-def]
        return db.scalar(select(func.count()).select_from(model).where(model.order_id.in_(ids), *where)) or 0

    return {"alerts": n(SlaAlert), "supervisions": n(Supervision),
            "pending_outbox": n(OutboxMessage, OutboxMessage.state == "pending"),
            "webhooks": n(OutboxMessage, OutboxMessage.channel == "webhook", OutboxMessage.state == "pending"),
            "inbox": n(OutboxMessage, OutboxMessage.channel == "inbox", OutboxMessage.state == "pending"),
            "callback_tasks": n(CallbackTask, CallbackTask.state.in_(("pending", "review")))}


def _subscribe(db: Session) -> None:
    from hotline.webhooks.flows import do_create_subscription

    do_create_subscription(db, user=None, name="test hook", url="https://example.org/hook", events=["*"])


LIVE_ROWS = [
    ["LIVE-0001", "井盖缺失", "人民路口井盖缺失，夜间行人容易踩空，请尽快处理。", "投诉", "010101", "2024-05-01 09:00",
     "13912340011", "", "人民路", "市城管局", "办理中", "", ""],
    ["LIVE-0002", "噪音扰民", "夜间施工噪音很大，影响休息，请相关部门处理。", "投诉", "010101", "2024-05-02 22:00",
     "13912340012", "", "", "市城管局", "已办结", "经核查，施工方已停止夜间施工。谢谢。", "2024-05-03 10:00"],
]
LIVE_MAPPING = """external_id: 原工单编号
fields: {title: 标题, content: 诉求内容, kind: 诉求类型, category: 分类代码, created_at: 受理时间, phone: 来电号码,
         lead_unit: 承办单位, status: 工单状态, reply: 答复内容, closed_at: 办结时间}
values:
  kind: {投诉: complaint}
  lead_unit: {市城管局: dept-chengguan}
  status: {办理中: in_progress, 已办结: completed}
"""


def _live_csv() -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([HEADER, *LIVE_ROWS])
    return buf.getvalue().encode("utf-8")


def test_history_import_starts_no_clock_notice_webhook_or_callback(db: Session) -> None:
    from hotline.imports.flows import import_file

    _subscribe(db)
    report = import_file(db, data=_live_csv(), filename="open.csv", mapping=parse_mapping(LIVE_MAPPING), user=None)
    assert report["imported"] == 2 and report["live"] is False
    open_, done = (db.scalar(select(Order).where(Order.external_id == x)) for x in ("LIVE-0001", "LIVE-0002"))
    assert open_.status == "in_progress" and done.status == "completed"  # the status at the source
    assert open_.created_at == datetime(2024, 5, 1, 1, 0, tzinfo=UTC)  # historical times kept
    assert open_.signed_at is not None and open_.signed_at.year == 2024
    assert (open_.due_at, open_.sign_due_at, open_.reply_due_at, open_.warn_at) == (None, None, None, None)
    ids = [open_.id, done.id]
    _sweep_all(db, datetime.now(UTC) + timedelta(days=1))
    assert _side_effects(db, ids) == {"alerts": 0, "supervisions": 0, "pending_outbox": 0, "webhooks": 0,
                                      "inbox": 0, "callback_tasks": 0}


def test_live_import_takes_open_orders_over_as_live_work(db: Session) -> None:
    from hotline.imports.flows import import_file

    _subscribe(db)
    now = datetime.now(UTC).replace(microsecond=0)
    report = import_file(db, data=_live_csv(), filename="open.csv", mapping=parse_mapping(LIVE_MAPPING), user=None,
                         live=True, now=now)
    assert report["imported"] == 2 and report["live"] is True
    open_, done = (db.scalar(select(Order).where(Order.external_id == x)) for x in ("LIVE-0001", "LIVE-0002"))
    assert open_.status == "in_progress" and open_.created_at.year == 2024
    assert open_.clock_started_at >= now and open_.due_at is not None and open_.due_at > now  # clock runs from now
    fx = _side_effects(db, [open_.id])
    assert fx["webhooks"] >= 2 and fx["inbox"] >= 1  # the unit is told, the webhooks fire
    _sweep_all(db, now + timedelta(minutes=1))
    assert _side_effects(db, [open_.id])["supervisions"] == 0  # not overdue at once
    _sweep_all(db, open_.due_at + timedelta(hours=1))
    assert _side_effects(db, [open_.id])["supervisions"] >= 1  # and watched like any order
    assert _side_effects(db, [done.id]) == {"alerts": 0, "supervisions": 0, "pending_outbox": 0, "webhooks": 0,
                                            "inbox": 0, "callback_tasks": 0}  # completed: history either way


def test_nyc_open_cases_raise_no_live_supervision(db: Session) -> None:
    """The reported defect: the NYC sample's old open cases raised 40 live 督办 with notices and webhooks."""
    from hotline.imports.flows import import_file

    path = SHARED_DATA / "nyc311_sample.csv"
    if not path.exists():
        pytest.skip(f"{path} not available")
    headers, rows = read_table(path.read_bytes(), path.name)
    open_rows = [r for r in rows if r["Status"] != "Closed"]
    assert len(open_rows) >= 20
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=headers)
    w.writeheader()
    w.writerows(open_rows)
    _subscribe(db)
    m = parse_mapping((EXAMPLES / "nyc311.yaml").read_text(encoding="utf-8"))
    report = import_file(db, data=buf.getvalue().encode(), filename="nyc-open.csv", mapping=m, user=None)
    errors = [r for r in report["rows"] if r["status"] != "imported"]
    assert all(m["field"] == "closed_at" for r in errors for m in r["messages"]), errors[:3]  # real data's flaws
    assert report["imported"] == len(open_rows) - len(errors) >= 15
    orders = db.scalars(select(Order).where(Order.external_id.in_([r["Unique Key"] for r in open_rows]))).all()
    assert len(orders) == report["imported"]
    assert {o.status for o in orders} >= {"received", "dispatched", "in_progress"}
    assert all(o.created_at.year in (2017, 2018, 2019) for o in orders)
    _sweep_all(db, datetime.now(UTC))
    assert _side_effects(db, [o.id for o in orders]) == {"alerts": 0, "supervisions": 0, "pending_outbox": 0,
                                                         "webhooks": 0, "inbox": 0, "callback_tasks": 0}


def test_a_mapping_naming_a_missing_column_is_refused_once(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    from hotline.errors import BadRequest
    from hotline.imports.flows import import_file

    bad = LIVE_MAPPING.replace("created_at: 受理时间", "created_at: 受理日期").replace("phone: 来电号码", "phone: 电话")
    with pytest.raises(BadRequest) as exc:
        import_file(db, data=_live_csv(), filename="open.csv", mapping=parse_mapping(bad), user=None, dry_run=True)
    assert "受理日期、电话" in exc.value.zh and "受理日期, 电话" in exc.value.en and "不存在的列" in exc.value.zh
    r = client.post("/api/v1/imports", headers=as_user("admin"), data={"mapping": bad, "dry_run": "true"},
                    files={"file": ("open.csv", _live_csv(), "text/csv")})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "mapping_missing_columns" and "受理日期" in err["message"] and "受理日期" in err["message_en"]
    assert "rows" not in r.json()  # said once, not once per row


def test_guess_never_maps_a_person_from_an_agency_column() -> None:
    from hotline.imports.mapping import guess_mapping

    nyc = ["Unique Key", "Created Date", "Closed Date", "Agency", "Agency Name", "Complaint Type", "Descriptor",
           "Street Name", "Park Facility Name", "Status", "Resolution Description", "Latitude", "Longitude"]
    g = guess_mapping(nyc)
    assert "name" not in g and g["lead_unit"] == "Agency" and g["external_id"] == "Unique Key"
    assert guess_mapping(["承办单位名称", "诉求人姓名", "内容"])["name"] == "诉求人姓名"
    assert guess_mapping(["Name", "Agency Name"])["name"] == "Name"


NYC_HEADER = ["Unique Key", "Created Date", "Closed Date", "Agency", "Agency Name", "Complaint Type", "Descriptor",
              "Location Type", "Incident Address", "Status", "Resolution Description", "Latitude", "Longitude"]
NYC_ROWS = [
    ["900001", "06/26/2018 10:58:54 AM", "06/26/2018 12:50:01 PM", "NYPD", "New York City Police Department",
     "Illegal Parking", "Blocked Hydrant", "Street/Sidewalk", "91-33 97 STREET", "Closed",
     "The Police Department responded to the complaint and took action.", "40.69", "-73.84"],
    ["900002", "07/01/2018 09:00:00 AM", "", "DOT", "Department of Transportation", "Street Light Condition",
     "Street Light Out", "Street", "1 MAIN STREET", "Open", "", "40.70", "-73.90"],
]


def nyc_csv() -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([NYC_HEADER, *NYC_ROWS])
    return buf.getvalue().encode("utf-8")


def test_console_loads_the_shipped_mapping_into_the_selects(client: TestClient, db: Session) -> None:
    csrf = login(client, "admin", db=db)
    r = client.post("/imports/upload", data={"csrf_token": csrf}, follow_redirects=False,
                    files={"file": ("nyc.csv", nyc_csv(), "text/csv")})
    url = r.headers["location"]
    page = client.get(url).text
    assert 'value="nyc311.yaml"' in page
    assert '<option value="Agency Name" selected>' not in page  # the guess maps no name from "Agency Name"
    loaded = client.post(url, data={"csrf_token": csrf, "mode": "load", "shipped": "nyc311.yaml", "extra": ""})
    assert loaded.status_code == 200 and 'id="imp-loaded"' in loaded.text
    sel = loaded.text
    assert '<option value="Unique Key" selected>' in sel and '<option value="Agency" selected>' in sel
    assert 'selected>模板：{Complaint Type}: {Descriptor}.' in sel  # a template is kept as it is
    assert "America/New_York" in sel and "Illegal Parking" in sel  # the rest of the mapping in the YAML box
    form = {"csrf_token": csrf, "extra": "", "mode": "run"}
    m = parse_mapping((EXAMPLES / "nyc311.yaml").read_text(encoding="utf-8"))
    form.update({f"col_{k}": v for k, v in m.fields.items()})
    form["col_external_id"] = "Unique Key"
    # what the browser sends back is the page as loaded: its selects and its YAML box
    form["extra"] = re.search(r'<textarea id="imp-extra"[^>]*>(.*?)</textarea>', sel, re.S).group(1) \
        .replace("&#34;", '"').replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&")
    done = client.post(url, data=form)
    assert 'id="rep-imported">2<' in done.text, done.text[:2000]
    lamp = db.scalar(select(Order).where(Order.external_id == "900002"))
    assert lamp.status == "received" and lamp.category_code == "010101" and lamp.citizen_name is None
    # pasting a whole mapping (with fields) into the box also sets the selects — the box is not overwritten
    pasted = client.post(url, data={"csrf_token": csrf, "mode": "validate", "col_name": "Agency Name",
                                    "extra": (EXAMPLES / "nyc311.yaml").read_text(encoding="utf-8")})
    assert 'id="rep-skipped">2<' in pasted.text and '<option value="Agency Name" selected>' not in pasted.text


def test_imported_text_keeps_its_whole_length_and_loses_control_characters(db: Session) -> None:
    """An import cut demands at 4,000 characters and stored control characters; now it takes the
    whole text (up to the one demand limit, refused above it) and repairs control characters."""
    from hotline.orders.schemas import DEMAND_MAX

    long_text = "新华路路灯不亮，" * 700  # 5,600 characters: longer than the old 4,000 cut
    rows_in = [list(ROWS[0]), list(ROWS[1])]
    rows_in[0][0], rows_in[0][2] = "LEG-LONG", long_text + "\x01请尽快维修\x07。"
    rows_in[1][0], rows_in[1][2] = "LEG-HUGE", "太长" * (DEMAND_MAX // 2 + 1)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerows(rows_in)
    _headers, rows = read_table(buf.getvalue().encode("utf-8"), "long.csv")
    report = do_import(db, mapping=mapping(), rows=rows, user=None, filename="long.csv")
    assert (report["imported"], report["error"]) == (1, 1)
    huge = next(r for r in report["rows"] if r["status"] == "error")
    assert any("内容过长" in m["zh"] and "too long" in m["en"] for m in huge["messages"])
    order = db.scalar(select(Order).where(Order.external_id == "LEG-LONG"))
    assert order.content == long_text.strip() + "请尽快维修。"


def test_a_long_cell_is_read_and_an_overlong_one_refused_not_a_500(client: TestClient, db: Session) -> None:
    """csv's default limit of 131,072 characters a cell made the upload of a long petition a 500."""
    csrf = login(client, "admin", db=db)
    head = ",".join(HEADER)
    long_row = ",".join(["LEG-9001", "\"" + "路灯不亮，" * 30_000 + "\""] + [""] * (len(HEADER) - 2))
    r = client.post("/imports/upload", data={"csrf_token": csrf}, follow_redirects=False,
                    files={"file": ("long.csv", f"{head}\n{long_row}\n".encode(), "text/csv")})
    assert r.status_code == 303, r.text[:300]
    huge_row = ",".join(["LEG-9002", "\"" + "路" * 1_100_000 + "\""] + [""] * (len(HEADER) - 2))
    r = client.post("/imports/upload", data={"csrf_token": csrf},
                    files={"file": ("huge.csv", f"{head}\n{huge_row}\n".encode(), "text/csv")})
    assert r.status_code == 422 and "CSV 格式错误" in r.text
