"""Knowledge-base entries for the demo city, so operators can answer at first contact (即时办结).

Invented answers in the style of real hotline knowledge bases: the demo must not depend on any
data file.  A real city imports its own (``hotline knowledge import``).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

ENTRIES: list[tuple[str, str, str, str, list[str]]] = [
    ("dept-gongjijin", "租房提取住房公积金需要什么材料？",
     "在本市无自有住房且租房自住的职工，可凭本人身份证、租房合同（或住房租赁备案证明）办理租房提取，"
     "每年可提取一次；可通过“青阳公积金”APP、政务服务网或各区公积金服务网点办理，材料齐全的当场办结。",
     "《住房公积金管理条例》；青阳市住房公积金提取管理办法", ["公积金", "租房提取"]),
    ("dept-renshe", "灵活就业人员怎样参加职工养老保险？",
     "本市户籍或持居住证的灵活就业人员，可携带身份证到户籍所在地街道（乡镇）社保服务窗口登记，"
     "也可在“青阳人社”APP自助办理；缴费基数可在全市上年度平均工资的60%至300%之间自选。",
     "《社会保险法》；青阳市灵活就业人员参保办法", ["社保", "灵活就业", "养老保险"]),
    ("dept-renshe", "被拖欠工资应该怎么办？",
     "可携带劳动合同、考勤记录、工资条等证据向用人单位所在地劳动保障监察大队投诉，或申请劳动仲裁；"
     "建设领域欠薪可拨打12345登记，转由住建、人社部门联合督办。",
     "《保障农民工工资支付条例》", ["欠薪", "工资"]),
    ("dept-yibao", "异地就医怎么备案？",
     "参保人可通过“国家医保服务平台”APP或“青阳医保”公众号办理异地就医备案，长期异地居住人员需提供居住证明或承诺书；"
     "备案后在备案地定点医院可直接结算。",
     "国家医保局关于异地就医直接结算的通知", ["医保", "异地就医"]),
    ("dept-jiaoyu", "小学新生入学需要准备哪些材料？",
     "适龄儿童（当年8月31日前满6周岁）凭户口簿、房产证或租赁备案证明、预防接种证在教育局招生平台报名；"
     "随迁子女另需父母居住证和社保缴纳证明。报名时间以当年招生公告为准。",
     "青阳市义务教育招生入学工作实施意见", ["入学", "招生"]),
    ("ent-shuiwu", "家里突然停水了，怎么查询停水原因和恢复时间？",
     "计划停水会提前在“青阳水务”公众号和小区公告栏公布；突发停水可拨打水务集团24小时热线96XXX查询，"
     "爆管抢修一般在4小时内恢复供水。", "青阳水务集团供水服务承诺", ["停水", "供水"]),
    ("ent-gongdian", "停电了怎么报修？",
     "可拨打95598供电服务热线或通过“网上国网”APP报修；先确认家中总闸是否跳闸，若整栋楼或小区停电，"
     "抢修人员城区一般45分钟内到达现场。", "国网青阳供电公司供电服务承诺", ["停电", "报修"]),
    ("dept-budongchan", "二手房过户办理不动产证要带什么材料？",
     "买卖双方携带身份证、原不动产权证书、网签合同、完税凭证到不动产登记中心“一窗受理”办理，"
     "材料齐全的一般5个工作日内办结，也可预约“带押过户”。", "《不动产登记暂行条例》", ["不动产证", "过户"]),
    ("dept-minzheng", "老人高龄津贴怎么申请？",
     "本市户籍80周岁以上老人可由本人或家属持身份证、户口簿到社区（村）提出申请，街道审核后按月发放；"
     "已领取的老人每年需进行一次生存认证。", "青阳市高龄津贴发放办法", ["高龄津贴", "老人"]),
    ("dept-jiaojing", "电动自行车怎么上牌？",
     "新购符合国家标准的电动自行车，凭购车发票、合格证和身份证到交警车管所或指定销售网点登记上牌，当场办结；"
     "上牌免费。", "青阳市电动自行车管理条例", ["电动车", "上牌"]),
]


def seed_knowledge(db: Session) -> int:
    """Create the demo entries once, each through the knowledge flow (versioned, indexed, audited)."""
    from hotline.knowledge.flows import do_create_entry
    from hotline.knowledge.models import KnowledgeEntry
    from hotline.knowledge.schemas import EntryIn
    from hotline.orders.actor import SYSTEM_ACTOR

    if db.scalar(select(func.count(KnowledgeEntry.id))):
        return 0
    for unit, question, answer, basis, tags in ENTRIES:
        do_create_entry(db, actor=SYSTEM_ACTOR, external_key=f"demo:{question}", data=EntryIn(
            question=question, answer=answer, policy_basis=basis, owner_unit=unit, tags=tags))
    return len(ENTRIES)
