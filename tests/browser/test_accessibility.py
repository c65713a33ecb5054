"""Accessibility (WCAG 2.1 AA) checks that are not a side effect of the other browser tests.

Every browser test is audited by axe-core through ``conftest.AxeAudit``; this file proves that audit can fail,
and covers what axe cannot see by itself: the citizen pages at 200 % zoom and on a phone.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import AxeAudit

pytestmark = pytest.mark.browser

# for each label around a radio: where its first line of text stands relative to the radio itself
BESIDE = """labels => labels.map(label => {
  const dot = label.querySelector("input").getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(label);
  const line = [...range.getClientRects()].find(r => r.width > 1 && r.left >= dot.right - 1);
  return line ? {text: label.innerText.trim(), dy: Math.abs((line.top + line.bottom - dot.top - dot.bottom) / 2),
                 h: line.height, gap: line.left - dot.right} : {text: label.innerText.trim(), dy: 999, h: 0, gap: -1};
})"""


def test_the_audit_catches_a_field_without_a_label(live_server: str, browser: Any) -> None:
    """The guard of every browser test is real: an unlabelled field on a real page is reported."""
    page = browser._browser.new_page()  # an unwatched page: the defect is planted on purpose
    page.goto(f"{live_server}/login")
    audit = AxeAudit()
    audit.check(page)
    assert audit.audited and not audit.violations, audit.violations
    page.evaluate("() => document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text>')")
    audit.check(page)
    found = {v["id"] for vs in audit.violations.values() for v in vs}
    assert "label" in found, audit.violations


def test_every_page_a_test_loads_is_audited(live_server: str, browser: Any) -> None:
    """The hook sees pages from ``browser.new_page()`` and from ``browser.new_context().new_page()``, and each
    navigation (a link followed, a form posted and redirected), not only ``goto``."""
    page = browser.new_page()
    page.goto(f"{live_server}/login")
    other = browser.new_context().new_page()
    other.goto(f"{live_server}/portal")
    urls = browser.audit.audited

    def audits_of_portal(n: int) -> None:
        deadline = time.monotonic() + 20  # the audit runs in the page's load event: give the event loop turns
        while urls.count(f"{live_server}/portal") < n and time.monotonic() < deadline:
            other.wait_for_timeout(50)  # (a fixed count of turns ran out on a loaded machine: the fresh-clone run)

    # the first audit done before the link is followed: an audit the navigation interrupts is dropped, and
    # only the next load's counts (AxeAudit), which on a loaded machine left one /portal in the list
    audits_of_portal(1)
    other.get_by_role("link", name="English").click()
    other.wait_for_url("**/portal")
    audits_of_portal(2)
    assert f"{live_server}/login" in urls and urls.count(f"{live_server}/portal") >= 2, urls


def test_citizen_pages_reflow_at_200_percent_and_keep_radios_beside_labels(live_server: str, browser: Any,
                                                                           screenshots: Path) -> None:
    """The portal and the rating page at 200 % zoom (a 1,280 px screen is 640 CSS px) and on a phone:
    nothing needs sideways scrolling (WCAG 1.4.10), and each radio button stays on its label's line."""
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.callbacks.links import make_token
    from hotline.callbacks.models import CallbackTask
    from hotline.orders.models import Order
    from tests.browser.test_callback_and_dashboard import _completed_order

    number = _completed_order("和平路噪音扰民", "13911112222")
    with dbmod.session_scope() as s:
        order_id = s.scalar(select(Order.id).where(Order.number == number))
        task_id = s.scalar(select(CallbackTask.id).where(CallbackTask.order_id == order_id))
    token = make_token(int(task_id))
    for width, name in ((640, "zoom200"), (360, "phone")):
        page = browser.new_context(viewport={"width": width, "height": 720}, locale="zh-CN").new_page()
        for path in ("/portal", "/portal/track", f"/rate/{token}"):
            page.goto(f"{live_server}{path}")
            wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert wide <= 1, (path, width, wide)
            for found in page.locator("label:has(input[type=radio])").evaluate_all(BESIDE):
                assert found["text"] and found["dy"] < found["h"] / 2 and 0 <= found["gap"] < 40, (path, width, found)
            page.screenshot(path=str(screenshots / f"a11y-{name}{path.replace('/', '-')[:20]}.png"), full_page=True)
        page.context.close()
