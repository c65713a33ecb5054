"""The running city: loaded once from the file named in settings, and mirrored into the database.

Units and categories live in the database too (orders point at them and admins
edit duty keywords there); ``sync_city`` upserts them from the file by code and
never deletes, so history keeps its references.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.loader import cached_city
from hotline.city.schema import CityFile
from hotline.city.tenancy import explicit_scope
from hotline.config import get_settings
from hotline.org.models import Category, Unit, User


def current_city() -> CityFile:
    """The acting city's file (``hotline.city.tenancy``); the home city's when none acts, or
    when the provincial read-only scope acts (it has no file of its own)."""
    scope = explicit_scope()
    if scope is not None and scope.file:
        return cached_city(scope.file)
    return cached_city(get_settings().city_file)


def sync_city(db: Session, city: CityFile, *, with_users: bool = True) -> dict[str, int]:
    """Upsert units, categories and (optionally) the file's users. Returns counts."""
    from hotline.org.auth import hash_password

    by_code = {u.code: u for u in db.scalars(select(Unit))}
    for ud in city.units:
        unit = by_code.get(ud.code)
        if unit is None:
            unit = Unit(code=ud.code)
            db.add(unit)
            by_code[ud.code] = unit
        unit.name, unit.type, unit.short_name = ud.name, ud.type.value, ud.short_name
        unit.duties, unit.keywords, unit.categories, unit.phone = ud.duties, ud.keywords, ud.categories, ud.phone
    db.flush()
    for ud in city.units:
        by_code[ud.code].parent_id = by_code[ud.parent].id if ud.parent else None

    existing = {c.code: c for c in db.scalars(select(Category))}

    def walk(cats: list, parent: str | None, level: int, path: str) -> None:
        for cd in cats:
            row = existing.get(cd.code) or Category(code=cd.code)
            row.name, row.parent_code, row.level, row.territorial = cd.name, parent, level, cd.territorial
            row.path = f"{path}/{cd.name}" if path else cd.name
            db.add(row)
            walk(cd.children, cd.code, level + 1, row.path)

    walk(city.categories, None, 1, "")
    n_users = 0
    if with_users:
        users = {u.username for u in db.scalars(select(User))}
        for usr in city.users:
            if usr.username in users:
                continue
            db.add(User(username=usr.username, name=usr.name, role=usr.role.value,
                        unit_id=by_code[usr.unit].id, password_hash=hash_password(usr.password)))
            n_users += 1
    db.flush()
    return {"units": len(city.units), "categories": len(city.category_index()), "users": n_users}
