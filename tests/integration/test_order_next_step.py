"""The next step first (issue #20, item 1): what an order page leads with, for the role that opens it.

Read from the page as the browser receives it: the forms inside the 下一步 card before its 其他操作 menu
are the lead; the menu holds every other allowed action; an action the viewer may not take is in neither.
"""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.console import next_step
from hotline.console.support import stored_suggestion
from hotline.db import utcnow
from hotline.orders.actor import Actor
from hotline.orders.enums import Status
from tests.conftest import login
from tests.integration.test_console_pages import _order, _user


def _page(client: TestClient, number: str) -> tuple[list[str], list[str], str]:
    """(lead actions, actions in the menu, the lead part of the page) of /orders/{number}."""
    html = client.get(f"/orders/{number}").text
    assert 'id="actions-h"' in html, html[:2000]
    card = html[html.index('id="actions-h"'):]
    card = card[:card.index('aria-labelledby="info-h"')]
    lead, _, more = card.partition('<details class="more-actions"')
    forms = re.compile(r'<input type="hidden" name="action" value="(\w+)">')
    return forms.findall(lead), forms.findall(more), lead


def _selected(html: str, select_id: str) -> list[str]:
    m = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert m, select_id
    return re.findall(r'<option value="([^"]+)" selected>', m.group(1))


def test_dispatcher_new_order_leads_with_dispatch_prefilled_with_the_suggestion(client: TestClient,
                                                                                  db: Session) -> None:
    order = _order(db)
    order.category_code = None  # intake left the category to the dispatcher
    db.commit()
    suggestion = stored_suggestion(db, order)
    assert suggestion and suggestion["units"], "intake stores a routing suggestion for the demo city"
    login(client, "dispatcher", db=db)
    lead, more, html = _page(client, order.number)
    assert lead[0] == "dispatch" and len(lead) <= 2, lead
    # the nine forms the dispatcher used to see side by side: two lead, the rest one click away in the menu
    assert {"inform", "hand_off", "answer_first_contact", "withdraw", "comment"} <= set(more), more
    assert not set(lead) & set(more)
    assert _selected(html, "f-dispatch-lead_unit") == [suggestion["units"][0]["code"]]
    top_category = next(c["code"] for c in suggestion["categories"] if len(c["code"]) == 6)
    assert _selected(html, "f-dispatch-category_code") == [top_category]
    assert "已按系统推荐预填主办单位和诉求分类" in html
    # the timeline, the caller's history and the duplicates are links at the top of the page
    assert 'href="#tl-h"' in client.get(f"/orders/{order.number}").text
    history = client.get(f"/orders/{order.number}/caller-history")
    assert history.status_code == 200 and "来电人历史" in history.text and order.number in history.text


def test_handler_sees_no_supervision_answer_without_a_supervision(client: TestClient, db: Session) -> None:
    order = _order(db, dispatch_to="cg_handler", sign=True)
    login(client, "cg_handler", db=db)
    lead, more, _ = _page(client, order.number)
    assert lead[0] == "reply", lead
    assert "respond_supervision" not in lead + more
    assert "督办回复" not in client.get(f"/orders/{order.number}").text


def test_a_supervised_order_leads_the_handler_to_answer_it(client: TestClient, db: Session) -> None:
    from hotline.supervision.flows import do_issue

    order = _order(db, dispatch_to="cg_handler", sign=True)
    do_issue(db, order=order, actor=Actor.of(_user(db, "supervisor")), level="supervise",
             note="请于明日前回复整改进度", respond_by=(utcnow() + timedelta(days=1)).date(), now=utcnow())
    db.commit()
    login(client, "cg_handler", db=db)
    lead, more, _ = _page(client, order.number)
    assert lead == ["respond_supervision", "reply"], (lead, more)


def test_every_allowed_action_is_offered_once() -> None:
    allowed = ["dispatch", "dispatch_to_subcentre", "answer_first_contact", "hand_off", "inform", "urge",
               "cancel_duplicate", "withdraw", "comment"]
    lead, more = next_step.split(Status.received, allowed)
    assert lead == ["dispatch", "dispatch_to_subcentre"] and sorted(lead + more) == sorted(allowed)
    assert next_step.lead_actions(Status.received, allowed, flags={"emergency": "火情"}) == ["dispatch", "hand_off"]
    assert next_step.lead_actions(Status.received, allowed, kind="consultation")[1] == "answer_first_contact"
    assert next_step.lead_actions(Status.closed, ["comment", "reopen"]) == []
