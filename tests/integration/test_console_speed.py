"""Console speed (issue #20 item 7) without timing: the lists read a fixed number of statements however many
orders they show, the pickers are read once per page, and what the pages show is unchanged.

The statements are counted with a SQLAlchemy ``before_cursor_execute`` listener on the engine."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.console import support as cs
from hotline.orders import service
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.flows import do_action, do_create_order
from hotline.orders.models import Order
from hotline.org.models import Category, Unit, User
from tests.conftest import login
from tests.integration.helpers import sql_statements


def _user(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return user


def _orders(db: Session, n: int) -> list[Order]:
    """``n`` new orders, each in its own leaf category; every other one dispatched to 城管局 and returned by it."""
    leaves = list(db.scalars(select(Category).where(Category.level == 3).order_by(Category.code)))
    op, disp, handler = (Actor.of(_user(db, u)) for u in ("operator1", "dispatcher", "cg_handler"))
    unit = _user(db, "cg_handler").unit
    out = []
    for i in range(n):
        order = do_create_order(db, actor=op, data={
            "kind": "complaint", "title": f"路灯不亮 第{i}处", "content": f"人民路第{i}根路灯已经连续一周不亮，晚上很不安全。",
            "citizen_name": "张伟", "citizen_phone": f"138{i:08d}", "address": f"青阳市东城区人民路{i}号",
            "channel": "phone", "urgency": "normal", "category_code": leaves[i % len(leaves)].code})
        db.flush()
        if i % 2:
            do_action(db, order=order, actor=disp, action=Action.dispatch, payload={"lead_unit": unit.code})
            db.flush()
            do_action(db, order=order, actor=handler, action=Action.request_return,
                      payload={"reason": f"不属于本单位职责范围，申请退回（第{i}单）"})
            db.flush()
        out.append(order)
    db.commit()
    return out


_counting = sql_statements  # tests.integration.helpers


def _statements(client: TestClient, path: str) -> tuple[int, str]:
    client.get(path)  # the first GET may fill process caches (models, the SLA calendar)
    with _counting() as statements:
        r = client.get(path)
    assert r.status_code == 200, r.text[:300]
    return len(statements), r.text


def test_queue_statements_do_not_grow_with_orders(client: TestClient, db: Session) -> None:
    login(client, "dispatcher", db=db)
    orders = _orders(db, 4)
    few, html = _statements(client, "/queue")
    assert all(o.number in html for o in orders)
    orders += _orders(db, 16)
    many, html = _statements(client, "/queue")
    # every order is on the page, with its category's path and its return reason
    for o in orders:
        assert o.number in html
        assert service.category_path(db, o.category_code) in html
    assert "不属于本单位职责范围，申请退回（第15单）" in html
    assert many == few, f"/queue read {few} statements for 4 orders and {many} for 20"


def test_inbox_and_order_list_statements_do_not_grow_with_orders(client: TestClient, db: Session) -> None:
    login(client, "dispatcher", db=db)
    _orders(db, 4)
    few = _statements(client, "/orders")[0]
    orders = _orders(db, 16)
    many, html = _statements(client, "/orders")
    assert all(service.category_path(db, o.category_code) in html for o in orders)
    assert many == few, f"/orders read {few} statements for 4 orders and {many} for 20"
    # a handler's inbox: the returned orders wait in 办理中 with their pending return request
    client.cookies.clear()
    login(client, "cg_handler", db=db)
    a, html = _statements(client, "/inbox")
    assert "不属于本单位职责范围，申请退回（第15单）" in html
    _orders(db, 10)
    b, html = _statements(client, "/inbox")
    assert "不属于本单位职责范围，申请退回（第9单）" in html
    assert a == b, f"/inbox read {a} statements, then {b} with 5 more returned orders"


def test_order_page_reads_each_picker_once(client: TestClient, db: Session) -> None:
    """The dispatcher's new-order page offers several routing forms, each with the unit and category pickers."""
    login(client, "dispatcher", db=db)
    order = _orders(db, 1)[0]
    client.get(f"/orders/{order.number}")
    with _counting() as statements:
        html = client.get(f"/orders/{order.number}").text
    assert len([s for s in statements if re.search(r"FROM categories\b", s)]) <= 1
    assert html.count('<optgroup label="职能部门">') >= 2  # the unit picker of more than one form


def test_picker_tags_are_the_macro_they_replace(db: Session) -> None:
    """``option_tags`` renders what the Jinja loop of ``partials/macros.html`` rendered, selection included."""
    from jinja2 import Environment

    loop = Environment(autoescape=True).from_string(
        '{% for g in groups %}<optgroup label="{{ g.label }}">{% for code, name in g.options %}<option value="{{ code }}" '
        '{% if selected is not none and (code == selected or (selected is iterable and selected is not string and '
        'code in selected)) %}selected{% endif %}>{{ name }}</option>{% endfor %}</optgroup>{% endfor %}')
    groups = [*cs.unit_groups(db), *cs.category_groups(db), cs.Group('A&B "<x>"', [("a&1", "<b>"), ("a2", "c'd")])]
    unit, cat = groups[0].options[1][0], cs.category_groups(db)[0].options[0][0]
    for selected in (None, "", unit, cat, "a&1", [unit, "a2"], (cat,), "nope"):
        for _ in range(2):  # the second call reuses the groups' tags built by the first
            assert str(cs.option_tags(groups, selected)) == loop.render(groups=groups, selected=selected), selected


def test_pickers_follow_an_edit_in_the_same_transaction(db: Session) -> None:
    """The per-transaction memo forgets the units and categories when the session writes one."""
    unit = db.scalar(select(Unit).where(Unit.type == "department", Unit.active.is_(True)).order_by(Unit.code))
    assert unit is not None
    names = [n for g in cs.unit_groups(db) for _, n in g.options]
    assert unit.name in names
    unit.name = "新名称测试局"
    db.flush()
    assert "新名称测试局" in [n for g in cs.unit_groups(db) for _, n in g.options]
    db.execute(update(Unit).where(Unit.id == unit.id).values(active=False))
    assert unit.code not in [c for g in cs.unit_groups(db) for c, _ in g.options]
    leaf = db.scalar(select(Category).where(Category.level == 3).order_by(Category.code))
    assert leaf is not None
    assert service.category_path(db, leaf.code) == leaf.path
    leaf.path = "城乡建设/测试/改名"
    db.flush()
    assert service.category_path(db, leaf.code) == "城乡建设/测试/改名"
    assert service.category_path(db, "no-such-code") == "no-such-code"
    db.rollback()


def test_queue_and_inbox_load_their_sections_orders_once(client: TestClient, db: Session) -> None:
    """The sections' queries read ids; their orders and each list-row relation (``ROW_LOADS``) are then read
    in one statement each, whatever the number of non-empty sections (it was one of each per section)."""
    login(client, "dispatcher", db=db)
    orders = _orders(db, 6)  # new orders and returned ones: two non-empty sections at least
    n, html = _statements(client, "/queue")
    with _counting() as statements:
        client.get("/queue")
    assert all(o.number in html for o in orders)
    assignments = [s for s in statements if re.search(r"\bFROM orders AS orders_1 JOIN assignments\b", s)]
    requests = [s for s in statements if re.search(r"\bFROM orders AS orders_1 JOIN order_requests\b", s)]
    assert len(assignments) == 1 and len(requests) == 1, (len(assignments), len(requests))
    client.cookies.clear()
    login(client, "cg_handler", db=db)
    _statements(client, "/inbox")
    with _counting() as statements:
        html = client.get("/inbox").text
    assert "不属于本单位职责范围，申请退回（第5单）" in html
    assert len([s for s in statements if re.search(r"\bFROM orders AS orders_1 JOIN assignments\b", s)]) == 1


def test_the_extension_section_reads_its_partial_index(db: Session) -> None:
    """The queue's 延期申请 section read every order of the city to find the few with a pending extension:
    its query now goes through ``ix_orders_pending_extension`` (the plan of the statement the queue runs)."""
    from sqlalchemy import text

    dispatcher = _user(db, "dispatcher")
    with sql_statements() as statements:
        service.dispatcher_queue(db, user=dispatcher)
    query = next(s for s in statements if "pending_extension" in s)
    param = r"(\?|%\(\w+\)s(::\w+)?)"  # SQLite's and psycopg's placeholders
    q = re.sub(r"city_id = " + param, f"city_id = {dispatcher.city_id}", query)
    q = re.sub(r"LIMIT " + param, "LIMIT 200", q)
    q = re.sub(r"OFFSET " + param, "OFFSET 0", q)
    if db.get_bind().dialect.name == "sqlite":
        plan = " ".join(str(r[-1]) for r in db.execute(text("EXPLAIN QUERY PLAN " + q)))
    else:
        db.execute(text("SET LOCAL enable_seqscan = off"))  # a test's few rows would make any plan a scan
        plan = " ".join(r[0] for r in db.execute(text("EXPLAIN " + q)))
    assert "ix_orders_pending_extension" in plan, plan
