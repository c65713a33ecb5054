"""Rules read from the text: urgency, emergencies for 110/119/120, out-of-scope matters, demand kind.

These are deliberately rules, not a model: an operator must be able to see and
trust why a call was flagged as a fire, and a city changes its word lists in
the city file without retraining anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hotline.city.schema import CityFile, Kind

KIND_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    (Kind.praise, re.compile(r"表扬|感谢|点赞|致谢|锦旗|为.{0,8}点个?赞|非常满意")),
    (Kind.report, re.compile(r"举报|违法|非法|偷排|私自|无证")),
    (Kind.suggestion, re.compile(r"建议|希望(政府|有关部门|能够)|能否考虑|提议")),
    (Kind.help, re.compile(r"求助|帮帮|帮忙|救助|困难|紧急|停水|停电")),
    (Kind.complaint, re.compile(r"投诉|扰民|严重|不作为|拖欠|欠薪|乱收费|长期|多次反映|至今")),
    (Kind.consultation, re.compile(r"请问|咨询|是否|能不能|怎么办理|如何|需要什么|什么时候|吗[？?]|哪里")),
]


@dataclass(frozen=True)
class Flags:
    urgent: bool
    urgent_words: tuple[str, ...]
    emergency: str | None  # "110" | "119" | "120"
    emergency_words: tuple[str, ...]
    out_of_scope: str | None  # the channel to tell the citizen about
    out_of_scope_words: tuple[str, ...]
    kind: Kind
    kind_words: tuple[str, ...]


def read_flags(city: CityFile, text: str) -> Flags:
    urgent = tuple(w for w in city.urgent_keywords if w in text)
    emergency: str | None = None
    e_words: tuple[str, ...] = ()
    for service, words in city.emergency_keywords.items():
        hit = tuple(w for w in words if w in text)
        if hit and len(hit) > len(e_words):
            emergency, e_words = service, hit
    scope: str | None = None
    s_words: tuple[str, ...] = ()
    for entry in city.out_of_scope:
        hit = tuple(w for w in entry.get("keywords", []) if w in text)
        if hit and len(hit) > len(s_words):
            scope, s_words = entry.get("channel"), hit
    kind = Kind.complaint
    k_words: tuple[str, ...] = ()
    for k, pat in KIND_PATTERNS:
        found = tuple(dict.fromkeys(m.group(0) for m in pat.finditer(text)))
        if found:
            kind, k_words = k, found
            break
    return Flags(bool(urgent), urgent, emergency, e_words, scope, s_words, kind, k_words)
