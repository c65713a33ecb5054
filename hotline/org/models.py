"""Units (承办单位 and the centre), people, login sessions and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.city.models import City
from hotline.city.tenancy import CityOwned, _stamp, same_city
from hotline.db import Base, UTCDateTime, utcnow


class Unit(CityOwned, Base):
    """A node of the unit tree: the centre, districts, streets, communities, departments."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    __table_args__ = (UniqueConstraint("city_id", "code", name="uq_units_city_code"),)
    name: Mapped[str] = mapped_column(String(128))
    short_name: Mapped[str | None] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    duties: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Unit | None] = relationship(
        primaryjoin="and_(remote(Unit.id) == foreign(Unit.parent_id), remote(Unit.city_id) == Unit.city_id)")

    @property
    def is_centre(self) -> bool:
        return self.type == "centre"

    @property
    def is_subcentre(self) -> bool:
        """Districts double as dispatch sub-centres (分中心) for their streets."""
        return self.type == "district"


class Category(CityOwned, Base):
    """The three-level category taxonomy: from the city file, then from the dispatch catalogue's versions."""

    __tablename__ = "categories"

    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), primary_key=True, index=True, default=_stamp)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The table's key is (city_id, code); the ORM keys a category by its code alone, so
    # ``db.get(Category, code)`` finds the acting city's (the scoping criteria add the city).
    __mapper_args__ = {"primary_key": [code]}
    name: Mapped[str] = mapped_column(String(64))
    parent_code: Mapped[str | None] = mapped_column(String(32), index=True)
    level: Mapped[int] = mapped_column(Integer)
    territorial: Mapped[bool] = mapped_column(Boolean, default=False)
    path: Mapped[str] = mapped_column(String(256), default="", doc="名称路径, e.g. 城乡建设/市政设施/路灯")
    # 停用: not offered for new orders; old orders keep showing it (the dispatch catalogue, hotline.catalogue)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class User(CityOwned, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # one login across the province: the only unique without city_id (docs/scale.md, "usernames")
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # people administration (docs/admin.md): a reset password must be replaced at the next login;
    # an admin or leader may add a TOTP second factor (the secret counts once confirmed)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    totp_last_step: Mapped[int | None] = mapped_column(Integer, doc="the last accepted TOTP time step (no replay)")

    unit: Mapped[Unit] = relationship(primaryjoin=same_city("Unit", "User", "unit_id"), lazy="joined")
    city: Mapped[City] = relationship(lazy="joined")


class LoginSession(CityOwned, Base):
    """Server-side console session: logging out or disabling a user ends it at once."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64), doc="the client address at login")


class ApiToken(CityOwned, Base):
    """Bearer tokens for integrations; only the hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    scope: Mapped[str] = mapped_column(String(16), default="write", server_default="write",
                                       doc="read: GET only; write: what its user may do")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, doc="refused from then on; None: no expiry")

    user: Mapped[User] = relationship(primaryjoin=same_city("User", "ApiToken", "user_id"), lazy="joined")

    # random 256-bit tokens never collide; the unique carries the city like every other key
    __table_args__ = (UniqueConstraint("city_id", "token_hash", name="uq_api_tokens_city_token_hash"),)


class AuditLog(CityOwned, Base):
    """Append-only record of changes outside an order's own timeline (users, units, tokens)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class UnitName(CityOwned, Base):
    """A name a unit had before a rename (机构改革): ``name`` from ``valid_from`` (None: since the
    unit was set up) until ``valid_to``.  The current name is ``Unit.name``; history shows the name
    valid at the time (``hotline.org.units.NameBook``)."""

    __tablename__ = "unit_names"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime] = mapped_column(UTCDateTime)
