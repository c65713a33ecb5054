"""The supervision board's lists show the most urgent orders first and say how many there are in all (issue #20
item 7: a board of 119 overdue rows took most of its render time on rows below the fold); 显示全部 shows them all."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from hotline.db import utcnow
from hotline.orders.models import Order
from hotline.supervision import service
from tests.integration.helpers import dispatched


def _overdue(db, numbers: list[str]) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    for i, n in enumerate(numbers):
        o = db.scalar(select(Order).where(Order.number == n))
        o.due_at = now - timedelta(hours=10 - i)  # the first is the most overdue
    db.flush()


def test_the_board_lists_the_most_overdue_first_counts_all_and_shows_all_on_request(  # type: ignore[no-untyped-def]
        client, as_user, db, monkeypatch) -> None:
    from tests.conftest import login

    numbers = [dispatched(client, as_user, "dept-chengguan") for _ in range(3)]
    _overdue(db, numbers)
    monkeypatch.setattr(service, "BOARD_LIST", 2)
    login(client, "supervisor", db=db)
    for url in ("/supervision", "/supervision/lists"):
        page = client.get(url).text
        red = page[page.index('id="b-red"'):page.index('id="b-yellow"')]
        assert "超期工单（3）" in red  # all of them counted
        listed = re.findall(r'<tr>\s*<td>.*?href="/orders/([^"]+)"', red, flags=re.S)
        assert listed == numbers[:2]  # the two most overdue, in order
        assert 'data-shown="2"' in red and 'href="/supervision?show=all#b-red"' in red
    page = client.get("/supervision?show=all").text
    red = page[page.index('id="b-red"'):page.index('id="b-yellow"')]
    assert re.findall(r'<tr>\s*<td>.*?href="/orders/([^"]+)"', red, flags=re.S) == numbers
    assert "data-shown" not in red and 'hx-get="/supervision/lists?show=all"' in page
    # the per-unit table counts every overdue order, not only the listed ones
    units = page[page.index('id="b-units"'):page.index('id="b-red"')]
    assert re.search(r"青阳市城市管理局</td><td><span class=\"overdue\">3</span>", units)


def test_show_all_at_the_edges_and_for_every_role(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    """显示全部 is only a switch: any other value shows the first page, a huge or control-character value is no
    500, and the roles that may not see the board do not see it with ``?show=all`` either."""
    from tests.conftest import login

    dispatched(client, as_user, "dept-chengguan")
    login(client, "supervisor", db=db)
    for value in ("", "ALL", "1", "all" * 5000, "全部"):
        r = client.get("/supervision", params={"show": value})
        assert r.status_code == 200 and "超期工单（" in r.text
        assert 'hx-get="/supervision/lists?show=all"' not in r.text  # only "all" itself turns it on
    assert client.get("/supervision?show=al%00l").status_code == 422  # control characters: refused, in both languages
    for user, code in (("leader", 200), ("dispatcher", 200), ("cg_handler", 403), ("operator1", 403),
                       ("callback1", 403)):
        login(client, user, db=db)
        for url in ("/supervision?show=all", "/supervision/lists?show=all"):
            assert client.get(url).status_code == code, (user, url)
