"""The dispatch catalogue (派单目录) and the category taxonomy as versions: read, check, compare, commit.

A catalogue is a snapshot ``{"categories": [...], "entries": [...]}``:

- a category ``{code, name, parent, keywords, urgent, territorial, retired, units}`` — codes are stable:
  renaming or moving a category keeps its code, a retired one stays (old orders show it) but is not
  offered for new orders nor used by routing;
- an entry ``{category, territory, lead, co_units, keywords}`` — one per category × territory
  (territory: a street/township code, or None for everywhere).

Version 0 is the city file's own catalogue (no entries); every change is a new version, numbered per
city, with who, when and why, and an audit row with the changed items before and after.  Routing
reads the current version through the ``routing.catalogue`` extension point (``view_for``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.catalogue.models import CatalogueVersion
from hotline.city.schema import CategoryDef, CityFile
from hotline.city.service import current_city
from hotline.db import utcnow
from hotline.errors import BadRequest, Conflict, NotFound
from hotline.org import audit
from hotline.org.models import Category, Unit, User
from hotline.routing.catalogue import CatalogueView, Entry
from hotline.routing.flows import split_keywords
from hotline.validation import has_control

CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
NAME_MAX = 64
REASON_MAX = 500
MAX_CATEGORIES = 5000
MAX_ENTRIES = 5000
MAX_CO_UNITS = 10
MAX_KEYWORDS = 500  # a first-level category of the demo city has ~150
TERRITORY_TYPES = ("street", "township")
LEAD_TYPES = ("department", "enterprise", "district", "street", "township", "community")
CATEGORY_FIELDS = ("name", "parent", "keywords", "urgent", "territorial", "retired", "units")
ENTRY_FIELDS = ("lead", "co_units", "keywords")


# ---------------------------------------------------------------- snapshots


def _flatten(city: CityFile) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def walk(nodes: list[CategoryDef], parent: str | None) -> None:
        for c in nodes:
            out.append({"code": c.code, "name": c.name, "parent": parent, "keywords": list(c.keywords),
                        "urgent": c.urgent, "territorial": c.territorial, "retired": False, "units": list(c.units)})
            walk(c.children, c.code)

    walk(city.categories, None)
    return sorted(out, key=lambda c: c["code"])


def base_snapshot(city: CityFile | None = None) -> dict[str, Any]:
    """Version 0: the city file's categories and its ``catalogue:`` entries (none in a hand-written file)."""
    cf = city or current_city()
    entries = [{"category": e.category, "territory": e.territory or None, "lead": e.lead,
                "co_units": list(e.co_units), "keywords": list(e.keywords)} for e in cf.catalogue]
    return {"categories": _flatten(cf), "entries": sorted(entries, key=entry_key)}


def latest(db: Session) -> CatalogueVersion | None:
    return db.scalar(select(CatalogueVersion).order_by(CatalogueVersion.number.desc()).limit(1))


def current_number(db: Session) -> int:
    return int(db.scalar(select(func.max(CatalogueVersion.number))) or 0)


def current(db: Session) -> tuple[int, dict[str, Any]]:
    row = latest(db)
    return (row.number, row.snapshot) if row is not None else (0, base_snapshot())


def version(db: Session, number: int) -> tuple[int, dict[str, Any]]:
    if number == 0:
        return 0, base_snapshot()
    row = db.scalar(select(CatalogueVersion).where(CatalogueVersion.number == number))
    if row is None:
        raise NotFound("catalogue_version_not_found", f"派单目录没有第{number}版", f"no catalogue version {number}")
    return row.number, row.snapshot


def versions(db: Session, *, limit: int = 200) -> list[CatalogueVersion]:
    return list(db.scalars(select(CatalogueVersion).order_by(CatalogueVersion.number.desc()).limit(limit)))


def entry_key(e: dict[str, Any]) -> str:
    return f"{e['category']}@{e.get('territory') or '*'}"


# ---------------------------------------------------------------- checking


def _bad(code: str, zh: str, en: str, **where: Any) -> BadRequest:
    return BadRequest(code, zh, en, **where)


def _text(value: Any, what_zh: str, what_en: str, *, max_len: int, required: bool = True) -> str:
    if not isinstance(value, str):
        raise _bad("catalogue_value_invalid", f"{what_zh}须为文字", f"{what_en} must be text")
    v = value.strip()
    if required and not v:
        raise _bad("catalogue_value_required", f"请填写{what_zh}", f"{what_en} is required")
    if len(v) > max_len:
        raise _bad("catalogue_value_too_long", f"{what_zh}不能超过{max_len}个字符",
                   f"{what_en} may have at most {max_len} characters")
    if has_control(v):
        raise _bad("catalogue_value_invalid", f"{what_zh}含有不可见的控制字符", f"{what_en} contains control characters")
    return v


def keywords_of(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, str | list) or (isinstance(value, list) and not all(isinstance(w, str) for w in value)):
        raise _bad("catalogue_keywords_invalid", "关键词须为文字", "keywords must be text")
    words = split_keywords(value)
    if any(has_control(w) for w in words):
        raise _bad("catalogue_keywords_invalid", "关键词含有不可见的控制字符", "a keyword contains control characters")
    if len(words) > MAX_KEYWORDS:
        raise _bad("catalogue_keywords_too_many", f"关键词不能超过{MAX_KEYWORDS}个", f"at most {MAX_KEYWORDS} keywords")
    return words


def reason_of(value: Any) -> str:
    return _text(value if value is not None else "", "修改原因", "the reason", max_len=REASON_MAX)


def _units(db: Session) -> dict[str, Unit]:
    return {u.code: u for u in db.scalars(select(Unit).where(Unit.active.is_(True)))}


def check(db: Session, snap: dict[str, Any]) -> dict[str, Any]:
    """A clean copy of a snapshot, or a 422 naming what is wrong (the row's key in ``field``)."""
    units = _units(db)
    cats_in = snap.get("categories")
    entries_in = snap.get("entries")
    if not isinstance(cats_in, list) or not isinstance(entries_in, list):
        raise _bad("catalogue_invalid", "派单目录格式有误", "malformed catalogue")
    if len(cats_in) > MAX_CATEGORIES or len(entries_in) > MAX_ENTRIES:
        raise _bad("catalogue_too_large", "派单目录条目过多", "too many catalogue rows")
    cats: dict[str, dict[str, Any]] = {}
    for c in cats_in:
        code = c.get("code") if isinstance(c, dict) else None
        if not isinstance(code, str) or not CODE.match(code):
            raise _bad("category_code_invalid", f"分类编码无效：{str(code)[:40]}（1–32位字母、数字、-、_）",
                       f"invalid category code: {str(code)[:40]} (1–32 letters, digits, - or _)", field="code")
        if code in cats:
            raise _bad("category_code_taken", f"分类编码重复：{code}", f"duplicate category code: {code}", field=code)
        for u in c.get("units") or []:
            if not isinstance(u, str):
                raise _bad("category_units_invalid", f"分类 {code} 的默认单位有误", f"category {code}: bad default units")
        cats[code] = {"code": code, "name": _text(c.get("name"), f"分类 {code} 的名称", f"the name of {code}",
                                                  max_len=NAME_MAX),
                      "parent": c.get("parent") or None, "keywords": keywords_of(c.get("keywords")),
                      "urgent": bool(c.get("urgent")), "territorial": bool(c.get("territorial")),
                      "retired": bool(c.get("retired")), "units": [u for u in c.get("units") or [] if u in units]}
    for code, c in cats.items():
        chain, seen = [code], c["parent"]
        while seen is not None:
            if seen not in cats:
                raise _bad("category_parent_unknown", f"分类 {code} 的上级分类不存在：{seen}",
                           f"category {code}: unknown parent {seen}", field=code)
            if seen in chain:
                raise _bad("category_cycle", f"分类 {code} 不能移到自己的下级之下", f"category {code}: a cycle", field=code)
            chain.append(seen)
            seen = cats[seen]["parent"]
        if len(chain) > 3:
            raise _bad("category_too_deep", f"分类 {code} 超过三级", f"category {code} is below the third level", field=code)
        if not c["retired"] and any(cats[p]["retired"] for p in chain[1:]):
            raise _bad("category_parent_retired", f"分类 {code} 的上级已停用", f"category {code}: its parent is retired",
                       field=code)
    entries: dict[str, dict[str, Any]] = {}
    for i, e in enumerate(entries_in, start=1):
        if not isinstance(e, dict):
            raise _bad("catalogue_entry_invalid", f"第{i}条目录格式有误", f"entry {i}: malformed", row=i)
        entries_row = clean_entry(e, cats, units, row=i)
        key = entry_key(entries_row)
        if key in entries:
            raise _bad("catalogue_entry_duplicate", f"第{i}条：同一分类和属地只能有一条目录（{key}）",
                       f"entry {i}: one entry per category and territory ({key})", row=i)
        entries[key] = entries_row
    return {"categories": sorted(cats.values(), key=lambda c: c["code"]),
            "entries": sorted(entries.values(), key=entry_key)}


def clean_entry(e: dict[str, Any], cats: dict[str, dict[str, Any]], units: dict[str, Unit], *, row: int | None = None,
                ) -> dict[str, Any]:
    at: dict[str, Any] = {"row": row} if row is not None else {}
    where_zh, where_en = (f"第{row}行：", f"row {row}: ") if row is not None else ("", "")

    def bad(code: str, zh: str, en: str, column: str) -> BadRequest:
        return _bad(code, where_zh + zh, where_en + en, column=column, **at)

    category = e.get("category")
    if not isinstance(category, str) or category not in cats:
        raise bad("catalogue_category_unknown", f"未知分类：{str(category)[:40]}", f"unknown category: {str(category)[:40]}",
                  "category")
    if cats[category]["retired"]:
        raise bad("catalogue_category_retired", f"分类 {category} 已停用", f"category {category} is retired", "category")
    territory = e.get("territory") or None
    if territory is not None and (not isinstance(territory, str) or territory not in units
                                  or units[territory].type not in TERRITORY_TYPES):
        raise bad("catalogue_territory_invalid", f"属地须为在用的街道或乡镇：{str(territory)[:64]}",
                  f"the territory must be an active street or township: {str(territory)[:64]}", "territory")
    lead = e.get("lead")
    if not isinstance(lead, str) or lead not in units or units[lead].type not in LEAD_TYPES:
        raise bad("catalogue_lead_invalid", f"主办单位须为在用的承办单位：{str(lead)[:64]}",
                  f"the lead unit must be an active handling unit: {str(lead)[:64]}", "lead")
    co_raw = e.get("co_units") or []
    if isinstance(co_raw, str):
        co_raw = split_keywords(co_raw)
    if not isinstance(co_raw, list) or not all(isinstance(c, str) for c in co_raw):
        raise bad("catalogue_co_units_invalid", "协办单位格式有误", "malformed co-units", "co_units")
    co = list(dict.fromkeys(co_raw))
    for c in co:
        if c not in units or units[c].type not in LEAD_TYPES:
            raise bad("catalogue_co_unit_invalid", f"协办单位须为在用的承办单位：{c[:64]}",
                      f"a co-unit must be an active handling unit: {c[:64]}", "co_units")
        if c == lead:
            raise bad("catalogue_co_unit_is_lead", "主办单位不能同时是协办单位", "the lead unit cannot also be a co-unit",
                      "co_units")
    if len(co) > MAX_CO_UNITS:
        raise bad("catalogue_co_units_too_many", f"协办单位不能超过{MAX_CO_UNITS}个", f"at most {MAX_CO_UNITS} co-units",
                  "co_units")
    try:
        words = keywords_of(e.get("keywords"))
    except BadRequest as exc:
        raise bad(exc.code, exc.zh, exc.en, "keywords") from None
    return {"category": category, "territory": territory, "lead": lead, "co_units": co, "keywords": words}


# ---------------------------------------------------------------- comparing


def diff(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """What changed from ``a`` to ``b``: categories and entries added, removed and changed (field by field)."""

    def compare(xs: list[dict[str, Any]], ys: list[dict[str, Any]], key: Any, fields: tuple[str, ...]
                ) -> dict[str, list[Any]]:
        old, new = {key(x): x for x in xs}, {key(y): y for y in ys}
        changed = []
        for k in sorted(set(old) & set(new)):
            fs = {f: {"before": old[k].get(f), "after": new[k].get(f)} for f in fields
                  if old[k].get(f) != new[k].get(f)}
            if fs:
                changed.append({"key": k, "before": old[k], "after": new[k], "fields": fs})
        return {"added": [new[k] for k in sorted(set(new) - set(old))],
                "removed": [old[k] for k in sorted(set(old) - set(new))], "changed": changed}

    return {"categories": compare(a["categories"], b["categories"], lambda c: c["code"], CATEGORY_FIELDS),
            "entries": compare(a["entries"], b["entries"], entry_key, ENTRY_FIELDS)}


def counts(d: dict[str, Any]) -> dict[str, int]:
    return {f"{part}_{what}": len(d[part][what]) for part in ("categories", "entries")
            for what in ("added", "removed", "changed")}


def is_empty(d: dict[str, Any]) -> bool:
    return not any(counts(d).values())


# ---------------------------------------------------------------- committing


def commit(db: Session, *, actor: User, snapshot: dict[str, Any], reason: Any, kind: str = "edit",
           base: int | None = None, **detail: Any) -> CatalogueVersion:
    """A new version equal to ``snapshot`` (checked), with the audit row; the caller commits and then
    calls ``routing.service.forget_catalogue()``.  ``base``: the version the change was made from —
    another version since then is a 409 (the admin compares again)."""
    why = reason_of(reason)
    number, before = current(db)
    if base is not None and base != number:
        raise Conflict("catalogue_changed", f"派单目录已更新为第{number}版，请刷新后重新比较",
                       f"the catalogue is at version {number} now; reload and compare again")
    after = check(db, snapshot)
    d = diff(before, after)
    if is_empty(d):
        raise _bad("catalogue_unchanged", "与当前版本相同，没有可保存的修改", "nothing differs from the current version")
    row = CatalogueVersion(number=number + 1, created_at=utcnow(), actor_id=actor.id, actor_label=actor.username,
                           reason=why, kind=kind, summary=counts(d), snapshot=after)
    db.add(row)
    _mirror(db, after)
    b: dict[str, Any] = {}
    a: dict[str, Any] = {}
    for part, key in (("categories", lambda c: f"category:{c['code']}"), ("entries", lambda e: f"entry:{entry_key(e)}")):
        for x in d[part]["removed"]:
            b[key(x)] = x
        for x in d[part]["added"]:
            a[key(x)] = x
        for ch in d[part]["changed"]:
            b[key(ch["before"])], a[key(ch["after"])] = ch["before"], ch["after"]
    audit.record(db, actor=actor, action=f"catalogue.{kind}", entity="catalogue", entity_id=str(number + 1),
                 before=b, after=a, reason=why, version=number + 1, previous=number, **detail)
    db.flush()
    return row


def _mirror(db: Session, snap: dict[str, Any]) -> None:
    """Write a version's taxonomy into ``categories`` (what orders point at): names, parents, paths,
    retirement.  A category missing from the version (a rollback to before it existed) is retired."""
    cats = {c["code"]: c for c in snap["categories"]}
    rows = {c.code: c for c in db.scalars(select(Category))}

    def path(code: str) -> tuple[str, int]:
        names: list[str] = []
        seen: Any = code
        while seen is not None and seen in cats and len(names) < 3:
            names.append(cats[seen]["name"])
            seen = cats[seen]["parent"]
        return "/".join(reversed(names)), len(names)

    for code, c in cats.items():
        row = rows.get(code)
        if row is None:
            row = Category(code=code)
            db.add(row)
        p, level = path(code)
        row.name, row.parent_code, row.level, row.territorial, row.path = c["name"], c["parent"], level, c["territorial"], p
        row.retired = c["retired"]
    for code, row in rows.items():
        if code not in cats:
            row.retired = True


# ---------------------------------------------------------------- edits (each returns a new snapshot)


def _copy(snap: dict[str, Any]) -> dict[str, Any]:
    return {"categories": [dict(c) for c in snap["categories"]], "entries": [dict(e) for e in snap["entries"]]}


def put_category(snap: dict[str, Any], *, code: str, name: str | None = None, parent: str | None | bool = False,
                 keywords: Any = None, urgent: bool | None = None, territorial: bool | None = None,
                 create: bool = False) -> dict[str, Any]:
    """Add (``create``) or change a category; ``parent=False`` keeps the parent, None moves it to the top."""
    out = _copy(snap)
    cats = {c["code"]: c for c in out["categories"]}
    if create:
        if code in cats:
            raise Conflict("category_code_taken", f"分类编码已存在：{code}（编码不能重复使用）",
                           f"category code exists already: {code} (codes are never reused)")
        row: dict[str, Any] = {"code": code, "name": name or "", "parent": parent or None, "keywords": [],
                               "urgent": False, "territorial": False, "retired": False, "units": []}
        out["categories"].append(row)
    else:
        if code not in cats:
            raise NotFound("category_not_found", f"未知分类：{code}", f"unknown category: {code}")
        row = cats[code]
        if name is not None:
            row["name"] = name
        if parent is not False:
            row["parent"] = parent or None
    if keywords is not None:
        row["keywords"] = keywords_of(keywords)
    if urgent is not None:
        row["urgent"] = urgent
    if territorial is not None:
        row["territorial"] = territorial
    return out


def set_retired(snap: dict[str, Any], code: str, retired: bool) -> dict[str, Any]:
    """Retire a category and its subtree (and drop their entries), or restore one (not its children)."""
    out = _copy(snap)
    cats = {c["code"]: c for c in out["categories"]}
    if code not in cats:
        raise NotFound("category_not_found", f"未知分类：{code}", f"unknown category: {code}")
    if not retired:
        cats[code]["retired"] = False
        return out
    gone = {code}
    grew = True
    while grew:
        grew = False
        for c in cats.values():
            if c["parent"] in gone and c["code"] not in gone:
                gone.add(c["code"])
                grew = True
    for c in gone:
        cats[c]["retired"] = True
    out["entries"] = [e for e in out["entries"] if e["category"] not in gone]
    return out


def put_entry(snap: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    out = _copy(snap)
    key = entry_key({"category": entry.get("category"), "territory": entry.get("territory") or None})
    out["entries"] = [e for e in out["entries"] if entry_key(e) != key] + [dict(entry)]
    return out


def remove_entry(snap: dict[str, Any], category: str, territory: str | None) -> dict[str, Any]:
    out = _copy(snap)
    key = entry_key({"category": category, "territory": territory or None})
    if not any(entry_key(e) == key for e in out["entries"]):
        raise NotFound("catalogue_entry_not_found", f"没有这条目录：{key}", f"no such entry: {key}")
    out["entries"] = [e for e in out["entries"] if entry_key(e) != key]
    return out


def rollback(db: Session, *, actor: User, to: int, reason: Any, base: int | None = None) -> CatalogueVersion:
    """A new version equal to version ``to``."""
    _n, snap = version(db, to)
    return commit(db, actor=actor, snapshot=snap, reason=reason, kind="rollback", base=base, rolled_back_to=to)


# ---------------------------------------------------------------- what routing reads


def _tree(cats: list[dict[str, Any]]) -> tuple[list[CategoryDef], dict[str, str | None]]:
    live = {c["code"]: c for c in cats if not c["retired"]}
    kids: dict[str | None, list[str]] = {}
    for code, c in sorted(live.items()):
        kids.setdefault(c["parent"] if c["parent"] in live else None if c["parent"] is None else "!", []).append(code)

    def build(code: str) -> CategoryDef:
        c = live[code]
        return CategoryDef.model_construct(code=code, name=c["name"], children=[build(k) for k in kids.get(code, [])],
                                           units=list(c["units"]), territorial=c["territorial"],
                                           keywords=list(c["keywords"]), urgent=c["urgent"])

    tops = [build(k) for k in kids.get(None, [])]
    parents: dict[str, str | None] = {}

    def note(node: CategoryDef, parent: str | None) -> None:
        parents[node.code] = parent
        for ch in node.children:
            note(ch, node.code)

    for t in tops:
        note(t, None)
    return tops, parents


@dataclass
class _Kept:
    number: int
    city: CityFile
    view: CatalogueView


class _Views:
    """The view of each city's current version, rebuilt when the number changes (any process's write)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kept: dict[tuple[int | None, int], _Kept] = {}

    def __call__(self, db: Session, city: CityFile) -> CatalogueView | None:
        from hotline.city.tenancy import current_scope

        row = db.execute(select(CatalogueVersion.id, CatalogueVersion.number)
                         .order_by(CatalogueVersion.number.desc()).limit(1)).first()
        if row is None and not city.catalogue:
            return None
        key = (current_scope().id, row.number if row is not None else 0)
        kept = self.kept.get(key)
        if kept is not None and kept.city is city:
            return kept.view
        if row is None:  # a city made from an exported file: version 0 has the file's entries
            snap = base_snapshot(city)
        else:
            snap = db.scalar(select(CatalogueVersion.snapshot).where(CatalogueVersion.id == row.id)) or {}
        tops, parents = _tree(snap.get("categories", []))
        entries = tuple(Entry(e["category"], e.get("territory"), e["lead"], tuple(e.get("co_units") or ()),
                              tuple(e.get("keywords") or ())) for e in snap.get("entries", []) if e["category"] in parents)
        view = CatalogueView(key[1], city.model_copy(update={"categories": tops}), entries, parents)
        with self.lock:
            for k in [k for k in self.kept if k[0] == key[0]]:
                del self.kept[k]
            self.kept[key] = _Kept(key[1], city, view)
        return view

    def forget(self) -> None:
        with self.lock:
            self.kept.clear()


view_for = _Views()


# ---------------------------------------------------------------- the province reads one city at a time


@contextmanager
def reading(db: Session, city: str | None) -> Iterator[None]:
    """A provincial reader (every city, read-only) reads one city's catalogue: ``city`` names it.
    Anybody else reads their own city's (``city`` ignored)."""
    from hotline.city.models import City
    from hotline.city.tenancy import acting_as, current_scope

    if not current_scope().all_cities:
        yield
        return
    if not city:
        raise BadRequest("city_required", "省级账号请指定城市（city=城市代码）", "a provincial reader names the city (city=code)",
                         field="city")
    row = db.scalar(select(City).where(City.code == city[:64], City.kind == "city"))
    if row is None:
        raise NotFound("city_not_found", f"未知城市：{city[:64]}", f"unknown city: {city[:64]}")
    with acting_as(row):
        yield


def cities(db: Session) -> list[Any]:
    from hotline.city.service import cities as all_cities

    return all_cities(db)
