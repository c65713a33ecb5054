"""Reply-quality check (答复质量): does a unit's reply deal with the demand, or only look like it does?

Pure scoring, no database: ``score(demand, reply)`` returns a level and the reasons for it.

- **2 substantive** — on topic, says what was found and what was or will be done (a concrete action,
  a time, a result, or a specific lawful reason), and answers each part of a multi-part demand.
- **1 partial** — on topic with some substance, but a part of the demand goes unanswered or the
  reply stays vague.
- **0 perfunctory** (敷衍/推诿) — acknowledgement or forwarding only (已转相关部门), pushing the
  citizen to another office or to the courts instead of acting (请咨询某局), a bare one-line
  answer, vague promises, or an answer to some other question.

How: the reply is cut into sentences; greetings, 已收悉, forwarding notices, thanks and dates are
set aside as *boilerplate*, and the rest is the *content*.  Substance is counted in the content
as kinds of evidence (an investigation, a completed action, a dated plan, figures, a finding, a
cited rule, a direct answer).  Pushing-away phrases and vague promises count against it.
Relevance and completeness compare the demand's key words with the content's.

The rules, their judging counterpart and the measured precision/recall live in docs/replies.md;
``VERSION`` is stored with every score so that a stored score can be traced to its rules.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

from hotline.search import _jieba

VERSION = "rq-3"

SUBSTANTIVE, PARTIAL, PERFUNCTORY = 2, 1, 0
LEVEL_ZH = {2: "答复实质", 1: "部分答复", 0: "敷衍答复"}
LEVEL_EN = {2: "substantive", 1: "partial", 0: "perfunctory"}


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Score:
    quality: int
    reasons: tuple[Reason, ...]
    version: str = VERSION
    evidence: tuple[str, ...] = field(default=())  # kinds of substance found (for the reviewer's eye)

    @property
    def flag(self) -> bool:
        """True when the reply is perfunctory (level 0)."""
        return self.quality == PERFUNCTORY

    def as_dict(self) -> dict[str, object]:
        return {"quality": self.quality, "flag": self.flag, "label_zh": LEVEL_ZH[self.quality],
                "label_en": LEVEL_EN[self.quality], "version": self.version, "evidence": list(self.evidence),
                "reasons": [{"code": r.code, "zh": r.zh, "en": r.en} for r in self.reasons]}


# ---------------------------------------------------------------- sentence classes

_SPLIT = re.compile(r"(?<=[。！？!?；;])|\n+|(?=\d{4}年\d{1,2}月\d{1,2}日?\s*(?:网友|尊敬|亲爱|您好|你好|“))")
_DATE_ONLY = re.compile(r"^[\s\d年月日号.\-/：:]*$|^(?:二[〇○零]|20)\S{0,12}日$")
_GREETING = re.compile(r"^[\s“”\"'「」]*(?:尊敬的|亲爱的)?[\s\w“”\"'*]{0,24}?(?:网友|网民|朋友|市民|来信人|同志|先生|女士|学员)?[\s“”\"'」]*[：:，,]?\s*"
                       r"(?:您好|你好)[！!，,。.]?\s*")
_RECEIPT = re.compile(r"(?:留言|来信|来帖|帖文|网帖|贴子|帖子|问题|函件|信件|诉求|情况|意见|咨询|来邮|建议|事情|一帖|内容|投诉)"
                      r"[^。，,]{0,8}(?:已|我\S{0,3}已)?(?:收悉|收到|获悉|知悉|阅办|已阅|阅悉)")
_FORWARD = re.compile(r"(?:已|将|现已|我们已|我办已|特)?(?:转交|转至|转由|转到|移交|交办|转给|转送|转有关|转相关|转市|转县|转区|转L|转[^\s，。]{0,10}(?:局|委|办|院|会|公司|政府|中心|部门|单位|大队|处|所)"
                      r"|交(?:由)?(?:有关|相关)(?:部门|单位)|按工作程序转)")
_FORWARD_TAIL = re.compile(r"调查|核处|办理|办复|处理|核实|答复|反馈|处置|参考|回复")
_CLOSING = re.compile(r"^(?:感谢|谢谢|欢迎|祝您|祝你|敬请|再次感谢|特此回复|专此回复|以上是|希望我的回复|如(?:您|你)?(?:还)?(?:有|对)|"
                      r"如果(?:您|你)(?:还|对)|现(?:将|就)?[^。]{0,24}(?:回复|答复|说明|汇报)如下|首先|我(?:局|办|镇|队|单位|中心|们)?(?:领导)?(?:非常|十分)?高度重视|"
                      r"(?:县|市|区|局|镇|街道)?(?:领导|委|党委|政府)?(?:非常|十分)?高度重视|给您带来的不便|对[^。]{0,12}深表歉意|"
                      r"(?:联系|咨询|投诉|服务)?(?:电话|热线)[：:]?\s*[\d\-—]+)")
_UNIT_SIGNATURE = re.compile(r"^[\w（）()]{2,20}(?:局|委|政府|办事处|办公室|中心|大队|支队|公司|学校|医院|院|处|科|所|部)\s*(?:\d{4}年.*)?$")

# ---------------------------------------------------------------- substance and its opposites

_VERBS = (r"(?:完成|安装|拆除|修复|维修|责令|约谈|下达|处罚|罚款|整改|清理|清运|清除|开展|组织|召开|退还|退回|发放|办理|恢复|通电|"
          r"解决|关停|查处|立案|销毁|收缴|更换|铺设|建成|开通|疏通|增设|制定|督促|协调|追补|补发|拨付|撤除|封闭|设立|设置|出台|"
          r"下发|启动|安排|联系|签订|移除|整治|整顿|取缔|停止|暂停|纳入|列入|印发|派出|赶赴|批准|审批|核发|公示|检测|监测|调整|"
          r"增开|延伸|修建|施工|培训|批评|劝导|告知|成立|提出|审查|召集|走访|上门|约见|查封|拘留|投放|改造|硬化|维护|巡查|送达|"
          r"答复|解释|沟通|调解|送|发函|致函|上报|汇报|报请|申报|立项|批复|拆|修|装|建)")

_EVIDENCE = {
    "investigation": re.compile(r"经(?:查|过)?(?:调查|核实|核查|了解|现场|实地|查勘|勘查|研究|检查|排查|审核|审查|查阅|查询|测)|"
                                r"据(?:查|了解|核实|调查)|经查|现场(?:查看|勘查|核实|检查|调查|踏勘)|调查(?:核实|了解|取证)|实地(?:查看|勘察|核实|考察)|走访|"
                                r"(?:到|赴|前往)[^。，]{0,10}(?:现场|实地|家中|上门)"),
    "action_done": re.compile(r"(?:已|已经|立即|随即|当场|先后|多次|及时|迅速|马上)[^。；;]{0,16}?" + _VERBS + "|" + _VERBS + r"(?:了|完毕|到位)|"
                              r"(?:责令|要求)[^。]{0,20}(?:整改|改正|停止|拆除|清理|退还|限期|立即)|"
                              r"(?:作出|做出|给予)[^。，]{0,12}(?:处罚|决定|处理|处分)|行政拘留|立案(?:调查|侦查)|(?:目前|现)已"),
    "plan_dated": re.compile(r"(?:预计|计划|将于|力争|争取|拟|定于|确保|待)[^。]{0,30}?(?:\d{1,2}月|\d{4}年|年底|年内|月底|月内|前完成|日前|个工作日|周内|天内)|"
                             r"(?:\d{4}年|\d{1,2}月)[^。，]{0,12}(?:前|底)[^。]{0,8}(?:完成|建成|开工|启动|通车|解决|到位)"),
    "figures": re.compile(r"\d+(?:\.\d+)?\s*(?:元|万元|亿元|米|公里|千米|km|户|人|名|台|个|条|平方|㎡|亩|趟|路|栋|次|起|所|处|家|盏|吨|%|套|辆|分贝|课时|周岁|年)|"
                          r"\d{1,2}月\d{1,2}日"),
    "finding": re.compile(r"(?:基本)?属实|不属实|与事实不符|(?:不)?符合[^。，]{0,8}(?:条件|规定|标准|要求|政策|国家|规范)|未发现|不存在|达标|合法|违法|违规|系[^。，]{1,20}(?:所致|所为|原因)|"
                          r"原因(?:是|为|系)|由于|导致|因此|造成"),
    "rule": re.compile(r"《[^》]{2,60}》|第[一二三四五六七八九十百零〇\d]+条|\[[^\]]*\]\d+号|〔\d{4}〕\d+号|(?:根据|按照|依据|依照)[^。，]{0,30}(?:规定|文件|要求|政策|办法|条例|精神|标准)"),
    "answer": re.compile(r"(?:可以|可|需要|需|须|必须|应当|应|只需|不能|无法|不予|不得|不具备|暂不|没有|暂无|未)[^。]{0,3}(?:办理|申请|报名|享受|受理|迁|转|领取|提交|提供|携带|持|登记|报销|参保|缴|就读|入学|纳入|出台|列入|规划|补贴|设置|开通|支付|上牌|落户)|"
                        r"(?:所需|需提交|需提供|携带|持)[^。]{0,10}(?:材料|资料|证|原件)|属于[^。，]{1,16}(?:范围|学校|小学|片区)|"
                        r"(?:是|为)[^。，]{0,6}(?:\d+|[一二三四五六七八九十]+)(?:元|年|个|条|号|路|户)"),
}

_PUSH = re.compile(
    r"建议(?:您|你|业主|当事人|网友|诉求人|各界|相关|小区)?[^。]{0,12}?(?:向|到|与|拨打|咨询|联系|通过|直接|前往|走|申请|依法|提请|提起|自行)|"
    r"请(?:您|你|网友|各位|业主)?(?:直接|及时|尽快|先|于)?[^。，]{0,4}?(?:咨询|致电|拨打|联系|前往|到[^。，]{1,12}(?:咨询|办理|反映|申请|投诉|查询)|向[^。，]{1,20}(?:反映|咨询|申请|投诉|提出)|提供|留下|耐心等待|登陆|登录|上网|查询)|"
    r"(?:可|可以|也可|也可以|您可|你可)(?:以)?(?:直接|先|先行)?(?:向|到|与|拨打|致电|联系|咨询|通过|登录|登陆|前往|电话咨询)[^。]{0,30}?(?:咨询|反映|投诉|联系|举报|申请|办理|查询|解决|了解|电话)?|"
    r"(?:法律|司法|诉讼|仲裁|行政复议)(?:途径|程序|渠道)|向(?:人民)?法院(?:起诉|提起|申请)|劳动仲裁|依法维权|"
    r"不属于?(?:我|本)?(?:局|单位|部门|所|队|镇|中心|公司|司)?[^。，]{0,6}(?:管辖|职责|职能|管理范围|业务范围|受理范围|范围)|"
    r"不归[^。，]{0,6}管|由[^。，]{2,16}(?:直管|负责|管辖)[^。]{0,6}(?:建议|请|可)|"
    r"无法(?:核实|核查|调查|答复|查证|联系|予以详细答复|明确答复|进行调查|开展调查)|未(?:留|提供|说明)[^。，]{0,8}(?:联系|具体|姓名|身份|方式|位置|信息)|"
    r"视为无效|不再进入处理程序|专业性较强")
_VAGUE = re.compile(
    r"将(?:会)?(?:认真|积极|进一步|继续|不断|努力|尽快|及时|适时|逐步)?(?:考虑|研究|关注|加强|完善|改进|建言献策|予以考虑|上报|向上|反映)|"
    r"已(?:收集|记录|做好相应记录|如实上报|上报)|如实上报|会陆续|陆续完善|逐步(?:完善|解决|推进)|继续努力|需要一个过程|敬请(?:期待|关注)|请(?:您)?(?:谅解|理解)|望您理解|"
    r"(?:正在|在)(?:积极)?(?:研究|调研|协商|着手|筹备|推进|论证|审批)|有望|暂(?:无|未)(?:计划|规划|安排|回复)|待[^。，]{0,12}(?:后|时)(?:再|会|将)")

# Signs added in rq-2 (second judging round, docs/replies.md rules 6–13)
_NO_INFO = re.compile(
    r"(?:无法|未能|不能|难以)(?:核实|核查|调查|查询|查证|联系|了解|予以|确认|进一步|从系统|作出|进行调查|开展)|"
    r"(?:没有|未|未能)(?:留|提供|说明|指明|具体)[^。，]{0,10}(?:联系|姓名|身份|方式|信息|位置|路段|时间|名称|情况)|"
    r"(?:信息|情况|描述|表述)[^。，]{0,4}(?:不具体|不详细|不明确|有限|不清)|请(?:您)?(?:提供|留下|补充)")
_NOT_OURS = re.compile(r"不属于?(?:我|本)?[^。，]{0,8}(?:管辖|职责|职能|范围|权限)|不归[^。，]{0,6}管|不在[^。，]{0,8}(?:权限|职责|范围)")
_COLLECTED = re.compile(r"已(?:收集|记录|登记在案|汇总)|待[^。，]{0,10}(?:下一轮|今后|以后|时机|条件成熟)|予以考虑|认真考虑|"
                        r"(?:积极)?向上(?:级)?[^。，]{0,8}反映|纳入[^。，]{0,6}考虑")
_HANDLING = re.compile(r"正在(?:协调|调查|核实|处理|办理|跟进)[^。，]{0,6}|(?:处理|办理|协调)(?:中|当中)|有(?:关|相关)?情况将(?:及时)?(?:反馈|回复|告知)")
_CONSULT = re.compile(r"咨询|请问|能否|可否|是否|如何|怎么|怎样|哪些|什么|多少|吗[？?]")
_PHONE = re.compile(r"(?:咨询|联系|服务|举报|投诉)?(?:电话|热线)|致电|拨打")
_FORWARDED_VERB = re.compile(r"(?:已|已经|现已)(?:转交|移交|转至|转由|转到|交由|交办|转给|转)")
_HAN_BIGRAM = re.compile(r"(?=([\u4e00-\u9fff]{2}))")
_GENERIC_BIGRAMS = set("""您好 你好 反映 问题 情况 相关 有关 部门 请求 希望 咨询 投诉 关于 我们 政府 领导 解决 处理 要求 一下 市民 居民
建议 是否 能否 如何 什么 为什么 怎么 现在 目前 已经 没有 不能 进行 工作 感谢 谢谢 收悉 回复 答复 如下 网友""".split())


_GENERIC = set("""问题 反映 希望 领导 请求 咨询 投诉 我们 政府 部门 相关 有关 情况 市民 居民 群众 老百姓 百姓 关于 建议 解决 要求 处理
一下 能否 是否 为什么 怎么 如何 什么 可以 现在 目前 已经 一直 没有 不能 进行 工作 时间 今年 去年 问政 书记 市长 县长 局长 平台 留言
尊敬 您好 你好 谢谢 感谢 本人 他们 你们 这个 那个 这些 一些 严重 影响 事情 情况 各位 以上 以下 如果 因为 所以 但是 而且 还是 就是
由于 以及 或者 需要 应该 不是 还有 这样 那么 西地省 地方 方面 真的 实在 非常 十分 多次 一个 两个 几个 这种 那里 这里 其中 关心
期待 恳请 万分 盼望 强烈 呼吁 恳求 帮助 重视 尽快 早日 给予 帮忙 谢谢您 谢谢 麻烦 打扰 百忙 之中""".split())


def _words(text: str) -> list[str]:
    """Content words: Chinese words of two or more characters, no codes (A7县), no generic hotline words."""
    return list(_cut_words(text))


@functools.lru_cache(maxsize=4096)
def _cut_words(text: str) -> tuple[str, ...]:
    # cached: a demand is scored again at each hint, at reply and at review, and its parts are cut twice per score
    out = []
    for w in _jieba().cut(text):
        w = w.strip()
        if len(w) < 2 or w in _GENERIC or re.search(r"[A-Za-z0-9０-９]", w) or re.fullmatch(r"\W+", w):
            continue
        out.append(w)
    return tuple(out)


@dataclass
class _Parsed:
    content: list[str]
    boiler: list[str]
    forwarded: bool


def _sentences(reply: str) -> list[str]:
    parts = [p.strip() for p in _SPLIT.split(reply.replace("\r", "\n")) if p and p.strip()]
    out: list[str] = []
    for p in parts:  # a greeting glued to the first sentence: peel it off
        m = _GREETING.match(p)
        if m and m.end() < len(p):
            out.append(p[:m.end()])
            p = p[m.end():].strip()
        if p:
            out.append(p)
    return out


_STRIP = [
    re.compile(r"^[\s“”\"'「」]*(?:尊敬的|亲爱的)?[^。！!，,：:]{0,24}?(?:网友|网民|朋友|市民|来信人|同志|先生|女士|学员|栏目组)?[\s“”\"'」]*[：:，,]?\s*(?:您好|你好)[！!，,。.]?"),
    re.compile(r"^[^。]{0,30}?(?:留言|来信|来帖|帖文|网帖|贴子|帖子|问题|函件|信件|诉求|情况|意见|咨询|来邮|建议|一帖|内容|投诉|交办函|舆情|批件)"
               r"[^。，]{0,10}?(?:收悉|收到|获悉|知悉|阅悉|已阅)[！!，,。.；;]?"),
    re.compile(r"^(?:在|自)?(?:收到|接到|获悉|看到)[^。，]{0,24}?(?:后|以后|之后)[，,]"),
    re.compile(r"^[^。]{0,30}?(?:领导)?(?:非常|十分|高度)重视[，,。]?"),
    re.compile(r"^(?:首先|再次)?(?:感谢|谢谢)[^。，]{0,30}[，,！!]"),
    re.compile(r"^[^。]{0,40}?(?:现将|现就|现对|现作|现)[^。]{0,30}?(?:回复|答复|说明|汇报|反馈)(?:如下)?[：:，,]"),
    re.compile(r"^(?:经[^。，]{0,8})?(?:调查|核实|调查核实|查实)?[^。，]{0,6}(?:回复|答复)如下[：:，,]"),
]
_CLOSING_OFFER = re.compile(r"^(?:如|若|如果|倘若)(?:您|你|网友|当事人)?(?:对|还|仍|有)[^。]{0,30}(?:疑问|问题|意见|不清楚|不满意|建议|需要)|"
                            r"^(?:欢迎|敬请|祝)|^[^。]{0,12}(?:联系|咨询|投诉|服务)(?:电话|热线)[：:]?[\d\-—（）()]")


def _parse(reply: str) -> _Parsed:
    content, boiler, forwarded = [], [], False
    for s in _sentences(reply):
        core = re.sub(r"\s+", "", s)
        rest = re.sub(r"^(?:\d{1,2}|[一二三四五六七八九十])[、.．]", "", core)
        for _ in range(3):  # greeting, receipt, 高度重视, 现将…回复如下 may be chained in one sentence
            for rx in _STRIP:
                rest = rx.sub("", rest, count=1)
        plain = re.sub(r"[\W_]+", "", rest)
        is_fw = bool(_FORWARD.search(rest)) and (bool(_FORWARD_TAIL.search(rest)) or len(plain) < 40)
        if is_fw and not _EVIDENCE["action_done"].search(_FORWARDED_VERB.sub("", rest)) and len(plain) < 80:
            forwarded = True
            boiler.append(s)
        elif (_DATE_ONLY.match(rest) or len(plain) <= 4 or (_CLOSING.match(rest) and len(plain) < 50)
              or _CLOSING_OFFER.search(rest) or _UNIT_SIGNATURE.match(rest)):
            boiler.append(s)
        else:
            content.append(rest)
    return _Parsed(content, boiler, forwarded)


def _demand_parts(subject: str, message: str) -> list[str]:
    """The separately answerable parts of a demand: numbered items or several questions."""
    body = message.replace("\r", "")
    items = re.split(r"(?:^|[\s。；;！!？?])(?:[1-9][、.．)）]|[一二三四五六七八九十][、是]|[①②③④⑤⑥⑦⑧⑨]|第[一二三四五六七八九十]个?(?:问题)?[：:是，,])", body)
    items = [i.strip() for i in items[1:] if len(i.strip()) >= 4] if len(items) > 2 else []
    if len(items) < 2:
        qs = [q.strip() for q in re.findall(r"[^。！!？?\n]{4,80}[？?]", body)]
        qs = [q for q in qs if len(_words(q)) >= 1]
        items = qs if 2 <= len(qs) <= 6 else []
    return items[:6]


def _short(text: str, n: int = 16) -> str:
    t = re.sub(r"^(?:请问|想问|问|咨询|另外|还有|还想问|再就是|同时)[一下下，,：:]*", "", text.strip())
    t = re.sub(r"[\s？?。，,！!]+$", "", t)
    return t[:n] + ("…" if len(t) > n else "")


FEATURES = ("bias", "log_content", "log_length", "content_ratio", "short_content", "forwarded", "off_topic",
            "pushes", "vague", "evidence_kinds", "missing_parts", "ev_investigation", "ev_action_done",
            "ev_plan_dated", "ev_figures", "ev_finding", "ev_rule", "ev_answer", "short_reply", "short_content_60",
            "acted", "pushes_unacted", "no_info", "not_ours", "collected", "handling", "consultation",
            "subject_overlap", "log_sentences", "phone_referral", "answer_short",
            # rq-3
            "echo_previous", "echo_ratio", "new_words", "policy_only", "understand", "phones", "self_help",
            "contact_answer", "boiler_share", "concrete")


@dataclass
class _Analysis:
    features: dict[str, float]
    evidence: tuple[str, ...]
    pushes: list[str]
    vague: list[str]
    missing: list[str]
    forwarded: bool
    off_topic: bool
    clen: int
    parts: int = 0
    no_info: list[str] = field(default_factory=list)
    not_ours: list[str] = field(default_factory=list)
    collected: list[str] = field(default_factory=list)
    handling: list[str] = field(default_factory=list)
    echoed: str = ""  # a passage of the content that the citizen's message already quotes (a repeated earlier reply)
    self_help: list[str] = field(default_factory=list)
    understand: list[str] = field(default_factory=list)
    names_contact: bool = False  # asked which office / what number, and the content names an office and a number


_QUOTED_REPLY = re.compile(r"回复|答复|回帖|复函")


def _repeated_reply(content: str, message: str) -> str:
    """A passage of the reply's content that the citizen's message quotes from an earlier reply (the message names
    a reply (回复/答复) shortly before it): the office answered by repeating what the citizen already disputes."""
    import difflib

    a, b = re.sub(r"[\W_]+", "", content)[:1500], re.sub(r"[\W_]+", "", message)[:3000]
    if not a or not b:
        return ""
    m = difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    if m.size < ECHO_MIN or not _QUOTED_REPLY.search(b[max(0, m.b - 200):m.b]):
        return ""
    return a[m.a:m.a + m.size]


def analyse(*, reply: str, message: str = "", subject: str = "") -> _Analysis:
    """The measurable facts about a reply that the levels are decided from."""
    reply = (reply or "").strip()
    parsed = _parse(reply)
    content = "".join(parsed.content)
    clen = len(re.sub(r"[\s\W]", "", content))
    # promises to consider later and forwarding verbs are not actions: take them out before looking for evidence
    acting = _FORWARDED_VERB.sub("", _COLLECTED.sub("", _VAGUE.sub("", content)))
    evidence = tuple(k for k, rx in _EVIDENCE.items() if rx.search(acting if k in ("action_done", "plan_dated") else content))
    # the cues are looked for outside quotation marks: a quoted title (关于“建议解决…与…”) or a quoted rule is the
    # citizen's or the law's words, not the office pushing anyone away or promising anything (rq-3)
    own = [_QUOTED.sub("", s) for s in parsed.content]
    demand_text = re.sub(r"\s+", "", f"{subject}{message}")
    # …and a cue copied from the demand itself (its title repeated without quotes) is the citizen's words too
    pushes = [m.group(0) for s in own for m in [_PUSH.search(s)] if m and re.sub(r"\s+", "", m.group(0)) not in demand_text]
    if _ASKS_WHERE.search(f"{subject}{message}"):
        pushes = []  # the citizen asked where to go: naming the office is the answer
    vague = [m.group(0) for s in own for m in [_VAGUE.search(s)] if m]
    demand_words = set(_words(f"{subject} {message}"))
    subject_words = set(_words(subject))
    content_words = set(_words(content))
    subject_bigrams = {b for b in _HAN_BIGRAM.findall(subject or message[:40]) if b not in _GENERIC_BIGRAMS}
    content_bigrams = set(_HAN_BIGRAM.findall(content))
    overlap = len(subject_bigrams & content_bigrams) / len(subject_bigrams) if subject_bigrams else 0.0
    off_topic = (clen >= 20 and len(demand_words) >= 6 and not (demand_words & content_words)
                 and not (subject_words & content_words) and overlap < 0.15)
    missing = []
    parts = _demand_parts(subject, message)
    for part in parts:
        pw = set(_words(part))
        if pw and not (pw & content_words):
            missing.append(part)
    total = max(len(re.sub(r"[\s\W]", "", reply)), 1)
    f = {"bias": 1.0, "log_content": math.log1p(clen), "log_length": math.log1p(total), "content_ratio": clen / total,
         "short_content": float(clen < 30), "forwarded": float(parsed.forwarded), "off_topic": float(off_topic),
         "pushes": float(min(len(pushes), 2)), "vague": float(min(len(vague), 2)), "evidence_kinds": float(len(evidence)),
         "missing_parts": float(min(len(missing), 3)), "short_reply": float(total < 125),
         "short_content_60": float(clen < 60)}
    for k in _EVIDENCE:
        f[f"ev_{k}"] = float(k in evidence)
    f["acted"] = float(bool({"investigation", "action_done", "plan_dated"} & set(evidence)))
    f["pushes_unacted"] = float(bool(pushes) and not f["acted"])
    no_info = [m.group(0) for s in own for m in [_NO_INFO.search(s)] if m]
    not_ours = [m.group(0) for s in own for m in [_NOT_OURS.search(s)] if m]
    collected = [m.group(0) for s in own for m in [_COLLECTED.search(s)] if m]
    handling = [m.group(0) for s in own for m in [_HANDLING.search(s)] if m]
    if no_info:  # "未留联系方式，无法核实" is said once, as the excuse it is, not again as pushing away
        pushes = [p for p in pushes if not _NO_INFO.search(p)]
    if no_info or handling or collected:
        # a reply that says "no details", "being handled" or "noted" has nothing of its own to be off topic with
        off_topic = False
        f["off_topic"] = 0.0
    f["pushes"] = float(min(len(pushes), 2))
    f["pushes_unacted"] = float(bool(pushes) and not f["acted"])
    consultation = bool(_CONSULT.search(f"{subject}{message[:200]}"))
    f.update({"no_info": float(bool(no_info)), "not_ours": float(bool(not_ours)), "collected": float(bool(collected)),
              "handling": float(bool(handling) and not f["acted"]), "consultation": float(consultation),
              "subject_overlap": overlap, "log_sentences": math.log1p(len(parsed.content)),
              "phone_referral": float(bool(_PHONE.search(content))),
              "answer_short": float(consultation and "answer" in evidence and clen < 120)})
    # rq-3 facts
    echoed = _repeated_reply(content, message) if clen >= ECHO_MIN else ""
    known = content_words & demand_words
    self_help = [m.group(0) for s in own for m in [_SELF_HELP.search(s)] if m]
    understand = [m.group(0) for s in own for m in [_UNDERSTAND.search(s)] if m]
    asks_contact = bool(_ASKS_WHERE.search(f"{subject}{message}"))
    names_contact = asks_contact and bool(_PHONE_NUMBER.search(content)) and bool(_UNIT_NAMED.search(content))
    if asks_contact and (_PHONE_NUMBER.search(content) or _UNIT_NAMED.search(content)):
        # "找哪个部门？联系电话是多少？" answered by naming the office and its number: those parts are answered
        missing = [m for m in missing if not _ASKS_WHERE.search(m)]
        f["missing_parts"] = float(min(len(missing), 3))
    f.update({"echo_previous": float(bool(echoed)),
              "echo_ratio": len(known) / len(content_words) if content_words else 0.0,
              "new_words": math.log1p(len(content_words - demand_words)),
              "policy_only": float(bool(_POLICY.search(content)) and not ({"investigation", "action_done", "plan_dated", "finding"} & set(evidence))),
              "understand": float(bool(understand)),
              "phones": float(min(len(_PHONE_NUMBER.findall(content)), 2)),
              "self_help": float(bool(self_help)),
              "contact_answer": float(asks_contact and bool(_PHONE_NUMBER.search(content) or _UNIT_NAMED.search(content))),
              "boiler_share": 1.0 - clen / total,
              "concrete": float(bool(_CONCRETE.search(content)))})
    return _Analysis(f, evidence, pushes, vague, missing, parsed.forwarded, off_topic, clen, len(parts),
                     no_info=no_info, not_ours=not_ours, collected=collected, handling=handling,
                     echoed=echoed, self_help=self_help, understand=understand,
                     names_contact=names_contact and not missing and clen >= 12)


def _reported_action(a: _Analysis) -> bool:
    """A reply that reports a completed action or a dated plan, pushes no one away and stays on topic is never
    perfunctory, however short (已到现场处理完毕，占道摊贩已清理) or however vague its promises for later:
    at worst it is partial.  So is a reply that answers "找哪个部门？电话多少？" with an office and its number (rq-3)."""
    return (bool({"action_done", "plan_dated"} & set(a.evidence)) and not a.pushes and not a.off_topic) or a.names_contact


def _linear(weights: dict[str, float], f: dict[str, float]) -> float:
    return sum(weights.get(k, 0.0) * v for k, v in f.items())


def decide(a: _Analysis, flag: dict[str, float], substantive_vs_partial: dict[str, float]) -> int:
    """The level from ``analyse``'s facts: the rules below on top of two linear decisions (the weights are
    fitted by bench/replies_fit.py; it calls this same function to cross-validate them)."""
    if (a.clen < 12 and not _reported_action(a)) or a.off_topic or a.echoed:
        return PERFUNCTORY  # a.echoed: the reply repeats the earlier reply that the citizen quotes and disputes (rule 8)
    if _linear(flag, a.features) > 0 and not _reported_action(a):
        return PERFUNCTORY
    level = SUBSTANTIVE if _linear(substantive_vs_partial, a.features) > 0 else PARTIAL
    if a.missing and 2 * len(a.missing) >= a.parts:  # half the parts of the demand left unanswered
        level = PARTIAL
    return level


def score(*, reply: str, message: str = "", subject: str = "") -> Score:
    """Score one reply against its demand (subject = 诉求标题, message = 诉求内容).

    The level is a linear decision over ``analyse``'s facts with the weights in
    ``hotline/replies/weights.py`` (fitted on the dev split of the judged replies, see
    bench/replies_fit.py); the reasons are the facts that pushed it there, in words.
    """
    from hotline.replies.weights import FLAG, SUBSTANTIVE_VS_PARTIAL

    a = analyse(reply=reply, message=message, subject=subject)
    reasons: list[Reason] = []
    level = decide(a, FLAG, SUBSTANTIVE_VS_PARTIAL)
    if level == PERFUNCTORY and a.clen < 12:
        reasons.append(Reason("forward_only", "仅称已转交，未说明办理结果",
                              "only says the matter was forwarded; no result of handling") if a.forwarded else
                       Reason("acknowledge_only", "仅确认收悉，未答复诉求内容",
                              "only acknowledges receipt; the demand is not answered"))
        return Score(PERFUNCTORY, tuple(reasons), evidence=a.evidence)
    if a.off_topic:
        reasons.append(Reason("off_topic", "答非所问：答复内容与诉求不对应",
                              "answers another question: the reply does not match the demand"))
    if a.echoed:
        reasons.append(Reason("repeats_earlier_reply", f"重复诉求人已质疑的前次答复：“{_short(a.echoed, 16)}”",
                              f"repeats the earlier reply that the citizen quotes and disputes: “{_short(a.echoed, 16)}”"))
    if a.pushes:
        reasons.append(Reason("pushed_elsewhere", f"推给诉求人另行办理：“{_short(a.pushes[0], 20)}”",
                              f"pushes the citizen elsewhere: “{_short(a.pushes[0], 20)}”"))
    if a.vague:
        reasons.append(Reason("vague", f"表态笼统：“{_short(a.vague[0], 14)}”，未说明具体措施或时限",
                              f"vague promise: “{_short(a.vague[0], 14)}”, no concrete step or time"))
    def pushes_flag(feature: str) -> bool:  # shown only where the fitted decision counts the fact against the reply
        return level < SUBSTANTIVE and FLAG.get(feature, 0.0) > 0
    if a.no_info and pushes_flag("no_info"):
        reasons.append(Reason("asks_details", f"以信息不全为由未作处理：“{_short(a.no_info[0], 16)}”",
                              f"does not act for want of details: “{_short(a.no_info[0], 16)}”"))
    if a.not_ours and not a.pushes and pushes_flag("not_ours"):
        reasons.append(Reason("not_ours", f"称不属本单位职责：“{_short(a.not_ours[0], 16)}”",
                              f"says it is not this office's responsibility: “{_short(a.not_ours[0], 16)}”"))
    if a.collected and pushes_flag("collected") and not (a.vague and a.vague[0] == a.collected[0]):
        reasons.append(Reason("noted_only", f"仅称已记录或待日后考虑：“{_short(a.collected[0], 14)}”",
                              f"only says it is noted or will be considered later: “{_short(a.collected[0], 14)}”"))
    if a.handling and a.features["handling"] and pushes_flag("handling"):
        reasons.append(Reason("in_progress_only", f"仅称正在处理：“{_short(a.handling[0], 14)}”，未说明结果或时限",
                              f"only says it is being handled: “{_short(a.handling[0], 14)}”, no result or time"))
    if a.self_help and not a.pushes and pushes_flag("self_help"):
        reasons.append(Reason("self_help", f"让诉求人自行处理：“{_short(a.self_help[0], 16)}”",
                              f"leaves it to the citizen: “{_short(a.self_help[0], 16)}”"))
    if a.features["policy_only"] and pushes_flag("policy_only"):
        reasons.append(Reason("policy_only", "仅引述政策规定，未说明对本案查明的情况",
                              "only restates the policy; nothing found about this case"))
    for part in a.missing[:3]:
        reasons.append(Reason("unanswered_part", f"未回应：{_short(part)}", f"not answered: {_short(part)}"))
    if level < SUBSTANTIVE and not ({"investigation", "action_done", "plan_dated"} & set(a.evidence)):
        reasons.append(_NO_ACTION if {"finding", "rule", "answer"} & set(a.evidence) else _NO_SUBSTANCE)
    if level < SUBSTANTIVE and not reasons:
        reasons.append(Reason("thin", "答复简略，未说明查明情况与办理措施", "thin reply: no finding or step of handling stated"))
    return Score(level, tuple(reasons), evidence=a.evidence)


_QUOTED = re.compile(r"“[^“”]{1,80}”|「[^「」]{1,80}」|\"[^\"]{1,80}\"")
ECHO_MIN = 24  # characters of the citizen's own message repeated in the reply's content
_SELF_HELP = re.compile(r"(?:您|你|业主|客户|当事人|网友|诉求人|信访人|农民工)[^。，]{0,4}(?:可|可以|应|应当|需|需要|须)(?:根据|自行|催促|发起|依法|通过|先行|携带|到|向)"
                        r"[^。]{0,16}?(?:催促|发起|起诉|主张|协商|维权|投诉|举报|申请|办理|反映|解决)")
_UNDERSTAND = re.compile(r"(?:请|望|敬请|尽请|恳请)(?:您|你|各位|广大)?[^。，]{0,6}(?:理解|谅解)|予以(?:支持|理解)[^。，]{0,2}(?:理解|支持)")
_POLICY = re.compile(r"(?:根据|按照|依据|依照|按)[^。，]{0,30}(?:规定|文件|要求|政策|办法|条例|精神|标准)|政策|规定")
_PHONE_NUMBER = re.compile(r"(?<!\d)(?:0\d{2,3}[-－—]?)?(?:\d{7,8}|123\d{2}|\d{4}[-－—]\d{4,8})(?!\d)")
_UNIT_NAMED = re.compile(r"[\u4e00-\u9fff]{1,12}(?:局|委|所|中心|窗口|大厅|法院|站|办)")
_CONCRETE = re.compile(r"\d{1,2}月\d{0,2}|\d{4}年|\d+(?:\.\d+)?(?:元|米|公里|户|人|名|个|条|平方|亩|栋|号|处|家|盏|吨|%|辆|天|日)|"
                       r"[\u4e00-\u9fff]{2,8}(?:路|街|村|组|小区|社区|栋|号楼|广场|公园)")
_ASKS_WHERE = re.compile(r"哪个部门|哪些部门|什么部门|哪里|哪儿|找谁|何处|在哪|去哪|哪个单位|联系电话|电话是多少")
_NO_SUBSTANCE = Reason("no_substance", "未说明查明的情况、采取的措施、办理时限或具体依据",
                       "states no finding, action, time or specific rule")
_NO_ACTION = Reason("no_action", "未说明本单位采取的措施或办理时限", "states no action taken or time for it")
