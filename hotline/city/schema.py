"""The city file: every fact that differs from one city's hotline to the next.

Why a file and not code: units, the dispatch catalogue (派单目录), categories,
time-limit policies and KPI weights change by decree, not by release.  A city
edits ``city.yaml``; the platform validates it against these models at start-up
and refuses a file with dangling references, so a typo cannot route orders into
a unit that does not exist.

See ``docs/city-file.md`` for the annotated format.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class UnitType(StrEnum):
    """Kinds of unit in the tree.  ``centre`` is the hotline centre itself."""

    centre = "centre"  # 12345热线中心
    district = "district"  # 区/县 (also acts as a dispatch sub-centre 分中心)
    street = "street"  # 街道
    township = "township"  # 乡镇
    community = "community"  # 社区/村
    department = "department"  # 职能部门
    enterprise = "enterprise"  # 公共企事业单位 (water, power, gas, telecom)


class Kind(StrEnum):
    """Demand kinds (诉求类型)."""

    consultation = "consultation"  # 咨询
    help = "help"  # 求助
    complaint = "complaint"  # 投诉
    report = "report"  # 举报
    suggestion = "suggestion"  # 建议
    praise = "praise"  # 表扬


KIND_LABELS_ZH: dict[Kind, str] = {
    Kind.consultation: "咨询",
    Kind.help: "求助",
    Kind.complaint: "投诉",
    Kind.report: "举报",
    Kind.suggestion: "建议",
    Kind.praise: "表扬",
}


class Role(StrEnum):
    """Console roles.  A user has exactly one role and belongs to one unit."""

    operator = "operator"  # 话务员
    dispatcher = "dispatcher"  # 派单员 (centre, or a district sub-centre)
    unit_handler = "unit_handler"  # 承办人
    unit_leader = "unit_leader"  # 承办单位负责人
    supervisor = "supervisor"  # 督办员
    callback_agent = "callback_agent"  # 回访员
    grid_worker = "grid_worker"  # 网格员 (a community's unit: on-site checks, patrol reports)
    admin = "admin"  # 系统管理员
    leader = "leader"  # 领导 (read-only)
    province_leader = "province_leader"  # 省级领导 (every city, read-only)
    province_supervisor = "province_supervisor"  # 省级督办员 (every city, read-only)
    province_admin = "province_admin"  # 省级管理员 (creates cities; reads every city)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CityInfo(_Strict):
    code: str = Field(description="Short ASCII code of the city, used in file names")
    name: str = Field(description="Display name, e.g. 青阳市")
    hotline_name: str = Field(description="e.g. 青阳市12345政务服务便民热线")
    timezone: str = Field("Asia/Shanghai", description="IANA time zone of the city's days and shown times")
    order_number_prefix: str = Field("", description="Optional prefix of order numbers, e.g. QY")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:  # refused at start-up, not at the first page
            raise ValueError(f"unknown time zone: {v!r} (an IANA name such as Asia/Shanghai)") from exc
        return v


class UnitDef(_Strict):
    code: str = Field(description="Stable ASCII code; referenced everywhere else")
    name: str
    type: UnitType
    parent: str | None = Field(None, description="Code of the parent unit; none for top-level units")
    short_name: str | None = None
    duties: str = Field("", description="Duties (职责) in one paragraph: shown to dispatchers")
    keywords: list[str] = Field(default_factory=list, description="Duty keywords of the dispatch catalogue")
    categories: list[str] = Field(
        default_factory=list, description="Category codes this unit is responsible for (派单目录)"
    )
    phone: str | None = None


class RoadDef(_Strict):
    """A road or landmark and the community or street it lies in: territory (属地) lookup."""

    name: str
    unit: str = Field(description="Code of the street/township or community it belongs to")
    aliases: list[str] = Field(default_factory=list)


class CategoryDef(_Strict):
    code: str
    name: str
    children: list[CategoryDef] = Field(default_factory=list)
    units: list[str] = Field(default_factory=list, description="Default responsible unit codes")
    territorial: bool = Field(
        False, description="属地管理: goes to the street/township of the address rather than a department"
    )
    keywords: list[str] = Field(default_factory=list)
    urgent: bool = Field(False, description="Matters of this category are urgent by default")


class CatalogueEntryDef(_Strict):
    """One entry of the dispatch catalogue (派单目录): category × territory → lead unit, co-units, keywords.

    Written by ``hotline city export`` (the console edits them, ``hotline.catalogue``); a hand-written
    city file usually has none and routes by the categories' ``units`` and the units' keywords."""

    category: str = Field(description="Category code")
    territory: str | None = Field(None, description="Code of a street/township; none: the whole city")
    lead: str = Field(description="Code of the lead unit (主办)")
    co_units: list[str] = Field(default_factory=list, description="Codes of the co-handling units (协办)")
    keywords: list[str] = Field(default_factory=list)


class RoutingOptions(_Strict):
    """Routing settings of the city file (``routing:``); see docs/routing.md."""

    starter: bool = Field(
        True, description="Use the shipped starter model (入门模型, first-level categories learned from public real "
        "messages) while the city has no category model trained on real messages; it speaks only for "
        "first-level categories whose names are its labels. false: lexicon and generated model only")


class UserDef(_Strict):
    username: str
    name: str
    role: Role
    unit: str
    password: str = Field(description="Demo password; real cities create users in the console instead")


class CityFile(_Strict):
    """The whole city file."""

    city: CityInfo
    units: list[UnitDef]
    roads: list[RoadDef] = Field(default_factory=list)
    categories: list[CategoryDef]
    kinds: dict[Kind, str] = Field(default_factory=lambda: {k: v for k, v in KIND_LABELS_ZH.items()})
    urgent_keywords: list[str] = Field(
        default_factory=list, description="Words that make a demand urgent (停水, 停电, 燃气泄漏 …)"
    )
    emergency_keywords: dict[str, list[str]] = Field(
        default_factory=dict, description="110/119/120 → words that flag a hand-off to emergency services"
    )
    out_of_scope: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Matters 12345 does not handle, each {keywords: [...], channel: 'where to go'} (告知)",
    )
    sla: dict[str, Any] = Field(default_factory=dict, description="Time-limit policies; see docs/sla.md")
    kpi: dict[str, Any] = Field(default_factory=dict, description="KPI weights and settings; see docs/kpi.md")
    duplicates: dict[str, Any] = Field(
        default_factory=dict, description="Duplicate and repeat-demand rules; see docs/duplicates.md")
    telephony: dict[str, Any] = Field(
        default_factory=dict, description="Missed-call callbacks (漏话回拨): limit, attempts; see docs/channels.md")
    catalogue: list[CatalogueEntryDef] = Field(
        default_factory=list, description="Dispatch catalogue entries (派单目录), as the console keeps them")
    routing: RoutingOptions = Field(default_factory=RoutingOptions,
                                    description="Routing settings (the day-one starter model); see docs/routing.md")
    users: list[UserDef] = Field(default_factory=list)
    boundaries: str | None = Field(
        None, description="GeoJSON FeatureCollection of the territories, relative to the city file; see docs/city-file.md")

    @model_validator(mode="after")
    def _references_resolve(self) -> CityFile:
        codes = [u.code for u in self.units]
        dupes = {c for c in codes if codes.count(c) > 1}
        if dupes:
            raise ValueError(f"duplicate unit codes: {sorted(dupes)}")
        known = set(codes)
        cats = set(self.category_index())
        for u in self.units:
            if u.parent is not None and u.parent not in known:
                raise ValueError(f"unit {u.code}: unknown parent {u.parent}")
            for c in u.categories:
                if c not in cats:
                    raise ValueError(f"unit {u.code}: unknown category {c}")
        for r in self.roads:
            if r.unit not in known:
                raise ValueError(f"road {r.name}: unknown unit {r.unit}")
        for cat in self.category_index().values():
            for code in cat.units:
                if code not in known:
                    raise ValueError(f"category {cat.code}: unknown unit {code}")
        for i, e in enumerate(self.catalogue):
            if e.category not in cats:
                raise ValueError(f"catalogue[{i}]: unknown category {e.category}")
            for code in [e.lead, *e.co_units, *([e.territory] if e.territory else [])]:
                if code not in known:
                    raise ValueError(f"catalogue[{i}]: unknown unit {code}")
        types = {u.code: u.type for u in self.units}
        for usr in self.users:
            if usr.unit not in known:
                raise ValueError(f"user {usr.username}: unknown unit {usr.unit}")
            if usr.role == Role.grid_worker and types[usr.unit] != UnitType.community:
                raise ValueError(f"user {usr.username}: a grid worker belongs to a community unit")
        if sum(1 for u in self.units if u.type == UnitType.centre) != 1:
            raise ValueError("exactly one unit of type centre is required")
        return self

    def category_index(self) -> dict[str, CategoryDef]:
        """Every category at every level by code."""
        out: dict[str, CategoryDef] = {}
        stack = list(self.categories)
        while stack:
            c = stack.pop()
            out[c.code] = c
            stack.extend(c.children)
        return out

    def centre(self) -> UnitDef:
        return next(u for u in self.units if u.type == UnitType.centre)
