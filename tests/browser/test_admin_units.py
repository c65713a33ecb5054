"""Issue #18 in the browser: an administrator merges two units after the preview.

Two units of its own (so the demo's tree is left as it was), one person and one open order at the
old one.  The administrator opens the old unit from the tree, chooses the target, reads the preview
(one open order, one person, the keywords), confirms, and finds the unit retired, the person moved
and the order's timeline saying who holds it now.  Screenshots in test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser
OLD, NEW, PERSON = "browser-old-bureau", "browser-new-bureau", "browser_unit_person"


def _forget() -> None:
    from sqlalchemy import delete, or_, select

    from hotline import db as dbmod
    from hotline.org.models import AuditLog, Unit, UnitName, User
    from hotline.routing.service import forget_catalogue
    from tests.conftest import _wipe_orders

    _wipe_orders()  # the order of this test refers to the units
    with dbmod.session_scope() as s:
        ids = list(s.scalars(select(Unit.id).where(Unit.code.in_([OLD, NEW]))))
        uid = s.scalar(select(User.id).where(User.username == PERSON))
        s.execute(delete(AuditLog).where(or_(AuditLog.entity_id.in_([OLD, NEW, PERSON]), AuditLog.actor_id == uid)))
        s.execute(delete(User).where(User.username == PERSON))
        s.execute(delete(UnitName).where(UnitName.unit_id.in_(ids)))
        s.execute(delete(Unit).where(Unit.id.in_(ids)))
    forget_catalogue()


@pytest.fixture
def two_units(live_server: str) -> Iterator[dict[str, Any]]:
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.org.auth import create_api_token, hash_password
    from hotline.org.models import Unit, User
    from hotline.routing.service import forget_catalogue

    _forget()
    with dbmod.session_scope() as s:
        s.add_all([Unit(code=OLD, name="青阳市老城区管理局", type="department", duties="老城区的市容管理",
                        keywords=["老城墙", "护城河"], categories=[], phone="0000-1111"),
                   Unit(code=NEW, name="青阳市新城区管理局", type="department", duties="新城区的市容管理",
                        keywords=["护城河"], categories=[], phone="0000-2222")])
        s.flush()
        old_id = s.scalar(select(Unit.id).where(Unit.code == OLD))
        s.add(User(username=PERSON, name="老城区办事员", role="unit_handler", unit_id=old_id,
                   password_hash=hash_password("Lamp-river-4471")))
        tokens = {u: create_api_token(s, s.scalar(select(User).where(User.username == u)), "browser")
                  for u in ("operator1", "dispatcher")}
    forget_catalogue()
    h = {u: {"Authorization": f"Bearer {t}"} for u, t in tokens.items()}
    with httpx.Client(base_url=live_server, timeout=60) as c:
        r = c.post("/api/v1/orders", headers=h["operator1"], json={
            "kind": "complaint", "title": "护城河边垃圾堆积", "content": "老城区护城河边垃圾堆积好几天了，气味很大，希望尽快清理。",
            "citizen_name": "李娜", "citizen_phone": "13912345678", "address": "青阳市东城区新华路12号"})
        assert r.status_code == 201, r.text
        number = r.json()["number"]
        cats = c.get("/api/v1/categories", headers=h["dispatcher"]).json()
        leaf = next(x["code"] for x in cats if x["level"] == 3)
        r = c.post(f"/api/v1/orders/{number}/actions", headers=h["dispatcher"],
                   json={"action": "dispatch", "lead_unit": OLD, "category_code": leaf})
        assert r.status_code == 200, r.text
    yield {"number": number}
    _forget()


def test_an_admin_merges_two_units_after_the_preview(live_server: str, browser: Any, screenshots: Path,
                                                      two_units: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    admin = _login(browser, live_server, "admin")
    admin.get_by_role("link", name="管理", exact=True).click()
    admin.get_by_role("link", name="单位", exact=True).click()
    expect(admin.get_by_role("heading", name="单位树")).to_be_visible()
    admin.get_by_role("link", name="青阳市老城区管理局").click()
    expect(admin.get_by_role("heading", name="合并单位")).to_be_visible()
    admin.get_by_label("并入单位").select_option(NEW)
    admin.get_by_label("在办工单").first.select_option("move")
    admin.get_by_label("人员", exact=True).first.select_option("move")
    admin.get_by_role("button", name="预览合并").click()

    preview = admin.locator("#preview")
    expect(admin.get_by_role("heading", name="合并预览：青阳市老城区管理局 → 青阳市新城区管理局")).to_be_visible()
    expect(preview.locator("[data-count=orders_moved]")).to_contain_text("在办工单转至目标单位：1")
    expect(preview.locator("[data-count=people]")).to_contain_text("人员转至目标单位：1")
    expect(preview.locator("[data-count=keywords]")).to_contain_text("老城墙")
    expect(preview.locator("[data-count=keywords]")).not_to_contain_text("护城河")
    admin.screenshot(path=str(screenshots / "63-admin-unit-merge-preview.png"), full_page=True)
    admin.get_by_role("button", name="确认合并").click()

    expect(admin.get_by_role("status")).to_contain_text("已合并青阳市老城区管理局，并入青阳市新城区管理局：转移1件在办工单、1名人员")
    expect(admin.locator("#unit-state")).to_have_text("已停用")
    admin.screenshot(path=str(screenshots / "64-admin-unit-merged.png"), full_page=True)

    admin.goto(f"{live_server}/admin/units/{NEW}")
    expect(admin.get_by_role("link", name=PERSON)).to_be_visible()
    expect(admin.get_by_text("护城河、老城墙")).to_be_visible()
    admin.goto(f"{live_server}/orders/{two_units['number']}")
    expect(admin.get_by_text("单位调整：青阳市老城区管理局并入青阳市新城区管理局")).to_be_visible()
    admin.screenshot(path=str(screenshots / "65-order-after-unit-merge.png"), full_page=True)
