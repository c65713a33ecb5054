"""Reply-quality scoring (hotline.replies.quality): levels and the reasons a reviewer reads."""

from __future__ import annotations

from hotline.replies.quality import PARTIAL, PERFUNCTORY, SUBSTANTIVE, score

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
