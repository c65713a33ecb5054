"""Issue #12 in the browser, items 1, 2, 8, 9 and 10 (the console as people meet it):
error pages with a way back, confirmations after an action, long demands with a counter,
the dispatcher's stored suggestion and searchable pickers, and the leader's first look.
Role and label locators, waits on conditions, no fixed sleeps; screenshots in test-artifacts/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_callback_and_dashboard import _completed_order
from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser


def _phone_order(title: str, content: str, *, created: timedelta | None = None) -> str:
    """A phone order taken without 采用 (nothing chosen at intake), optionally back-dated."""
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.db import utcnow
    from hotline.orders.actor import Actor
    from hotline.orders.flows import do_create_order
    from hotline.org.models import User

    now = utcnow() - (created or timedelta())
    with dbmod.session_scope() as s:
        op = Actor.of(s.scalar(select(User).where(User.username == "operator1")))
        o = do_create_order(s, actor=op, now=now, data={
            "kind": "complaint", "title": title, "content": content, "citizen_name": "王芳",
            "citizen_phone": "13700001234", "address": "青阳市东城区人民路88号", "channel": "phone"})
        return o.number


def _demand(n: int) -> str:
    base = "桃源社区三号楼东侧的雨水管网堵塞，暴雨后积水没过膝盖，居民出行困难，已多次向物业反映无果。"
    return (base * (n // len(base) + 1))[:n]


# ---------------------------------------------------------------- 1. error pages


def test_error_pages_have_a_way_back_in_the_users_language(live_server: str, browser: Any,
                                                           screenshots: Path) -> None:
    from playwright.sync_api import expect

    page = _login(browser, live_server, "dispatcher")
    page.goto(f"{live_server}/orders/QY2026999999999")
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("找不到工单：QY2026999999999")
    expect(page.get_by_role("link", name="派单队列")).to_be_visible()  # still inside the console
    page.screenshot(path=str(screenshots / "30-order-not-found.png"), full_page=True)
    page.get_by_role("link", name="工单列表").last.click()
    expect(page).to_have_url(f"{live_server}/orders")

    page.goto(f"{live_server}/no/such/page")
    expect(page.get_by_role("alert")).to_have_text("页面不存在，请检查网址或从首页进入")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_role("link", name="Go back")).to_be_visible()
    page.screenshot(path=str(screenshots / "31-not-found-en.png"), full_page=True)
    page.get_by_role("link", name="Home").last.click()
    expect(page).to_have_url(f"{live_server}/queue")


# ---------------------------------------------------------------- 2. confirmations


def test_callback_and_review_confirm_what_happened(live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    unhappy = _completed_order("菜市场门口占道经营", "13800003333")
    agent = _login(browser, live_server, "callback1")
    agent.goto(f"{live_server}/callbacks")
    form = agent.get_by_role("form", name=f"登记 {unhappy}")
    form.get_by_label("是否解决").select_option("false")
    form.get_by_label("满意度").select_option("dissatisfied")
    form.get_by_role("button", name="提交").click()
    expect(agent.get_by_role("status").filter(has_text="已登记回访")).to_have_text(
        f"已登记回访：{unhappy} 未解决或不满意，已转中心审核")
    agent.screenshot(path=str(screenshots / "32-callback-confirmed.png"), full_page=True)
    agent.reload()
    expect(agent.locator("#flash")).to_be_empty()  # shown once

    reviewer = _login(browser, live_server, "dispatcher")
    reviewer.goto(f"{live_server}/callbacks")
    review = reviewer.get_by_role("form", name=f"审核 {unhappy}")
    review.get_by_label("理由").fill("回访不满意，摊贩仍在经营，发回重办")
    review.get_by_role("button", name="重办").click()
    expect(reviewer.get_by_role("status").filter(has_text="已重办")).to_contain_text(
        f"已重办：{unhappy} 已发回青阳市城市管理局重新办理")
    reviewer.screenshot(path=str(screenshots / "33-review-reopened.png"), full_page=True)


def test_knowledge_answer_confirms_on_the_order_page(live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.knowledge.flows import do_create_entry
    from hotline.knowledge.models import KnowledgeEntry
    from hotline.knowledge.schemas import EntryIn
    from hotline.orders.actor import Actor
    from hotline.org.models import User

    with dbmod.session_scope() as s:
        admin = Actor.of(s.scalar(select(User).where(User.username == "admin")))
        entry = do_create_entry(s, actor=admin, data=EntryIn(
            question="如何提取住房公积金支付医药费", tags=["公积金"],
            answer="职工本人或直系亲属患重大疾病的，可凭医院诊断证明和费用票据到公积金中心窗口申请提取。"))
        entry_id = entry.id
    try:
        number = _phone_order("公积金提取", "老人住院想提取住房公积金付医药费，需要什么材料？")
        op = _login(browser, live_server, "operator1")
        op.goto(f"{live_server}/orders/{number}/knowledge?q=公积金")
        op.get_by_role("button", name="用此条答复并即时办结").first.click()
        expect(op).to_have_url(f"{live_server}/orders/{number}")
        expect(op.get_by_role("status").filter(has_text="即时答复")).to_have_text(
            f"已即时答复并办结：{number}（知识库）")
        op.screenshot(path=str(screenshots / "34-knowledge-answer-confirmed.png"), full_page=True)
    finally:
        from sqlalchemy import text

        from hotline.knowledge.models import KnowledgeVersion
        from tests.conftest import _wipe_orders

        _wipe_orders()  # the order's answer refers to the entry
        with dbmod.session_scope() as s:
            s.execute(KnowledgeVersion.__table__.delete().where(KnowledgeVersion.entry_id == entry_id))
            s.execute(KnowledgeEntry.__table__.delete().where(KnowledgeEntry.id == entry_id))
            s.execute(text("delete from text_postings where kind = 'kb' and doc_id = :i"), {"i": entry_id})


# ---------------------------------------------------------------- 8. long demands


def test_long_demand_has_a_counter_and_is_taken_whole(live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    op = _login(browser, live_server, "operator1")
    op.goto(f"{live_server}/orders/new")
    counter = op.locator("#f-content-count")
    expect(counter).to_have_text("0 / 20000 字")
    op.get_by_label("诉求类型").select_option("help")
    op.get_by_label("标题").fill("雨水管网堵塞")
    op.get_by_label("诉求内容").fill(_demand(20_050))
    expect(counter).to_contain_text("20050 / 20000 字 — 超出50字，请精简后再提交")
    op.get_by_role("button", name="提交受理").click()
    expect(op).to_have_url(f"{live_server}/orders/new")  # refused in the page, nothing cut
    op.screenshot(path=str(screenshots / "35-intake-over-limit.png"), full_page=True)
    long = _demand(6_000)
    op.get_by_label("诉求内容").fill(long)
    expect(counter).to_have_text("6000 / 20000 字")
    op.get_by_role("button", name="提交受理").click()
    expect(op.get_by_text("工单已受理")).to_be_visible()
    assert op.get_by_label("诉求内容").inner_text() == long

    citizen = browser.new_context(locale="zh-CN").new_page()
    citizen.goto(f"{live_server}/portal")
    citizen.get_by_label("诉求内容").fill(_demand(3_000))
    expect(citizen.locator("#p-content-count")).to_have_text("3000 / 20000 字")
    citizen.screenshot(path=str(screenshots / "36-portal-counter.png"), full_page=True)


# ---------------------------------------------------------------- 9. the dispatcher's suggestion and pickers


def test_dispatcher_sees_the_suggestion_and_searches_the_pickers(live_server: str, browser: Any,
                                                               screenshots: Path) -> None:
    from playwright.sync_api import expect

    number = _phone_order("人民路路灯不亮", "人民路与解放路交叉口的路灯已经连续一周不亮，晚上很不安全。")
    page = _login(browser, live_server, "dispatcher")
    page.goto(f"{live_server}/orders/{number}")
    card = page.get_by_role("region", name="系统推荐")
    expect(card).to_contain_text("青阳市城市管理局")
    expect(card).to_contain_text("依据")
    page.screenshot(path=str(screenshots / "37-order-suggestion.png"), full_page=True)

    form = page.get_by_role("form", name="派单", exact=True)
    unit = form.get_by_label("主办单位")
    # the suggestion is the first choice in the picker
    expect(unit.locator("optgroup").first).to_have_attribute("label", "系统推荐")
    unit_filter = form.locator(".field").filter(has=page.get_by_label("主办单位")).get_by_role("searchbox")
    unit_filter.fill("住房和城乡")
    expect(unit).to_have_value("dept-zhujian")  # one match: chosen
    unit_filter.fill("")
    card.get_by_role("button", name="采用 青阳市城市管理局").click()
    expect(unit).to_have_value("dept-chengguan")
    category = form.get_by_label("诉求分类")
    cat_filter = form.locator(".field").filter(has=page.get_by_label("诉求分类")).get_by_role("searchbox")
    cat_filter.fill("路灯")
    cat_filter.press("Enter")
    expect(category).not_to_have_value("")
    page.screenshot(path=str(screenshots / "38-searchable-pickers.png"), full_page=True)
    form.get_by_role("button", name="派单", exact=True).click()
    expect(page.locator("#flash")).to_contain_text("操作成功：派单")
    expect(page.locator("main")).to_contain_text("待签收")


# ---------------------------------------------------------------- 10. the leader's first look


def test_leader_first_look_has_figures_a_picker_and_the_formula(live_server: str, browser: Any,
                                                                screenshots: Path) -> None:
    from playwright.sync_api import expect

    from hotline.city.service import city_tz
    from hotline.db import utcnow

    ago = timedelta(days=70)
    _phone_order("小区门口路灯不亮", "小区门口的路灯坏了好几天，晚上很黑，请尽快维修。", created=ago)
    month = (utcnow() - ago).astimezone(city_tz()).strftime("%Y-%m")
    leader = _login(browser, live_server, "leader")
    leader.goto(f"{live_server}/dashboard")
    expect(leader.get_by_role("heading", level=1)).to_have_text(f"驾驶舱 · {month}")
    expect(leader.locator("#total-received")).to_have_text("1")
    formula = leader.locator(".score-formula")
    expect(formula).to_contain_text("综合得分 = 签收及时率 × 20% + 按期办结率 × 20% + 解决率 × 30% + 满意率 × 30%")
    expect(leader.locator("canvas").first).to_be_visible()
    leader.screenshot(path=str(screenshots / "39-dashboard-first-look.png"), full_page=True)

    picker = leader.get_by_role("form", name="统计周期")
    expect(picker.get_by_label("月份")).to_have_value(month)
    picker.get_by_role("combobox", name="统计周期").select_option("year")
    expect(picker.get_by_label("月份")).to_be_hidden()
    picker.get_by_label("年份").select_option(month[:4])
    picker.get_by_role("button", name="查询").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text(f"驾驶舱 · {month[:4]}")
    picker.get_by_role("combobox", name="统计周期").select_option("quarter")
    expect(picker.get_by_role("combobox", name="季度", exact=True)).to_be_visible()
    leader.goto(f"{live_server}/kpi")
    expect(leader.get_by_role("heading", level=1)).to_have_text(f"考核排名 · {month}")
    expect(leader.locator(".score-formula")).to_contain_text("按期办结率 × 20%")
    leader.screenshot(path=str(screenshots / "40-rankings-formula.png"), full_page=True)
