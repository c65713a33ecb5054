"""On-site verification by grid workers (现场核查, issue #17 item 5): a reviewer or supervisor orders a check,
the community's grid worker answers it with a note, position, time and photos (their EXIF/GPS gone), an
unsolved finding sends the order to 重办 with the evidence, a replayed submission never doubles, and patrol
reports (主动发现) enter intake as orders of channel 网格."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from hotline.orders.attachments import attachment_path
from hotline.orders.models import Attachment, Order, OrderEvent
from hotline.org.models import Unit
from hotline.outbox.models import OutboxMessage
from hotline.verification.models import SiteCheck
from tests.integration.test_callbacks import call, task_of
from tests.integration.test_fake_completion import case_of, completed

LAT, LON = 27.712345, 111.998765


def gps_jpeg() -> bytes:
    """A phone photo: EXIF with the camera's make and a GPS position."""
    img = Image.new("RGB", (64, 48), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "CameraApp 1.0"  # Software
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (27.0, 42.0, 44.0), 3: "E", 4: (111.0, 59.0, 55.0)})
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert b"PhoneMaker" in data and Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    return data


def order_check(client, as_user, number: str, **over):  # type: ignore[no-untyped-def]
    body = {"number": number, "unit": "c-xinhua-taoyuan", "instructions": "核实门口摊贩是否已清理", **over}
    return client.post("/api/v1/site-checks", json=body, headers=as_user("supervisor"))


def result(client, as_user, check_id: int, key: str | None = None, user: str = "grid_taoyuan", photos=None, **form):  # type: ignore[no-untyped-def]
    headers = {**as_user(user), **({"Idempotency-Key": key} if key else {})}
    data = {"result": "unsolved", "note": "晚上九点到场，摊贩仍在门口摆摊，共三处。", "latitude": str(LAT),
            "longitude": str(LON), "accuracy_m": "12", "observed_at": "2026-12-02T13:05:00+08:00", **form}
    files = [("photos", (f"IMG_{i}.jpg", p, "image/jpeg")) for i, p in enumerate(photos or [])]
    return client.post(f"/api/v1/site-checks/{check_id}/result", data=data, files=files or None, headers=headers)


def test_unsolved_check_of_a_disputed_completion_goes_to_rework_with_the_evidence(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = completed(client, as_user)
    call(client, as_user, task_of(db, n).id, reached=True, solved=False, satisfaction="dissatisfied",
         comment="摊贩根本没走")
    case = case_of(db, n)
    # only reviewers and supervisors order checks, and only of communities
    r = client.post("/api/v1/site-checks", json={"number": n, "unit": "c-xinhua-taoyuan", "instructions": "核实摊贩"},
                    headers=as_user("cg_handler"))
    assert r.status_code in (403, 404)
    assert order_check(client, as_user, n, unit="dept-chengguan").status_code == 422
    r = order_check(client, as_user, n, flag_id=case.id)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert order_check(client, as_user, n).status_code == 409  # one pending check per order
    assigned = db.scalar(select(OutboxMessage).where(OutboxMessage.topic == "site_check.assigned",
                                                     OutboxMessage.order_id == case.order_id))
    assert assigned.recipient == "unit:c-xinhua-taoyuan"
    # the worker of that community sees it; another community's does not
    mine = client.get("/api/v1/site-checks/mine", headers=as_user("grid_taoyuan")).json()
    assert [c["id"] for c in mine["checks"]] == [cid] and mine["checks"][0]["instructions"] == "核实门口摊贩是否已清理"
    assert "citizen_phone" not in str(mine)
    assert client.get("/api/v1/site-checks/mine", headers=as_user("grid_jianshe")).json()["checks"] == []
    assert result(client, as_user, cid, user="grid_jianshe").status_code == 404
    assert result(client, as_user, cid, result="maybe").status_code == 422
    r = result(client, as_user, cid, key="k-1", photos=[gps_jpeg()])
    assert r.status_code == 200, r.text
    assert r.json()["result"] == "unsolved" and r.json()["order_status"] == "dispatched"
    order = client.get(f"/api/v1/orders/{n}", headers=as_user("dispatcher")).json()
    assert order["status"] == "dispatched" and order["reopen_count"] == 1  # 重办, back to the unit
    notes = [e["note"] or "" for e in order["events"]]
    line = next(x for x in notes if x.startswith("现场核查：未解决"))
    assert "晚上九点到场，摊贩仍在门口摆摊" in line and f"{LAT:.6f},{LON:.6f}" in line and "2026-12-02 13:05" in line
    assert any(x.startswith("现场核查未解决：晚上九点到场") for x in notes)  # the reopen's reason
    reopen = next(e for e in order["events"] if e["action"] == "reopen")
    assert "现场核查未解决" in reopen["actor"]
    check = db.get(SiteCheck, cid)
    assert (check.state, check.latitude, check.longitude, check.accuracy_m) == ("done", LAT, LON, 12)
    assert check.observed_at.isoformat() == "2026-12-02T05:05:00+00:00" and len(check.photo_ids) == 1
    done = db.scalar(select(OutboxMessage).where(OutboxMessage.topic == "site_check.done",
                                                 OutboxMessage.order_id == case.order_id))
    assert done.recipient == "user:supervisor" and done.payload["result"] == "未解决"
    # the stored photo has no EXIF, no GPS, no maker: re-encoded
    att = db.get(Attachment, check.photo_ids[0])
    stored = attachment_path(att).read_bytes()
    assert att.content_type == "image/jpeg" and b"PhoneMaker" not in stored and b"Exif" not in stored
    img = Image.open(io.BytesIO(stored))
    assert dict(img.getexif()) == {} and not img.getexif().get_ifd(0x8825) and img.size == (64, 48)
    # the same submission replayed (the app's queue after a lost answer) changes nothing
    again = result(client, as_user, cid, key="k-1", photos=[gps_jpeg()])
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    order_id = db.scalar(select(Order.id).where(Order.number == n))
    lines = db.scalars(select(OrderEvent.note).where(OrderEvent.order_id == order_id)).all()
    assert sum(1 for x in lines if (x or "").startswith("现场核查：")) == 1
    assert sum(1 for x in lines if (x or "").startswith("现场核查未解决")) == 1
    # a new key for a done check is refused, not doubled
    assert result(client, as_user, cid, key="k-2").status_code == 409
    # the supervisor's list shows it
    page = client.get("/site-checks", headers=as_user("supervisor")).text
    assert n in page and "晚上九点到场" in page


def test_solved_check_leaves_the_order_and_photos_are_limited(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = completed(client, as_user)
    cid = order_check(client, as_user, n).json()["id"]
    assert result(client, as_user, cid, photos=[b"not an image at all"]).status_code == 422
    assert result(client, as_user, cid, photos=[gps_jpeg()] * 7).status_code == 422  # at most 6
    r = result(client, as_user, cid, result="solved", note="到场查看，摊贩已清理，门口整洁。")
    assert r.status_code == 200 and r.json()["order_status"] == "completed"


def test_patrol_report_enters_intake_as_channel_grid(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    h = {**as_user("grid_taoyuan"), "Idempotency-Key": "patrol-1"}
    form = {"title": "小区楼道堆放杂物", "content": "桃源社区3栋2单元楼道堆满纸箱和旧家具，堵塞消防通道。",
            "address": "新华街道桃源社区3栋", "kind": "report", "latitude": str(LAT), "longitude": str(LON)}
    r = client.post("/api/v1/grid/reports", data=form, files=[("photos", ("a.jpg", gps_jpeg(), "image/jpeg"))], headers=h)
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    assert client.post("/api/v1/grid/reports", data=form, files=[("photos", ("a.jpg", gps_jpeg(), "image/jpeg"))],
                       headers=h).json()["number"] == number  # replayed, not doubled
    order = db.scalar(select(Order).where(Order.number == number))
    assert order.channel == "grid" and order.status in ("received", "dispatched")
    assert order.territory_unit_id == db.scalar(select(Unit.id).where(Unit.code == "c-xinhua-taoyuan"))
    assert order.citizen_name == "网格员周晓梅" and order.citizen_phone is None
    assert db.scalar(select(Attachment).where(Attachment.order_id == order.id)).content_type == "image/jpeg"
    assert client.post("/api/v1/grid/reports", data=form, headers=as_user("cg_handler")).status_code == 403


def test_grid_app_shell_manifest_and_worker(client, as_user) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/grid/", headers=as_user("grid_taoyuan"))
    assert page.status_code == 200 and 'rel="manifest"' in page.text and "周晓梅" in page.text
    assert client.get("/grid/", headers=as_user("cg_handler")).status_code == 403
    man = client.get("/grid/manifest.webmanifest").json()
    assert man["start_url"] == "/grid/" and man["display"] == "standalone" and man["icons"]
    sw = client.get("/grid/sw.js")
    assert sw.headers["content-type"].startswith("text/javascript") and "caches.open" in sw.text


def test_order_page_panel_shows_the_check_and_the_way_to_order_one(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = completed(client, as_user)
    panel = client.get(f"/orders/{n}/site-checks-panel", headers=as_user("dispatcher")).text
    assert "安排现场核查" in panel and f"/site-checks/new?order={n}" in panel
    assert client.get(f"/orders/{n}/site-checks-panel", headers=as_user("cg_handler")).text == ""  # nothing yet
    cid = order_check(client, as_user, n).json()["id"]
    result(client, as_user, cid, result="partial", note="摊贩少了一半，仍有两处。")
    unit_view = client.get(f"/orders/{n}/site-checks-panel", headers=as_user("cg_handler")).text
    assert "部分解决" in unit_view and "摊贩少了一半" in unit_view and "安排现场核查" not in unit_view
