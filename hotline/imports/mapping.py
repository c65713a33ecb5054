"""The column mapping: which source column (or template) fills which order field.

A mapping is a small YAML document (docs/channels.md has the full format)::

    external_id: 工单编号              # the source's own id: re-running the file skips rows already imported
    fields:                            # order field → column name, or a template with {column} placeholders
      title: 标题
      content: "{诉求内容}（{补充说明}）"
      created_at: 受理时间
    values:                            # translate source values to ours
      kind: {投诉: complaint, 咨询: consultation}
      lead_unit: {市城管局: dept-chengguan, "*": dept-xinfang}   # "*": any other value
      status: {已办结: closed, 办理中: in_progress}
    defaults: {kind: complaint}
    time_formats: ["%Y/%m/%d %H:%M"]   # tried before the built-in formats
    timezone: Asia/Shanghai            # of times written without an offset (default: the city's)
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any

import yaml

from hotline.errors import BadRequest

FIELDS = ("title", "content", "kind", "category", "created_at", "phone", "name", "address", "latitude",
          "longitude", "lead_unit", "status", "reply", "closed_at")
FIELD_ZH = {"title": "标题", "content": "诉求内容", "kind": "诉求类型", "category": "诉求分类",
            "created_at": "受理时间", "phone": "联系电话", "name": "诉求人姓名", "address": "地址",
            "latitude": "纬度", "longitude": "经度", "lead_unit": "承办单位", "status": "来源系统状态",
            "reply": "答复内容", "closed_at": "办结时间", "external_id": "外部编号"}


class _Default(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass
class Mapping:
    external_id: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    time_formats: list[str] = field(default_factory=list)
    timezone: str | None = None  # None: the city's time zone (city_tz)

    def columns_used(self) -> set[str]:
        out = {self.external_id} if self.external_id else set()
        for spec in self.fields.values():
            if "{" in spec:
                out |= {name for _, name, _, _ in string.Formatter().parse(spec) if name}
            else:
                out.add(spec)
        return out

    def raw(self, row: dict[str, str], name: str) -> str:
        """The value of one order field for one source row: column or template, translated, defaulted."""
        spec = self.fields.get(name)
        value = ""
        if spec:
            value = spec.format_map(_Default(row)) if "{" in spec else (row.get(spec) or "")
        value = str(value).strip()
        table = self.values.get(name) or {}
        if value in table:
            value = str(table[value])
        elif value and "*" in table:  # "*": anything the table does not list
            value = str(table["*"])
        if not value:
            value = str(self.defaults.get(name, ""))
        return value

    def external(self, row: dict[str, str]) -> str:
        return (row.get(self.external_id) or "").strip() if self.external_id else ""


def _bad(zh: str, en: str) -> BadRequest:
    return BadRequest("bad_mapping", f"映射配置有误：{zh}", f"invalid mapping: {en}", field="mapping")


def parse_mapping(data: dict[str, Any] | str) -> Mapping:
    if isinstance(data, str):
        try:
            data = yaml.safe_load(data) or {}
        except yaml.YAMLError as exc:
            raise _bad("不是有效的YAML", "not valid YAML") from exc
    if not isinstance(data, dict):
        raise _bad("须为键值对", "must be a mapping")
    unknown = set(data) - {"external_id", "fields", "values", "defaults", "time_formats", "timezone"}
    if unknown:
        raise _bad(f"未知配置项 {sorted(unknown)}", f"unknown keys {sorted(unknown)}")
    fields = {str(k): str(v) for k, v in (data.get("fields") or {}).items() if v not in (None, "")}
    bad = set(fields) - set(FIELDS)
    if bad:
        raise _bad(f"未知字段 {sorted(bad)}", f"unknown fields {sorted(bad)}")
    if "content" not in fields and "content" not in (data.get("defaults") or {}):
        raise _bad("必须映射诉求内容 content", "content must be mapped")
    values = {str(k): {str(a): str(b) for a, b in (v or {}).items()} for k, v in (data.get("values") or {}).items()}
    return Mapping(external_id=str(data["external_id"]) if data.get("external_id") else None, fields=fields,
                   values=values, defaults={str(k): str(v) for k, v in (data.get("defaults") or {}).items()},
                   time_formats=[str(f) for f in data.get("time_formats") or []],
                   timezone=str(data["timezone"]) if data.get("timezone") else None)


# Words that make a column an organisation, a place or a thing — never a person's name
# ("Agency Name", "Street Name", "Park Facility Name", "承办单位名称").
NOT_A_PERSON = ("agency", "department", "dept", "unit", "office", "street", "facility", "company", "park", "bridge",
                "landmark", "borough", "city", "location", "单位", "部门", "机构", "街道", "社区", "公司", "地点")


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """A first guess from common Chinese and English column names, for the console's mapping form.

    A header equal to a hint wins over one that merely contains it; the citizen's name is never
    guessed from a column that names an agency, a street or a facility."""
    hints = {
        "title": ("标题", "title", "主题"), "content": ("诉求内容", "内容", "content", "description", "descriptor"),
        "kind": ("诉求类型", "类型", "kind"), "category": ("分类", "category", "complaint type"),
        "created_at": ("受理时间", "创建时间", "来电时间", "created"), "phone": ("电话", "phone", "手机", "号码"),
        "name": ("姓名", "诉求人", "来电人", "联系人", "name"), "address": ("地址", "address"),
        "latitude": ("纬度", "latitude"), "longitude": ("经度", "longitude"),
        "lead_unit": ("承办单位", "办理单位", "agency"),
        "status": ("状态", "status"), "reply": ("答复", "回复", "resolution"),
        "closed_at": ("办结时间", "关闭时间", "closed"), "external_id": ("工单编号", "编号", "unique key", "id"),
    }

    def fits(fld: str, header: str, exact: bool) -> bool:
        h = header.strip().lower()
        if fld == "name" and any(w in h for w in NOT_A_PERSON):
            return False
        return any(h == w for w in hints[fld]) if exact else any(w in h for w in hints[fld])

    out: dict[str, str] = {}
    for exact in (True, False):
        for fld in hints:
            if fld in out:
                continue
            for h in headers:
                if h not in out.values() and fits(fld, h, exact):
                    out[fld] = h
                    break
    return {f: out[f] for f in hints if f in out}


def shipped_mappings() -> dict[str, str]:
    """The mappings shipped in ``hotline/imports/examples`` (name → YAML text), for the console."""
    from pathlib import Path

    d = Path(__file__).parent / "examples"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(d.glob("*.yaml"))}
