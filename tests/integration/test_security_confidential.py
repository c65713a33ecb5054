"""A confidential reporter (举报保密) is invisible outside the centre: on every GET route, for every non-centre role.

The walk reads the app's own route table, so a page or endpoint added later is walked too.
Path parameters are filled with the confidential order's number and the ids of its rows
(attachment, appeal request, ...).  In each response neither the reporter's name nor any
run of 4 digits of their phone number may appear (a masked 139****4620 gives the last four away).
"""

from __future__ import annotations

import io
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.appeals.models import UnitRequest
from hotline.orders.models import Attachment, Order
from tests.integration.helpers import create, leaf_category, ok

NAME = "欧阳保密"
PHONE = "13957384620"
WINDOWS = {PHONE[i:i + 4] for i in range(len(PHONE) - 3)}
NON_CENTRE = ("xinhua_handler", "xinhua_leader", "dongcheng_leader", "subcentre_dongcheng", "cg_handler", "cg_leader")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# random or time-derived text that may contain any 4 digits by chance: not the reporter's data
NOISE = [
    re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:?\d{2}|Z)?"),  # timestamps
    re.compile(r'(?:nonce|value|content)="[A-Za-z0-9_\-]{20,}"'),  # CSP nonce, CSRF tokens
    re.compile(r'"X-CSRF-Token": "[^"]*"'),
    re.compile(r"/rate/[A-Za-z0-9_.\-]+"),
]


def _routes(routes: Any) -> list[tuple[str, set[str]]]:
    out: list[tuple[str, set[str]]] = []
    for r in routes:
        if hasattr(r, "effective_candidates"):  # FastAPI's included routers
            out.extend(_routes(r.effective_candidates()))
        elif hasattr(r, "routes") and not hasattr(r, "methods"):
            out.extend(_routes(r.routes))
        elif getattr(r, "methods", None):
            out.append((r.path, set(r.methods)))
    return out


def get_paths(app: Any) -> list[str]:
    return sorted({p for p, m in _routes(app.routes) if "GET" in m})


def _text(resp: Any) -> str:
    ctype = resp.headers.get("content-type", "")
    if "spreadsheetml" in ctype:
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(resp.content), read_only=True)
        return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
                         if c is not None)
    return resp.content.decode("utf-8", "replace")


def _scrub(text: str) -> str:
    for rx in NOISE:
        text = rx.sub(" ", text)
    return text


def _confidential_order(client: TestClient, as_user: Any, db: Session) -> dict[str, Any]:
    """Through the sub-centre to a street, replied, completed, then a designation request with evidence."""
    op, disp, sub, street = (as_user(u) for u in ("operator1", "dispatcher", "subcentre_dongcheng",
                                                  "xinhua_handler"))
    order = create(client, op, kind="report", confidential=True, citizen_name=NAME, citizen_phone=PHONE,
                   title="举报无证经营", content="实名举报新华路某商铺无证经营并销售过期食品，请求对举报人保密。")
    n = order["number"]
    ok(client, disp, n, "dispatch_to_subcentre", subcentre="d-dongcheng")
    ok(client, sub, n, "subdispatch", lead_unit="s-dongcheng-xinhua", category_code=leaf_category(client, sub),
       pushdown_reason="街道网格员可当天到现场处置，属地先行")
    ok(client, street, n, "sign")
    ok(client, street, n, "reply", content="已联合市场监管所到店检查，责令停业整改。")
    ok(client, disp, n, "complete")
    r = client.post("/api/v1/appeals", headers=street, files=[("files", ("现场.png", PNG, "image/png"))],
                    data={"number": n, "kind": "designation", "reason": "举报事项已查处完毕，诉求人要求超出职权范围。"})
    assert r.status_code == 201, r.text
    o = db.scalar(select(Order).where(Order.number == n))
    att = db.scalar(select(Attachment).where(Attachment.order_id == o.id))
    req = db.scalar(select(UnitRequest).where(UnitRequest.order_id == o.id))
    return {"number": n, "order_id": o.id, "att_id": att.id, "request_id": req.id, "phone": PHONE}


def _fill(path: str, ids: dict[str, Any]) -> list[str]:
    values = {"number": [ids["number"]], "att_id": [ids["att_id"]], "request_id": [ids["request_id"]],
              "phone": [ids["phone"]], "fmt": ["csv", "xlsx", "json"], "lang": ["en"],
              "name": [f"{ids['number']}.json", f"{ids['number']}.xml", "requests.json", "services.json"]}
    urls = [path]
    for param in re.findall(r"{([^}:]+)(?::[^}]*)?}", path):
        options = values.get(param, [ids["order_id"]])
        urls = [re.sub(r"{" + param + r"(?::[^}]*)?}", str(v), u, count=1) for u in urls for v in options]
    return urls


EXTRA_QUERIES = [
    "/api/v1/orders?q={number}", "/api/v1/search/orders?q=无证经营", "/orders?q=无证经营",
    "/api/v1/orders?phone=" + PHONE, "/orders?phone=" + PHONE,
    *[f"/kpi/drill?unit=s-dongcheng-xinhua&measure={m}" for m in ("dispatched", "due", "evaluated", "returns")],
    "/appeals?state=pending",
]


def test_no_non_centre_role_sees_a_confidential_reporter(client: TestClient, as_user: Any, db: Session) -> None:
    ids = _confidential_order(client, as_user, db)
    # the centre does see them: the walk would prove nothing if the data were simply absent
    centre = client.get(f"/api/v1/orders/{ids['number']}", headers=as_user("supervisor")).json()
    assert centre["citizen_name"] == NAME and centre["citizen_phone"] == PHONE

    urls = [u for p in get_paths(client.app) if not p.startswith(("/static", "/lang")) for u in _fill(p, ids)]
    urls += [q.format(number=ids["number"]) for q in EXTRA_QUERIES]
    assert len(urls) > 80  # the route table really was walked
    leaks: list[str] = []
    for username in NON_CENTRE:
        headers = as_user(username)
        seen_order = False
        for url in urls:
            r = client.get(url, headers=headers, follow_redirects=False)
            text = _scrub(_text(r))
            seen_order = seen_order or (url == f"/api/v1/orders/{ids['number']}" and r.status_code == 200)
            if NAME in text:
                leaks.append(f"{username} {url}: name")
            leaked = sorted(w for w in WINDOWS if w in text)
            if leaked:
                leaks.append(f"{username} {url}: phone digits {leaked}")
        if username != "cg_handler" and username != "cg_leader":
            assert seen_order, f"{username} should see the order itself (only the reporter is hidden)"
    assert not leaks, "\n".join(leaks)
