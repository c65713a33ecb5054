"""The city file round trip: the live configuration written as a city file, and a city file read back
into the live configuration with a diff preview (docs/city-file.md, "Round trip"; docs/admin.md).

**Export** (``export``): the acting city's units as they are now (renamed, moved; retired ones left
out, a merged unit's code replaced by its successor's everywhere: parents, the categories' default
units, catalogue entries, roads), the current catalogue version (categories without the retired
ones, and its entries under ``catalogue:``), the newest ``sla`` (with the holiday overrides) and
``kpi`` settings versions (whatever the block holds), and the file's other blocks as they are.
People are not written (passwords never leave the database; the console creates them).

**Import** (``preview`` then ``apply``): the uploaded file is validated like any city file (422 with
the path of the error, ``units[3].code``), compared with the live configuration *as export writes
it* (so the unchanged export is "no changes"), grouped by section, and carried out through the
existing versioned flows in one transaction: the unit flows (create, rename, move, retire), one new
catalogue version, new settings versions, and one ``cityfile.import`` audit row with the reason.
The preview's ``base`` is a fingerprint of the live state it was made from; a confirm against
another state is a 409.  What cannot be applied safely is refused with the reason (``refused``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.catalogue import service as catalogue
from hotline.city.models import City
from hotline.city.schema import CityFile
from hotline.city.service import city_tz, current_city
from hotline.city.tenancy import current_scope
from hotline.db import utcnow
from hotline.errors import AppError, BadRequest, Conflict, TooLarge
from hotline.org.audit import record
from hotline.org.models import AuditLog, Unit, User
from hotline.settings import flows as settings
from hotline.units import flows as units_flows

MAX_FILE = 2 * 1024 * 1024
MAX_REASON = 500
#: blocks of the file the console does not edit: taken from the city's file on export; a change in an
#: uploaded file is refused (edit the city file and reload it instead)
FILE_ONLY = ("roads", "kinds", "urgent_keywords", "emergency_keywords", "out_of_scope", "duplicates", "telephony",
             "routing")
FILE_ONLY_ZH = {"roads": "道路与地名", "kinds": "诉求类型", "urgent_keywords": "紧急关键词",
                "emergency_keywords": "110/119/120转办关键词", "out_of_scope": "告知事项", "duplicates": "重复诉求规则",
                "telephony": "漏话回拨", "routing": "智能分拨设置", "city": "城市信息"}
UNIT_FIELDS = ("short_name", "duties", "phone", "keywords", "categories")


# ---------------------------------------------------------------- export


def successors(db: Session) -> dict[str, str]:
    """Merged unit code → the code of the unit it was merged into (from the ``unit.merge`` audit rows)."""
    rows = db.execute(select(AuditLog.entity_id, AuditLog.data)
                      .where(AuditLog.action == "unit.merge", AuditLog.entity == "unit").order_by(AuditLog.id))
    return {code: str((data or {}).get("target")) for code, data in rows if (data or {}).get("target")}


class _Resolver:
    """A unit code as the live configuration now names it: itself while active, its successor (followed
    through chains of merges) when merged, None when retired without one."""

    def __init__(self, db: Session) -> None:
        self.active = {u.code for u in db.scalars(select(Unit).where(Unit.active.is_(True)))}
        self.succ = successors(db)

    def __call__(self, code: str | None) -> str | None:
        seen: set[str] = set()
        while code is not None and code not in self.active and code not in seen:
            seen.add(code)
            code = self.succ.get(code)
        return code if code in self.active else None

    def many(self, codes: Iterable[str], *, without: str | None = None) -> list[str]:
        out = [c for c in (self(x) for x in codes) if c is not None and c != without]
        return list(dict.fromkeys(out))


def live_catalogue(db: Session, res: _Resolver) -> tuple[int, dict[str, Any]]:
    """The current catalogue version with every unit code resolved (merged → successor, retired → dropped)."""
    number, snap = catalogue.current(db)
    cats = [{**c, "units": res.many(c.get("units") or [])} for c in snap["categories"]]
    live = {c["code"] for c in cats if not c["retired"]}
    entries: dict[str, dict[str, Any]] = {}
    for e in snap["entries"]:
        lead = res(e["lead"])
        territory = res(e.get("territory")) if e.get("territory") else None
        if e["category"] not in live or lead is None or (e.get("territory") and territory is None):
            continue
        row = {"category": e["category"], "territory": territory, "lead": lead,
               "co_units": res.many(e.get("co_units") or [], without=lead), "keywords": list(e.get("keywords") or [])}
        entries.setdefault(catalogue.entry_key(row), row)
    return number, {"categories": sorted(cats, key=lambda c: c["code"]),
                    "entries": sorted(entries.values(), key=catalogue.entry_key)}


def _compact(d: dict[str, Any], keep: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k in keep or v not in (None, "", [], False)}


def _unit_def(u: Unit, parent: str | None, live_cats: set[str]) -> dict[str, Any]:
    return _compact({"code": u.code, "name": u.name, "type": u.type, "parent": parent, "short_name": u.short_name,
                     "duties": u.duties or "", "keywords": list(u.keywords or []),
                     "categories": list(dict.fromkeys(c for c in (u.categories or []) if c in live_cats)),
                     "phone": u.phone}, ("code", "name", "type", "parent"))


def _category_tree(cats: list[dict[str, Any]]) -> list[dict[str, Any]]:
    live = {c["code"]: c for c in cats if not c["retired"]}
    kids: dict[str | None, list[str]] = {}
    for code in sorted(live):
        parent = live[code]["parent"]
        kids.setdefault(parent if parent in live else None, []).append(code)

    def build(code: str) -> dict[str, Any]:
        c = live[code]
        return _compact({"code": code, "name": c["name"], "territorial": c["territorial"], "urgent": c["urgent"],
                         "units": list(c["units"]), "keywords": list(c["keywords"]),
                         "children": [build(k) for k in kids.get(code, [])]}, ("code", "name"))

    return [build(k) for k in kids.get(None, [])]


@dataclass(frozen=True)
class Live:
    """The live configuration as a city file's body, the versions it was made from, and its fingerprint."""

    body: dict[str, Any]
    versions: dict[str, int]
    catalogue: dict[str, Any]  # the resolved current catalogue (with retired categories)

    @property
    def fingerprint(self) -> str:
        raw = json.dumps({"body": self.body, "versions": self.versions}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


def live(db: Session) -> Live:
    """The acting city's live configuration as the body of a city file (validated by ``CityFile``)."""
    cf = current_city()
    row = db.get(City, current_scope().id) if current_scope().id is not None else None
    res = _Resolver(db)
    number, snap = live_catalogue(db, res)
    live_cats = {c["code"] for c in snap["categories"] if not c["retired"]}
    all_units = list(db.scalars(select(Unit).order_by(Unit.id)))
    code_of = {u.id: u.code for u in all_units}
    unit_defs = [_unit_def(u, res(code_of.get(u.parent_id)) if u.parent_id else None, live_cats)
                 for u in all_units if u.active]
    roads = []
    for r in cf.roads:
        where = res(r.unit)
        if where is not None:
            roads.append(_compact({"name": r.name, "unit": where, "aliases": list(r.aliases)}, ("name", "unit")))
    sla_n, sla_body = settings.current(db, "sla")
    kpi_n, kpi_body = settings.current(db, "kpi")
    rest = cf.model_dump(mode="json", include=set(FILE_ONLY) - {"roads"})
    body: dict[str, Any] = {
        "city": {"code": cf.city.code, "name": row.name if row else cf.city.name, "hotline_name": cf.city.hotline_name,
                 "timezone": row.timezone if row else cf.city.timezone,
                 "order_number_prefix": row.order_number_prefix if row else cf.city.order_number_prefix},
        "units": unit_defs,
        "roads": roads,
        "categories": _category_tree(snap["categories"]),
        "catalogue": [_compact(dict(e), ("category", "lead")) for e in snap["entries"]],
        "kinds": rest["kinds"], "urgent_keywords": rest["urgent_keywords"],
        "emergency_keywords": rest["emergency_keywords"], "out_of_scope": rest["out_of_scope"],
        "sla": sla_body, "kpi": kpi_body, "duplicates": rest["duplicates"], "telephony": rest["telephony"],
        "routing": rest["routing"],
    }
    try:
        CityFile.model_validate(body)
    except ValidationError as exc:  # a state the console should not allow; say so instead of a 500
        raise Conflict("city_file_export_invalid", f"当前配置无法写成有效的城市文件：{_where(exc)}",
                       f"the live configuration does not make a valid city file: {_where(exc)}") from None
    return Live(body, {"catalogue": number, "sla": sla_n, "kpi": kpi_n}, snap)


def dump(body: dict[str, Any]) -> str:
    return yaml.safe_dump(body, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)


def header(body: dict[str, Any], versions: dict[str, int], *, actor: str, at: datetime | None = None) -> str:
    t = (at or utcnow()).astimezone(city_tz()).isoformat(timespec="seconds")
    c = body["city"]
    return (f"# {c['name']}（{c['code']}）的城市文件 · city file of {c['code']}, exported from the live configuration\n"
            f"# exported {t} by {actor}\n"
            f"# catalogue version {versions['catalogue']}, sla settings version {versions['sla']}, "
            f"kpi settings version {versions['kpi']}\n"
            "# People are not exported (passwords stay in the database). Import it at /admin/city-file,\n"
            "# or make a new city from it: hotline city add FILE.  Format: docs/city-file.md\n")


def export(db: Session, *, actor: str) -> tuple[str, str]:
    """(YAML text, file name) of the acting city's live configuration."""
    lv = live(db)
    text = header(lv.body, lv.versions, actor=actor) + dump(lv.body)
    stamp = utcnow().astimezone(city_tz()).strftime("%Y%m%d-%H%M")
    return text, f"{lv.body['city']['code']}-{stamp}.yaml"


def strip_header(text: str) -> str:
    """The file without its leading comment lines (what two exports are compared on)."""
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines) and lines[i].startswith("#"):
        i += 1
    return "".join(lines[i:])


# ---------------------------------------------------------------- import: parse and validate


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for p in loc:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _where(exc: ValidationError) -> str:
    return "; ".join(f"{_loc(e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors()[:5])


def parse(content: bytes) -> CityFile:
    """A self-contained city file (no ``include:``), validated; else 413/422 naming where it is wrong."""
    if len(content) > MAX_FILE:
        raise TooLarge("city_file_too_large", "城市配置文件不能超过2MB", "a city file may not exceed 2 MB", field="file")
    try:
        data = yaml.safe_load(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest("city_file_encoding", "城市配置文件须为UTF-8编码", "the city file must be UTF-8",
                         field="file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else "?"
        raise BadRequest("city_file_yaml", f"城市配置文件不是有效的YAML（第{at}处）", f"not valid YAML (at line:column {at})",
                         field="file") from None
    if not isinstance(data, dict):
        raise BadRequest("city_file_invalid", "城市配置文件的顶层须为映射（键: 值）", "the top level must be a mapping",
                         field="file")
    if "include" in data:
        raise BadRequest("city_file_include", "上传的城市配置文件须自成一体，不能使用 include",
                         "an uploaded city file must be self-contained (no include:)", field="include")
    try:
        return CityFile.model_validate(data)
    except ValidationError as exc:
        errs = exc.errors()
        path = _loc(errs[0]["loc"]) or "(file)"
        problems = [{"field": _loc(e["loc"]) or "(file)", "message_en": e["msg"]} for e in errs[:20]]
        raise BadRequest("city_file_invalid", f"城市配置文件有误：{_where(exc)}", f"invalid city file: {_where(exc)}",
                         field=path, problems=problems) from None


# ---------------------------------------------------------------- import: the preview


@dataclass
class Refusal:
    code: str
    zh: str
    en: str


@dataclass
class Preview:
    base: str
    versions: dict[str, int]
    file: CityFile
    units: dict[str, list[dict[str, Any]]]
    catalogue: dict[str, Any]  # hotline.catalogue.service.diff
    new_catalogue: dict[str, Any]
    sla: list[settings.Change]
    holidays: dict[str, list[str]]
    kpi: list[settings.Change]
    new_sla: dict[str, Any]
    new_kpi: dict[str, Any]
    refused: list[Refusal] = field(default_factory=list)
    notes: list[Refusal] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {f"units_{k}": len(v) for k, v in self.units.items()}
        out |= catalogue.counts(self.catalogue)
        out |= {"sla": len(self.sla), "kpi": len(self.kpi), "holidays": sum(len(v) for v in self.holidays.values())}
        return out

    @property
    def empty(self) -> bool:
        return not any(self.counts().values())

    def as_json(self) -> dict[str, Any]:
        def ch(xs: list[settings.Change]) -> list[dict[str, Any]]:
            return [{"path": c.path, "before": c.old, "after": c.new} for c in xs]

        return {"base": self.base, "versions": self.versions, "empty": self.empty, "counts": self.counts(),
                "units": self.units, "categories": self.catalogue["categories"], "entries": self.catalogue["entries"],
                "sla": ch(self.sla), "holidays": self.holidays, "kpi": ch(self.kpi),
                "refused": [r.__dict__ for r in self.refused], "notes": [r.__dict__ for r in self.notes]}


def _file_catalogue(cf: CityFile, live_snap: dict[str, Any]) -> dict[str, Any]:
    """The catalogue the file asks for: its categories and entries; a live category it leaves out is retired."""
    cats: list[dict[str, Any]] = []

    def walk(nodes: list[Any], parent: str | None) -> None:
        for c in nodes:
            cats.append({"code": c.code, "name": c.name, "parent": parent, "keywords": catalogue.keywords_of(c.keywords),
                         "urgent": c.urgent, "territorial": c.territorial, "retired": False,
                         "units": list(dict.fromkeys(c.units))})
            walk(c.children, c.code)

    walk(cf.categories, None)
    have = {c["code"] for c in cats}
    for c in live_snap["categories"]:
        if c["code"] not in have:
            cats.append({**c, "retired": True})
    entries = {}
    for e in cf.catalogue:
        row = {"category": e.category, "territory": e.territory or None, "lead": e.lead,
               "co_units": list(dict.fromkeys(x for x in e.co_units if x != e.lead)),
               "keywords": catalogue.keywords_of(e.keywords)}
        entries[catalogue.entry_key(row)] = row
    return {"categories": sorted(cats, key=lambda c: c["code"]), "entries": sorted(entries.values(), key=catalogue.entry_key)}


def _dates(body: dict[str, Any], key: str) -> set[str]:
    return {str(d) for d in (body.get("calendar") or {}).get(key, [])}


def preview(db: Session, cf: CityFile) -> Preview:
    """What importing ``cf`` would change, section by section (nothing is written)."""
    lv = live(db)
    code = lv.body["city"]["code"]
    if cf.city.code != code:
        raise BadRequest("city_file_other_city", f"这是城市 {cf.city.code} 的文件，当前城市是 {code}",
                         f"this file is city {cf.city.code}'s; the acting city is {code}", field="city.code")
    refused: list[Refusal] = []
    notes: list[Refusal] = []
    new = cf.model_dump(mode="json")
    for key in ("name", "hotline_name", "timezone", "order_number_prefix"):
        if new["city"][key] != lv.body["city"][key]:
            refused.append(Refusal("city_info_changed", f"城市信息 city.{key} 不能在控制台导入中修改",
                                   f"city.{key} cannot be changed by an import in the console"))
    for key in FILE_ONLY:
        mine = new[key] if key != "roads" else [_compact(r, ("name", "unit")) for r in new["roads"]]
        if mine != lv.body[key]:
            refused.append(Refusal("file_only_section", f"「{FILE_ONLY_ZH[key]}」（{key}）只能通过城市文件修改，控制台导入不改变它",
                                   f"{key} is changed in the city file only; an import in the console does not change it"))
    if cf.users:
        notes.append(Refusal("users_ignored", f"文件中的{len(cf.users)}个人员不会导入：人员请在「人员」页面管理",
                             f"the file's {len(cf.users)} user(s) are not imported: people are managed on the People page"))

    # units
    rows = {u.code: u for u in db.scalars(select(Unit))}
    live_units = {u["code"]: u for u in lv.body["units"]}
    file_units = {u["code"]: _compact(u, ("code", "name", "type", "parent")) for u in new["units"]}
    out: dict[str, list[dict[str, Any]]] = {"added": [], "renamed": [], "moved": [], "changed": [], "retired": []}
    for c, u in file_units.items():
        old = live_units.get(c)
        if old is None:
            if c in rows:
                refused.append(Refusal("unit_code_retired", f"单位编码 {c} 属于已撤销的单位，编码不能重复使用",
                                       f"unit code {c} belongs to a retired unit; codes are never reused"))
            elif u["type"] == "centre":
                refused.append(Refusal("centre_fixed", "热线中心不能新增或更换", "the centre cannot be added or replaced"))
            out["added"].append(u)
            continue
        if u["type"] != old["type"]:
            refused.append(Refusal("unit_type_changed", f"单位 {c} 的类型不能修改（{old['type']} → {u['type']}）",
                                   f"the type of unit {c} cannot change ({old['type']} → {u['type']})"))
        if u["name"] != old["name"]:
            out["renamed"].append({"code": c, "before": old["name"], "after": u["name"]})
        if u.get("parent") != old.get("parent"):
            if u["type"] == "centre":
                refused.append(Refusal("centre_fixed", "热线中心不能移动", "the centre cannot be moved"))
            out["moved"].append({"code": c, "name": u["name"], "before": old.get("parent"), "after": u.get("parent")})
        fields = {f: {"before": old.get(f), "after": u.get(f)} for f in UNIT_FIELDS if old.get(f) != u.get(f)}
        if fields:
            out["changed"].append({"code": c, "name": u["name"], "fields": fields})
    for c, old in live_units.items():
        if c in file_units:
            continue
        out["retired"].append({"code": c, "name": old["name"], "type": old["type"]})
        unit = rows[c]
        if unit.is_centre:
            refused.append(Refusal("centre_fixed", "热线中心不能撤销", "the centre cannot be retired"))
            continue
        n_open, n_people = _work_of(db, unit)
        if n_open or n_people:
            refused.append(Refusal(
                "unit_has_work", f"单位 {unit.name}（{c}）还有{n_open}件在办工单、{n_people}名在用人员：请先在「单位」页面合并或撤销它，选择工作和人员的去向",
                f"unit {c} still has {n_open} open order(s) and {n_people} active person(s): merge or retire it on "
                "the Units page first, choosing where its work and people go"))

    # catalogue
    new_cat = _file_catalogue(cf, lv.catalogue)
    d = catalogue.diff(lv.catalogue, new_cat)

    # sla (holidays apart) and kpi
    new_sla = settings.validate("sla", dict(cf.sla))
    new_kpi = settings.validate("kpi", dict(cf.kpi))
    sla_changes = [c for c in settings.diff(lv.body["sla"], new_sla) if not c.path.startswith("calendar.extra_")]
    holidays = {}
    for key, label in (("extra_holidays", "holidays"), ("extra_workdays", "workdays")):
        a, b = _dates(lv.body["sla"], key), _dates(new_sla, key)
        holidays[f"{label}_added"], holidays[f"{label}_removed"] = sorted(b - a), sorted(a - b)
    kpi_changes = settings.diff(lv.body["kpi"], new_kpi)
    return Preview(lv.fingerprint, lv.versions, cf, out, d, new_cat, sla_changes, holidays, kpi_changes, new_sla,
                   new_kpi, refused, notes)


def _work_of(db: Session, unit: Unit) -> tuple[int, int]:
    """(open orders, active people) of a unit the file leaves out: a retire by import leaves neither behind."""
    from hotline.orders.enums import OPEN
    from hotline.orders.models import Assignment, Order

    open_ids = set(db.scalars(select(Assignment.order_id).join(Assignment.order).where(
        Assignment.unit_id == unit.id, Assignment.active.is_(True), Order.status.in_(OPEN))))
    open_ids |= set(db.scalars(select(Order.id).where(
        Order.status.in_(OPEN), (Order.subcentre_unit_id == unit.id) | (Order.territory_unit_id == unit.id))))
    people = list(db.scalars(select(User.id).where(User.unit_id == unit.id, User.active.is_(True))))
    return len(open_ids), len(people)


# ---------------------------------------------------------------- import: carrying it out


def _reason(value: str | None) -> str:
    r = (value or "").strip()
    if not r:
        raise BadRequest("reason_required", "请填写修改原因", "give a reason for the change", field="reason")
    if len(r) > MAX_REASON:
        raise BadRequest("reason_too_long", f"原因不能超过{MAX_REASON}字", f"at most {MAX_REASON} characters", field="reason")
    return r


def _depth(code: str, parents: dict[str, str | None]) -> int:
    n, seen = 0, set()
    while code in parents and parents[code] is not None and code not in seen:
        seen.add(code)
        code = parents[code]  # type: ignore[assignment]
        n += 1
    return n


def _moves(db: Session, actor: User, moves: list[dict[str, Any]]) -> None:
    """The moves in an order that never passes through a cycle (a street lifted out before its old district
    goes below it); a set of moves that ends in a cycle is refused by ``do_move_unit`` (422 ``unit_cycle``)."""
    left = list(moves)
    while left:
        for m in left:
            unit = units_flows.get_unit(db, m["code"])
            target = units_flows.get_unit(db, m["after"]) if m["after"] else None
            if target is None or not units_flows._is_under(db, target, unit):
                break
        else:
            m = left[0]  # every remaining move closes a cycle now: let the flow say so
        units_flows.do_move_unit(db, actor=actor, unit=units_flows.get_unit(db, m["code"]), parent_code=m["after"])
        db.flush()
        left.remove(m)


def trial(db: Session, p: Preview, *, actor: User) -> Preview:
    """Carry the import out in a savepoint and roll it back: what the flows would refuse on confirm (a
    territory that is not a street, a code the unit flows do not accept …) is shown in the preview."""
    if p.refused or p.empty:
        return p
    sp = db.begin_nested()
    try:
        apply(db, p.file, actor=actor, base=p.base, reason="preview")
    except AppError as exc:
        p.refused.append(Refusal(exc.code, exc.zh, exc.en))
    finally:
        sp.rollback()
    return p


def apply(db: Session, cf: CityFile, *, actor: User, base: str, reason: str | None) -> dict[str, Any]:
    """Carry out the import of ``cf`` in the caller's transaction (the caller commits, then forgets
    routing's caches).  409 when the live state is no longer the one the preview (``base``) was made from."""
    why = _reason(reason)
    if current_scope().id is not None:  # one import at a time per city (PostgreSQL; SQLite writes one at a time)
        db.execute(select(City.id).where(City.id == current_scope().id).with_for_update())
    p = preview(db, cf)
    if p.base != base:
        raise Conflict("city_file_live_changed", "预览之后配置已被修改，请重新上传并预览",
                       "the live configuration changed since the preview; upload and preview again")
    if p.refused:
        first = p.refused[0]
        raise BadRequest("city_file_refused", f"无法导入：{first.zh}", f"cannot import: {first.en}",
                         refused=[r.__dict__ for r in p.refused])
    if p.empty:
        raise BadRequest("city_file_unchanged", "文件与当前配置相同，没有可导入的修改",
                         "the file is the same as the live configuration; nothing to import")
    file_units = {u.code: u for u in cf.units}
    parents = {u.code: u.parent for u in cf.units}
    # 1. new units, parents first
    for u in sorted(p.units["added"], key=lambda x: _depth(x["code"], parents)):
        d = file_units[u["code"]]
        units_flows.do_create_unit(db, actor=actor, code=d.code, name=d.name, type=d.type.value, parent_code=d.parent,
                                   short_name=d.short_name, duties=d.duties, phone=d.phone)
    db.flush()
    added = {u["code"] for u in p.units["added"]}
    # 2. moves, renames and the other fields (the new units' keywords and categories too)
    _moves(db, actor, p.units["moved"])
    changed = {c["code"] for c in p.units["changed"]} | {r["code"] for r in p.units["renamed"]} | added
    for code in sorted(changed):
        d = file_units[code]
        unit = units_flows.get_unit(db, code)
        units_flows.do_update_unit(db, actor=actor, unit=unit, name=d.name, short_name=d.short_name or "",
                                   duties=d.duties, phone=d.phone or "")
        before = {"keywords": list(unit.keywords or []), "categories": list(unit.categories or [])}
        after = {"keywords": list(d.keywords), "categories": list(dict.fromkeys(d.categories))}
        if after != before:
            unit.keywords, unit.categories = after["keywords"], after["categories"]
            record(db, actor=actor, action="unit.catalogue", entity="unit", entity_id=code, before=before, after=after)
    db.flush()
    # 3. retirements, deepest first (a district after its streets)
    live_parents = {u["code"]: u.get("parent") for u in live(db).body["units"]}
    for r in sorted(p.units["retired"], key=lambda x: -_depth(x["code"], live_parents)):
        units_flows.do_retire(db, actor=actor, unit=units_flows.get_unit(db, r["code"]))
        db.flush()
    # 4. the catalogue: one new version
    versions = dict(p.versions)
    if not catalogue.is_empty(p.catalogue):
        row = catalogue.commit(db, actor=actor, snapshot=p.new_catalogue, reason=why, kind="import",
                               base=p.versions["catalogue"], file="city file")
        versions["catalogue"] = row.number
    # 5. settings: a new version of each block that differs
    for block, body in (("sla", p.new_sla), ("kpi", p.new_kpi)):
        if body != settings.current(db, block)[1]:
            versions[block] = settings.do_save(db, actor=actor, block=block, body=body, reason=why).version
    counts = p.counts()
    record(db, actor=actor, action="cityfile.import", entity="city", entity_id=cf.city.code,
           before=p.versions, after=versions, reason=why, counts=counts)
    db.flush()
    return {"versions": versions, "counts": counts}
