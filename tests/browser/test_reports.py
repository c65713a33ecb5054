"""A leader reads the monthly analysis report (issue #16 item 6): opens 月度报告 from the navigation, reads
the sections with their charts, switches to the month before, subscribes, and downloads the PDF (checked
with pypdf).  axe-core audits every page (tests/browser/conftest.py); screenshots in test-artifacts/."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_hotspots import _seed
from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser


def test_a_leader_reads_switches_month_subscribes_and_downloads(live_server: str, browser: Any,
                                                                 screenshots: Path) -> None:
    import pypdf
    from playwright.sync_api import expect

    from hotline.db import utcnow
    from hotline.kpi import periods
    from hotline.reports import service
    from tests.integration.test_reports import _text

    _, name, _ = _seed()
    y, m = periods.containing(periods.local_date(utcnow()))
    month, before = service.label(y, m), service.label(*((y, m - 1) if m > 1 else (y - 1, 12)))
    page = _login(browser, live_server, "leader")
    nav = page.get_by_role("navigation")
    link = nav.get_by_role("link", name="月度报告", exact=True)
    if not link.is_visible():  # past the top bar's seven items it sits under 更多 (hotline.web.nav)
        nav.locator("summary", has_text="更多").click()
    link.click()
    page.locator("#r-month").fill(month)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{month} 月度分析报告")
    for title in ("总体情况", "三率情况", "热点问题", "共性问题", "每月一题", "单位考核排名"):
        expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()
    expect(page.locator("#sec-hot_matters")).to_contain_text(name)
    expect(page.locator("#sec-overview svg.chart")).to_be_visible()
    page.screenshot(path=str(screenshots / "report-monthly.png"), full_page=True)

    page.locator("#r-month").fill(before)
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(f"{live_server}/reports/monthly?month={before}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{before} 月度分析报告")

    page.get_by_role("button", name="订阅月度报告").click()
    expect(page.get_by_text("已订阅：每月1日收到上月报告")).to_be_visible()

    if service.chromium() is None:
        pytest.skip("no Chromium for the server to print with")
    with page.expect_download() as dl:
        page.get_by_role("link", name="下载PDF").click()
    path = dl.value.path()
    assert dl.value.suggested_filename == f"monthly-report-{before}.pdf"
    pdf = pypdf.PdfReader(io.BytesIO(Path(path).read_bytes()))
    texts = [_text(p) for p in pdf.pages]
    assert f"{before} 月度分析报告" in texts[0]
    assert all(f"第 {i} 页 / 共 {len(texts)} 页" in t for i, t in enumerate(texts, start=1))
