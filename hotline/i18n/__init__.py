"""Console language: Simplified Chinese by default, English on request (cookie ``lang=en``).

Templates are written in Chinese and wrap every visible string in ``_()``.  The
English catalogue is ``hotline/i18n/en.py`` plus any ``hotline/<package>/i18n_en.py``
that defines ``EN: dict[str, str]`` — each package brings the English for its
own pages.  A test checks that every string used in a template has an entry.

The order's vocabulary is the exception: the Chinese and English of each status
and action live beside the state machine (``STATUS_ZH``/``STATUS_EN``,
``ACTION_ZH``/``ACTION_EN`` in ``hotline/orders/enums.py``).  Status labels are
added to the catalogue last, so a package that uses the same Chinese words for
something else cannot rename a status (and no status is called like an action).
Action labels are short verbs that other pages use as nouns (派单 is the button
“Dispatch” and the KPI column “Dispatched”), so pages that name an action ask
``action_label`` rather than the catalogue.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

LANGS = ("zh", "en")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, str]:
    import hotline
    from hotline.i18n.en import EN

    merged = vocabulary_en("action")  # a package's word may win for its own pages
    merged.update(EN)
    for mod in pkgutil.iter_modules(hotline.__path__):
        if not mod.ispkg:
            continue
        try:
            extra = importlib.import_module(f"hotline.{mod.name}.i18n_en")
        except ModuleNotFoundError:
            continue
        merged.update(getattr(extra, "EN", {}))
    merged.update(vocabulary_en("status"))
    return merged


def vocabulary_en(kind: str) -> dict[str, str]:
    """Chinese → English of the order's status or action labels, from their one definition."""
    from hotline.orders.enums import ACTION_EN, ACTION_ZH, STATUS_EN, STATUS_ZH

    if kind == "status":
        return {STATUS_ZH[s]: STATUS_EN[s] for s in STATUS_ZH}
    return {ACTION_ZH[a]: ACTION_EN[a] for a in ACTION_ZH}


def status_label(status: str, lang: str) -> str:
    """What a status is called in ``lang`` (the raw value if it is not a status)."""
    from hotline.orders.enums import STATUS_EN, STATUS_ZH, Status

    if status not in set(Status):
        return status
    return (STATUS_EN if lang == "en" else STATUS_ZH)[Status(status)]


def action_label(action: str, lang: str) -> str:
    """What an action is called in ``lang`` (the raw value if it is not an action)."""
    from hotline.orders.enums import ACTION_EN, ACTION_ZH, Action

    if action not in set(Action):
        return action
    return (ACTION_EN if lang == "en" else ACTION_ZH)[Action(action)]


def gettext(text: str, lang: str) -> str:
    if lang == "en":
        return catalogue().get(text, text)
    return text


FIELD_ZH = {
    "kind": "诉求类型", "title": "标题", "content": "诉求内容", "channel": "来源渠道", "category_code": "诉求分类",
    "citizen_name": "诉求人姓名", "citizen_phone": "联系电话", "address": "地址", "territory_code": "属地",
    "latitude": "纬度", "longitude": "经度", "urgency": "紧急程度", "action": "操作", "lead_unit": "主办单位",
    "co_units": "协办单位", "reason": "理由", "note": "备注", "extra_days": "延期天数", "service": "应急号码",
    "parent_number": "主工单编号", "username": "用户名", "password": "密码", "expected_version": "版本号",
    "file": "文件", "page": "页码", "size": "每页条数",
}

ERROR_ZH = {
    "missing": "缺少必填项",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "string_pattern_mismatch": "格式不正确",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "int_parsing": "须为整数",
    "float_parsing": "须为数字",
    "bool_parsing": "须为是/否",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "JSON格式错误",
    "datetime_from_date_parsing": "日期时间格式不正确",
    "datetime_parsing": "日期时间格式不正确",
    "too_long": "条目过多",
    "model_attributes_type": "请求体格式不正确",
    "dict_type": "请求体须为JSON对象",
}
