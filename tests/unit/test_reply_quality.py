"""Reply-quality scoring (hotline.replies.quality): levels and the reasons a reviewer reads."""

from __future__ import annotations

from hotline.replies.quality import PARTIAL, PERFUNCTORY, SUBSTANTIVE, VERSION, analyse, score

SUBJECT = "希望小区附近增设公交站点"
MESSAGE = "我们小区附近公交站太远。请问是否可以增设站点？另外末班车能否延长到晚上十点？"


def _s(reply: str, message: str = MESSAGE, subject: str = SUBJECT):  # type: ignore[no-untyped-def]
    return score(reply=reply, message=message, subject=subject)


def test_forwarding_only_is_perfunctory_with_its_reason() -> None:
    s = _s("网友您好！您反映的问题已转相关部门办理。2019年5月6日")
    assert s.quality == PERFUNCTORY and s.flag
    assert [r.zh for r in s.reasons] == ["仅称已转交，未说明办理结果"]
    assert s.reasons[0].en.startswith("only says the matter was forwarded")


def test_acknowledgement_only_is_perfunctory() -> None:
    s = _s("网友：您好！留言已收悉")
    assert s.flag and s.reasons[0].code == "acknowledge_only"


def test_pushing_the_citizen_elsewhere_is_perfunctory_and_quoted() -> None:
    s = _s("网民您好：您反映的问题建议您拨打12345市长热线，可以就有关问题进咨询，谢谢！")
    assert s.flag
    assert any(r.code == "pushed_elsewhere" and "建议您拨打" in r.zh for r in s.reasons)


def test_concrete_answer_to_every_part_is_substantive() -> None:
    s = _s("您的留言已收悉，已转交市交通局办理。网友您好：经现场查看，我局已于5月10日在小区门口增设公交站点，"
           "末班车已延长至晚上十点。感谢您的监督。")
    assert s.quality == SUBSTANTIVE and not s.flag and s.reasons == ()  # a forwarding notice before the answer is fine


def test_an_unanswered_part_is_named() -> None:
    s = _s("经现场查看，该路段确无公交站点。我局已于5月10日将增设站点列入调整计划，预计6月底前完成站牌设置。")
    assert s.quality == PARTIAL
    assert "未回应：末班车能否延长到晚上十点" in [r.zh for r in s.reasons]


def test_an_answer_to_another_question_is_perfunctory() -> None:
    s = _s("经查，该企业已办理环评手续，排污设施运行正常，监测数据达标。")
    assert s.flag and s.reasons[0].code == "off_topic"


def test_short_reply_reporting_a_completed_action_is_not_perfunctory() -> None:
    s = score(reply="已到现场处理完毕，占道摊贩已清理。", subject="小区门口占道经营",
              message="新华街道桃源社区门口每天晚上有摊贩占道经营，噪音大、垃圾多，希望处理。")
    assert not s.flag


def test_naming_the_office_answers_a_where_question() -> None:
    s = score(reply="网友您好！来信收悉。农村三无人员出了交通事故要求赔偿方面的法律援助可联系司法局，服务热线12348，全部免费。",
              subject="农民请求法律援助", message="法律援助找哪个部门？联系电话是多少？是全部免费的吗？")
    assert not any(r.code == "pushed_elsewhere" for r in s.reasons)


def test_score_dict_carries_version_and_bilingual_reasons() -> None:
    d = _s("您的留言已收悉。").as_dict()
    assert d["quality"] == 0 and d["flag"] is True and d["version"] and d["reasons"][0]["zh"] and d["reasons"][0]["en"]


def test_a_ten_character_reply_reporting_the_repair_is_not_perfunctory() -> None:
    assert not score(reply="已更换路灯并恢复照明。", subject="路灯不亮", message="").flag


# ---- rq-2: the signs added after the second round of judging (docs/replies.md, rules 6–13)

BUS_SUBJECT = "希望优化小区门口公交线路"
BUS_MESSAGE = "我们小区门口只有一路公交车，早高峰要等半小时，希望增加班次或者调整线路。"


def test_a_no_details_excuse_is_perfunctory_and_said_once() -> None:
    s = score(reply="网友您好！您的留言已收悉。由于您未留下联系方式，也未说明具体路段，我们无法进行调查，请提供具体位置后再与我们联系。",
              subject=BUS_SUBJECT, message=BUS_MESSAGE)
    assert s.flag
    codes = [r.code for r in s.reasons]
    assert "asks_details" in codes and "未留下联系方式" in s.reasons[codes.index("asks_details")].zh
    assert "pushed_elsewhere" not in codes and "off_topic" not in codes  # the excuse, not three names for it


def test_noted_for_later_is_perfunctory() -> None:
    s = score(reply="网友您好！您的留言已收悉。您关于优化公交线路的建议，市交通运输局已收集，待下一轮公交线网优化调整时，将认真予以考虑。感谢您的支持！",
              subject=BUS_SUBJECT, message=BUS_MESSAGE)
    assert s.flag
    assert "action_done" not in s.evidence  # 已收集 is not an action
    assert any("已收集" in r.zh for r in s.reasons)


def test_being_handled_only_is_perfunctory_with_its_reason() -> None:
    s = score(reply="网友您好！您反映的问题正在协调处理当中，有关情况将及时反馈。", subject=BUS_SUBJECT, message=BUS_MESSAGE)
    assert s.flag
    assert [r.code for r in s.reasons][0] == "in_progress_only" and "正在协调处理" in s.reasons[0].zh
    assert s.reasons[0].en.startswith("only says it is being handled")


def test_a_forwarding_verb_is_not_an_action() -> None:
    s = score(reply="您反映的问题已移交区教育局，稍后会对您提出的问题做出回复！", subject="咨询私立幼儿园收费标准",
              message="请问区里对私立幼儿园收费有什么标准？")
    assert s.flag and [r.code for r in s.reasons] == ["forward_only"]


def test_not_our_job_is_named_and_never_substantive() -> None:
    s = score(reply="网友您好！经了解，小区供水管网由市供水公司建设和维护，该事项不在本局职责范围之内，感谢您的关注。",
              subject="小区水压太低", message="我们小区高层住户晚上经常没水，希望解决水压问题。")
    assert s.quality < SUBSTANTIVE
    assert any(r.code == "not_ours" and "不在本局职责范围" in r.zh for r in s.reasons)


def test_a_checked_and_repaired_fault_stays_substantive() -> None:
    s = score(reply="网友您好！经现场核实，该路段路灯线路老化，我局已于6月3日更换电缆，路灯已恢复照明。感谢您的监督。",
              subject="小区门口路灯不亮", message="新华路小区门口的路灯坏了一个多月，晚上很黑，希望尽快修好。")
    assert s.quality == SUBSTANTIVE and s.reasons == () and s.version == VERSION == "rq-3"


# ---- rq-3: facts added in the third round (docs/replies.md, "rq-3")

EARLIER = ("该路段房屋拆迁业主为县交通公司，镇政府必须先有上级国土部门的拆迁红线及拆迁文件才能启动拆迁。"
           "由于现在相关手续未完善，故暂不能进行拆迁。")


def test_repeating_the_earlier_reply_the_citizen_disputes_is_perfunctory() -> None:
    message = (f"关于机场路第二批次拆迁问题，我五月提问，八月才回复，单位回复：{EARLIER}请问：这个相关手续什么时候能完善？"
               "能否给个时间节点？")
    s = score(reply=f"网友您好！来信收悉。现回复如下：{EARLIER}感谢您对我镇工作的支持！", subject="关于机场路第二批次拆迁问题的反映",
              message=message)
    assert s.flag
    reason = next(r for r in s.reasons if r.code == "repeats_earlier_reply")
    assert reason.zh.startswith("重复诉求人已质疑的前次答复：“该路段房屋拆迁业主为") and reason.en.startswith("repeats the earlier reply")


def test_quoting_the_citizens_own_words_is_not_a_repeated_reply() -> None:
    message = "本人申请将户籍由沙田镇沙田街155号转回普乐镇东水村上牌组投靠父母，派出所不予办理，请问为什么？"
    a = analyse(reply="网友您好！经查，本人申请将户籍由沙田镇沙田街155号转回普乐镇东水村上牌组投靠父母一事，"
                      "派出所已于5月6日受理，符合投靠条件，已办理完毕。", subject="咨询户口迁回问题", message=message)
    assert a.echoed == "" and a.features["echo_previous"] == 0.0


def test_naming_the_office_and_its_number_answers_the_phone_question() -> None:
    s = score(reply="网友您好！来信收悉。农村三无人员出了交通事故要求赔偿方面的法律援助可联系司法局，服务热线12348，全部免费。",
              subject="农民请求法律援助", message="请问法律援助找哪个部门？联系电话是多少？是全部免费的吗？")
    assert not any(r.code == "unanswered_part" for r in s.reasons)
    assert not s.flag


def test_policy_restated_without_a_finding_is_a_fact_and_a_finding_clears_it() -> None:
    only = analyse(reply="网友您好！根据《城乡居民医保实施办法》规定，外地农村户口只能向户籍所在地参保，望您理解。",
                   subject="咨询社保续保问题", message="我是农村户口，为什么不能按城镇职工续保？")
    found = analyse(reply="网友您好！经查，您的参保记录于2016年中断，根据《城乡居民医保实施办法》规定可以补缴。",
                    subject="咨询社保续保问题", message="我是农村户口，为什么不能按城镇职工续保？")
    assert only.features["policy_only"] == 1.0 and only.features["understand"] == 1.0
    assert found.features["policy_only"] == 0.0


def test_the_demands_own_title_quoted_back_is_not_pushing_away() -> None:
    title = "建议解决柳河大街通信杆线与基站"
    message = "柳河大街手机信号特别差，建议对柳河大街一带的架空飞线进行整治入地。"
    for reply in (f"您好，关于“{title}”，我单位已联系相关责任方进行整改，并将持续跟踪，如有问题请再次来电。",
                  f"收到诉求后我单位工作人员立即与您电话联系并现场查看，{title}的情况已协调解决，后续将加强日常巡查。"):
        s = score(reply=reply, subject=title, message=message)
        assert not s.flag and not any(r.code == "pushed_elsewhere" for r in s.reasons)
