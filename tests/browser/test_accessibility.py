"""Accessibility (WCAG 2.1 AA) checks that are not a side effect of the other browser tests.

Every browser test is audited by axe-core through ``conftest.AxeAudit``; this file proves that audit can fail,
and covers what axe cannot see by itself: the citizen pages at 200 % zoom and on a phone.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import AxeAudit

pytestmark = pytest.mark.browser


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
    other.get_by_role("link", name="English").click()
    other.wait_for_url("**/portal")
    urls = browser.audit.audited
    for _ in range(100):  # the audit runs in the page's load event: give the event loop turns, not a sleep
        if urls.count(f"{live_server}/portal") >= 2:
            break
        other.evaluate("() => 1")
    assert f"{live_server}/login" in urls and urls.count(f"{live_server}/portal") >= 2, urls
