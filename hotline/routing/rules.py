"""Rules read from the text: urgency, emergencies for 110/119/120, out-of-scope matters, demand kind.

These are deliberately rules, not a model: an operator must be able to see and
trust why a call was flagged as a fire, and a city changes its word lists in
the city file without retraining anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hotline.city.schema import CityFile, Kind

# Cues of each demand kind, with a weight: (kind, weight, pattern). Why weights and a vote rather
# than the first pattern that matches: real messages mix registers — a complaint thanks the reader
# (感谢您百忙之中), asks questions (为什么……吗？) and calls things illegal (违法); a plain question
# mentions 严重 or 至今. On 300 real messages we labelled, first-match rules were right 46 % of the
# time, below always answering 投诉 (53 %); see docs/routing.md, "Kind and urgency".
KIND_CUES: list[tuple[Kind, float, re.Pattern[str]]] = [
    (Kind.praise, 3.0, re.compile(r"表扬|锦旗|赞扬|好评|为.{0,8}点个?赞|非常满意|送上感谢|特此感谢|由衷(地)?感谢")),
    (Kind.praise, 2.0, re.compile(r"(已经?|得到了?)(解决|处理|落实|批复)了?.{0,12}(谢谢|感谢)")),
    (Kind.report, 3.0, re.compile(r"举报")),
    (Kind.report, 1.5, re.compile(r"赌博|赌场|聚众|卖淫|嫖娼|吸毒|贪污|受贿|行贿|挪用|侵吞|以权谋私|滥用职权|违纪|腐败|"
                                  r"包庇|八项规定|买官|逍遥法外|非法行医|无证行医|偷排|盗采|盗伐|偷挖|私自填埋|"
                                  r"查处|取缔|严厉打击|诈骗|传销|非法集资|违规建|违章加建|私设")),
    (Kind.report, 0.5, re.compile(r"违法|非法|违规|无证|私自")),
    (Kind.suggestion, 3.0, re.compile(r"建议|提议|倡议|构想")),
    (Kind.suggestion, 1.5, re.compile(r"几点意见|提.{0,2}意见|能否考虑|可否|呼吁|希望(政府|有关部门|相关部门|领导)?(能|能够|尽快)?"
                                      r"(增加|增设|开通|延伸|延长|修建|建设|安装|加装|设置|改进|完善|改革|发展|规划|考虑)")),
    (Kind.help, 3.0, re.compile(r"求助|救救|帮帮我|怎么办[？?！!。]*$|该怎么办|我该怎么|该怎么走|走投无路|无路可走|求修|出路")),
    (Kind.help, 1.5, re.compile(r"生活困难|家庭困难|经济困难|无力承担|看不起病|无房|无依无靠|救助|低保|残疾|"
                                r"谁来帮|求解决|请求解决|恳请.{0,6}帮助|给.{0,6}一条生路|解决.{0,4}困难")),
    (Kind.complaint, 3.0, re.compile(r"投诉|控告|状告|不作为|乱作为")),
    (Kind.complaint, 1.5, re.compile(r"扰民|噪音|噪声|拖欠|欠薪|乱收费|强制|强行|多次反映|反映.{0,6}无果|推诿|"
                                     r"态度(恶劣|极差|差)|维权|侵害|侵占|损失|不合理|不退|拒绝|拒载|坑|误导|欺骗|"
                                     r"臭|污染|不给|未到位|没有.{0,4}(兑现|落实|解决|回复)|至今(未|没|还|仍)")),
    # the writer speaks of harm done to them (业主、职工、村民 … of their own matter): a complaint
    (Kind.complaint, 1.0, re.compile(r"我们是.{0,30}(业主|职工|员工|村民|家长|住户|居民|教师|农民工|受害)|我家|本人的|我的")),
    (Kind.consultation, 3.0, re.compile(r"咨询|请问|问一下|问问")),
    (Kind.consultation, 1.0, re.compile(r"是否|能否|可否|可不可以|能不能|可以.{0,12}吗|需要(哪些|什么|准备)|"
                                        r"(如何|怎么|怎样)(办理|申请|缴纳|交纳|补办|购买|处理)|什么(政策|手续|材料|证件|标准)|"
                                        r"何时|什么时候|多少|哪些|是什么|属于|有没有")),
]
# 投诉 is the kind of most messages (53 % of our labels): it wins when nothing else speaks.
_DEFAULT_KIND = Kind.complaint
_DEFAULT_SCORE = 1.0
_TITLE_WEIGHT = 2.0  # a cue in the title (the first line) counts twice: the citizen's own summary


def read_kind(text: str) -> tuple[Kind, tuple[str, ...]]:
    """The demand kind by a weighted vote of cues, the title's cues counting twice; the cue words found."""
    title, _, body = text.partition("\n")
    if not body or len(title) > 80:
        title, body = "", text
    # a long letter is rarely a plain question: 投诉 gains with length, body questions count less
    long = len(body) > 300
    scores: dict[Kind, float] = {_DEFAULT_KIND: _DEFAULT_SCORE + (1.0 if long else 0.0)}
    words: dict[Kind, list[str]] = {}
    for kind, weight, pat in KIND_CUES:
        body_factor = 0.5 if long and kind is Kind.consultation else 1.0
        for part, factor in ((title, _TITLE_WEIGHT), (body, body_factor)):
            found = list(dict.fromkeys(m.group(0) for m in pat.finditer(part)))
            if found:
                scores[kind] = scores.get(kind, 0.0) + weight * factor
                bucket = words.setdefault(kind, [])
                bucket += [w for w in found if w not in bucket]
    best = max(scores, key=lambda k: scores[k])
    return best, tuple(words.get(best, ()))


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


# A long letter tells a story: 砍人, 抢劫 or 停电 in its tenth paragraph are usually the past. An
# urgent or emergency word counts when the demand is short, when it is in the title or the opening,
# or when a word of the present stands near it. On 300 real messages we labelled this removed 4 of
# the 5 false 110/119 hand-offs (none of the 300 is an emergency) and 2 of 4 false urgent flags
# (docs/routing.md, "Kind and urgency").
_SHORT = 200
_OPENING = 120
_NOW = re.compile(r"正在|现在|刚刚|此刻|马上|赶快|赶紧|快来|救命|紧急|目前|至今|一直|还没有|还在|已经.{0,3}[天日]")


def _present(text: str, word: str) -> bool:
    if len(text) <= _SHORT:
        return word in text
    for m in re.finditer(re.escape(word), text):
        if m.start() < _OPENING or _NOW.search(text, max(0, m.start() - 12), m.end() + 12):
            return True
    return False


def read_flags(city: CityFile, text: str) -> Flags:
    urgent = tuple(w for w in city.urgent_keywords if w in text and _present(text, w))
    emergency: str | None = None
    e_words: tuple[str, ...] = ()
    for service, words in city.emergency_keywords.items():
        hit = tuple(w for w in words if w in text and _present(text, w))
        if hit and len(hit) > len(e_words):
            emergency, e_words = service, hit
    scope: str | None = None
    s_words: tuple[str, ...] = ()
    for entry in city.out_of_scope:
        hit = tuple(w for w in entry.get("keywords", []) if w in text)
        if hit and len(hit) > len(s_words):
            scope, s_words = entry.get("channel"), hit
    kind, k_words = read_kind(text)
    return Flags(bool(urgent), urgent, emergency, e_words, scope, s_words, kind, k_words)
