"""A city file mirrored into the database: units, categories and users, upserted by code.

Units and categories live in the database too (orders point at them and admins edit duty keywords
there); ``sync_city`` upserts them from the file by code and never deletes, so history keeps its
references. A provincial administrator adds a city from its file (``add_city``, ``add_city_from_upload``).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.loader import cached_city
from hotline.city.models import City
from hotline.city.schema import CityFile
from hotline.config import get_settings
from hotline.org.models import Category, Unit, User


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
        # usernames are unique across the province (one login page for every city)
        users = set(db.scalars(select(User.username).execution_options(all_cities=True)))
        for usr in city.users:
            if usr.username in users:
                continue
            db.add(User(username=usr.username, name=usr.name, role=usr.role.value,
                        unit_id=by_code[usr.unit].id, password_hash=hash_password(usr.password)))
            n_users += 1
    db.flush()
    return {"units": len(city.units), "categories": len(city.category_index()), "users": n_users}


def add_city(db: Session, path: str | Path, *, with_users: bool = True, actor: User | None = None) -> City:
    """Create a city from its file (or refresh it, by code): the row, then its units,
    categories and users, written as that city.  Audited as the province's act."""
    from hotline.city.loader import file_ref, load_city
    from hotline.city.tenancy import acting_as, file_hash, forget_home
    from hotline.org.models import AuditLog

    cf = load_city(path)
    row = db.scalar(select(City).where(City.code == cf.city.code))
    created = row is None
    if row is None:
        row = City(code=cf.city.code, kind="city")
        db.add(row)
    row.name, row.timezone, row.order_number_prefix = cf.city.name, cf.city.timezone, cf.city.order_number_prefix
    row.file, row.file_hash = file_ref(path), file_hash(path)
    db.flush()
    forget_home()
    with acting_as(row):
        counts = sync_city(db, cf, with_users=with_users)
        # the key (city_id, actor_id) names users of this city only: the province's administrator
        # (a user of the province row) is named by label
        own = actor is not None and actor.city_id == row.id
        db.add(AuditLog(actor_id=actor.id if own and actor else None,
                        actor_label=actor.username if actor else "province",
                        action="city.add" if created else "city.sync",
                        entity="city", entity_id=row.code, data=counts))  # in the new city's log
        db.flush()
    return row


PROVINCE_CODE = "province"


def ensure_province(db: Session, *, users: tuple[tuple[str, str, str], ...] = (), password: str = "demo12345") -> City:
    """The province's own row and office (省12345热线管理办公室) with its people, who read every city."""
    from hotline.city.tenancy import acting_as
    from hotline.org.auth import hash_password

    row = db.scalar(select(City).where(City.code == PROVINCE_CODE))
    if row is None:
        row = City(code=PROVINCE_CODE, kind="province", name="全省", timezone="Asia/Shanghai")
        db.add(row)
        db.flush()
    with acting_as(row):
        office = db.scalar(select(Unit).where(Unit.code == "province-office"))
        if office is None:
            office = Unit(code="province-office", name="省12345政务服务便民热线管理办公室", type="centre",
                          short_name="省热线办")
            db.add(office)
            db.flush()
        have = set(db.scalars(select(User.username).execution_options(all_cities=True)))
        for username, name, role in users:
            if username not in have:
                db.add(User(username=username, name=name, role=role, unit_id=office.id,
                            password_hash=hash_password(password)))
        db.flush()
    return row


MAX_CITY_FILE = 2 * 1024 * 1024


def add_city_from_upload(db: Session, content: bytes, *, actor: User) -> City:
    """The provincial administrator's form: a self-contained city file (no ``include:``)."""
    from hotline.city.loader import CityFileError, load_city
    from hotline.city.tenancy import file_hash
    from hotline.errors import BadRequest, Conflict, TooLarge

    if len(content) > MAX_CITY_FILE:
        raise TooLarge("city_file_too_large", "城市配置文件不能超过2MB", "a city file may not exceed 2 MB")
    import hashlib

    import yaml

    try:
        doc = yaml.safe_load(content)
    except yaml.YAMLError:
        doc = None  # load_city below says what is wrong with it
    if isinstance(doc, dict) and doc.get("boundaries"):
        # a boundary file is a second file, which a form upload cannot carry: say so rather than drop it
        raise BadRequest("city_file_boundaries",
                         "上传的城市文件不能引用边界文件（boundaries）：请删去该项后上传，"
                         "或把城市文件和边界文件放到服务器上，用 hotline city add 添加",
                         "an uploaded city file cannot name a boundary file (boundaries): remove the key and upload "
                         "it again, or put both files on the server and use hotline city add")
    folder = get_settings().data_dir / "cities"
    folder.mkdir(parents=True, exist_ok=True)

    path = folder / f"{hashlib.sha256(content).hexdigest()[:16]}.yaml"
    path.write_bytes(content)
    try:
        cf = load_city(path)
    except CityFileError as exc:
        path.unlink(missing_ok=True)
        raise BadRequest("city_file_invalid", f"城市配置文件有误：{exc}", f"invalid city file: {exc}") from exc
    if db.scalar(select(City).where(City.code == cf.city.code)) is not None:
        raise Conflict("city_exists", f"城市代码 {cf.city.code} 已存在", f"city code {cf.city.code} exists already")
    taken = sorted(set(db.scalars(select(User.username).where(User.username.in_([u.username for u in cf.users]))
                                  .execution_options(all_cities=True))))
    if taken:
        raise Conflict("username_taken", f"用户名已被其他城市使用：{', '.join(taken)}",
                       f"usernames already used in another city: {', '.join(taken)}")
    assert file_hash(path)
    return add_city(db, path, actor=actor)


def city_logins(db: Session) -> list[tuple[str, list[User]]]:
    """(city name, the people its city file names) per city, then the province's people:
    what `hotline demo` prints."""
    out: list[tuple[str, list[User]]] = []
    for city in db.scalars(select(City).order_by(City.id)):
        q = select(User).where(User.city_id == city.id).execution_options(all_cities=True).order_by(User.id)
        if city.file:
            names = [u.username for u in cached_city(city.file).users]
            users = {u.username: u for u in db.scalars(q.where(User.username.in_(names)))}
            out.append((city.name, [users[n] for n in names if n in users]))
        else:
            out.append((city.name, list(db.scalars(q))))
    return out
