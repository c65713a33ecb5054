"""Policies, deadlines, extension, suspension, lights, the demo sla.yaml and the CLI."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from hotline.sla.calendar import END_OF_DAY, Deadline, UnknownCalendarYear, WorkCalendar
from hotline.sla.cli import sla_app
from hotline.sla.config import LimitUnit, SlaConfig
from hotline.sla.policy import (
    ExtensionRefused,
    TrafficLight,
    build_calendar,
    check_extension,
    compute_deadlines,
    extend,
    extend_deadline,
    light,
    remaining,
    reopen_deadline,
    resume_after_pause,
    resume_deadline,
)

SH = ZoneInfo("Asia/Shanghai")
DEMO_SLA = Path(__file__).resolve().parents[2] / "hotline" / "city" / "demo" / "sla.yaml"
DEMO_CITY = DEMO_SLA.parent / "city.yaml"


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def eod(y: int, m: int, d: int) -> datetime:
    return datetime.combine(date(y, m, d), END_OF_DAY, tzinfo=SH)


@pytest.fixture(scope="module")
def cfg() -> SlaConfig:
    return SlaConfig.model_validate(yaml.safe_load(DEMO_SLA.read_text(encoding="utf-8"))["sla"])


@pytest.fixture(scope="module")
def cal(cfg: SlaConfig) -> WorkCalendar:
    return build_calendar(cfg)


# ---- policy matching -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "category", "urgency", "policy"),
    [
        ("help", "0301", "urgent", "urgent"),
        ("consultation", "0301", "urgent", "urgent"),  # urgency is tried first
        ("consultation", "010401", "normal", "consultation"),  # before historical
        ("complaint", "01040102", "normal", "historical"),  # prefix covers the subtree
        ("complaint", "0104", "normal", "ordinary"),  # a parent is not inside the prefix
        ("complaint", None, "normal", "ordinary"),
        ("report", "0301", "normal", "ordinary"),
    ],
)
def test_first_matching_policy_wins(
    cfg: SlaConfig, cal: WorkCalendar, kind: str, category: str | None, urgency: str, policy: str
) -> None:
    d = compute_deadlines(
        cfg, cal, kind=kind, category_code=category, urgency=urgency, start=at(2026, 3, 2, 9)
    )
    assert d.policy_name == policy


def test_dongsheng_137_deadlines(cfg: SlaConfig, cal: WorkCalendar) -> None:
    start = at(2026, 9, 30, 16)  # Wednesday before National Day
    urgent = compute_deadlines(cfg, cal, kind="help", category_code=None, urgency="urgent", start=start)
    assert urgent.sign_due_at == at(2026, 9, 30, 16, 30)
    assert urgent.reply_due_at == at(2026, 10, 1, 16)
    assert urgent.complete_due_at == eod(2026, 10, 8)
    ordinary = compute_deadlines(
        cfg, cal, kind="complaint", category_code="0301", urgency="normal", start=start
    )
    assert ordinary.sign_due_at == at(2026, 10, 8, 9)  # 1.5 h left on Sep 30, 0.5 h on Oct 8
    assert ordinary.reply_due_at == at(2026, 10, 3, 16)
    assert ordinary.complete_due_at == eod(2026, 10, 10)  # Sat Oct 10 is a make-up workday
    historical = compute_deadlines(
        cfg, cal, kind="complaint", category_code="010401", urgency="normal", start=start
    )
    assert historical.complete_due_at == eod(2026, 10, 15)  # 8, 9, 10, 12, 13, 14, 15 Oct
    assert not (urgent.uncertain or ordinary.uncertain or historical.uncertain)


def test_order_dispatched_on_a_holiday(cfg: SlaConfig, cal: WorkCalendar) -> None:
    d = compute_deadlines(
        cfg, cal, kind="help", category_code=None, urgency="normal", start=at(2026, 2, 17, 10)
    )
    assert d.sign_due_at == at(2026, 2, 24, 10, 30)
    assert d.complete_due_at == eod(2026, 2, 26)


def test_deadlines_into_an_unknown_year(cfg: SlaConfig) -> None:
    assert cfg.unknown_year == "weekends"  # the demo keeps working, flagged
    strict = cfg.model_copy(update={"unknown_year": "error"})
    with pytest.raises(UnknownCalendarYear):
        compute_deadlines(
            strict,
            build_calendar(strict),
            kind="help",
            category_code=None,
            urgency="normal",
            start=at(2028, 3, 1, 9),
        )
    guessing = build_calendar(cfg.model_copy(update={"unknown_year": "weekends"}))
    d = compute_deadlines(
        cfg, guessing, kind="help", category_code=None, urgency="normal", start=at(2028, 3, 1, 9)
    )
    assert d.uncertain is True
    assert d.complete_due_at == eod(2028, 3, 6)


def test_policies_are_validated() -> None:
    limit = {"amount": 1, "unit": "working_days"}
    base = {"label": "x", "sign_within": limit, "reply_within": limit, "complete_within": limit}
    with pytest.raises(ValidationError, match="must match every order"):
        SlaConfig.model_validate({"policies": [{**base, "name": "a", "match": {"urgency": ["urgent"]}}]})
    with pytest.raises(ValidationError, match="never apply"):
        SlaConfig.model_validate({"policies": [{**base, "name": "a"}, {**base, "name": "b"}]})
    with pytest.raises(ValidationError, match="duplicate"):
        SlaConfig.model_validate(
            {"policies": [{**base, "name": "a", "match": {"urgency": ["x"]}}, {**base, "name": "a"}]}
        )
    with pytest.raises(ValidationError):  # misspelt unit
        SlaConfig.model_validate(
            {"policies": [{**base, "name": "a", "sign_within": {"amount": 1, "unit": "days"}}]}
        )
    with pytest.raises(ValidationError):  # unknown kind
        SlaConfig.model_validate(
            {"policies": [{**base, "name": "a", "match": {"kinds": ["consulation"]}}, {**base, "name": "b"}]}
        )
    with pytest.raises(ValidationError, match="overlaps"):
        SlaConfig.model_validate({"working_hours": [["08:30", "12:00"], ["11:00", "17:30"]]})


def test_empty_section_gives_defaults() -> None:
    cfg = SlaConfig.model_validate({})
    assert cfg.policies[-1].match.matches_everything
    assert cfg.due_soon_ratio == 0.75
    assert build_calendar(cfg).minutes_per_day == 420


def test_demo_profile_values(cfg: SlaConfig) -> None:
    assert [p.name for p in cfg.policies] == ["urgent", "enterprise", "consultation", "historical", "ordinary"]
    assert cfg.extension.max_working_days == 10 and cfg.extension.max_times == 2
    assert str(cfg.reopen) == "3 working_days"
    assert cfg.working_hours == [(time(8, 30), time(12)), (time(14), time(17, 30))]


# ---- extension, suspension, reopen, redispatch ---------------------------------------


def test_extension_moves_the_deadline(cal: WorkCalendar) -> None:
    due = eod(2026, 9, 30)
    assert extend(cal, due, 3, LimitUnit.working_days) == eod(2026, 10, 10)
    assert extend(cal, due, 3, "working_days") == eod(2026, 10, 10)
    assert extend(cal, due, 2, LimitUnit.working_hours) == at(2026, 10, 8, 10, 30)
    assert extend(cal, due, 24, LimitUnit.natural_hours) == eod(2026, 10, 1)
    # From a working-hour deadline, working days still end at the end of a day.
    assert extend(cal, at(2026, 10, 9, 10), 1, "working_days") == eod(2026, 10, 10)


def test_extension_into_an_unknown_year_is_flagged(cfg: SlaConfig) -> None:
    guessing = build_calendar(cfg.model_copy(update={"unknown_year": "weekends"}))
    moved = extend_deadline(guessing, eod(2026, 12, 30), 10, LimitUnit.working_days)
    assert moved.uncertain is True
    assert extend_deadline(guessing, eod(2026, 12, 1), 10, LimitUnit.working_days).uncertain is False
    with pytest.raises(UnknownCalendarYear):
        extend(build_calendar(cfg.model_copy(update={"unknown_year": "error"})), eod(2026, 12, 30), 10, LimitUnit.working_days)


def test_extension_rules(cfg: SlaConfig) -> None:
    check_extension(cfg.extension, granted_before=1, working_days=10)
    with pytest.raises(ExtensionRefused, match="at most 10"):
        check_extension(cfg.extension, granted_before=0, working_days=11)
    with pytest.raises(ExtensionRefused, match="2 times"):
        check_extension(cfg.extension, granted_before=2, working_days=1)


def test_suspension_of_a_working_day_limit_rounds_up_to_whole_days(cal: WorkCalendar) -> None:
    due = eod(2026, 3, 4)  # Wednesday
    days = LimitUnit.working_days
    # Four working hours suspended (Mon 10:00–16:00 less lunch): one working day more.
    assert resume_after_pause(cal, due, at(2026, 3, 2, 10), at(2026, 3, 2, 16), unit=days) == eod(2026, 3, 5)
    # A full working week suspended, across a weekend: five working days more.
    assert resume_after_pause(cal, due, at(2026, 3, 2, 8), at(2026, 3, 9, 8), unit=days) == eod(2026, 3, 11)
    # Seven working hours and one minute: two working days.
    assert resume_after_pause(cal, due, at(2026, 3, 2, 8, 30), at(2026, 3, 3, 8, 31), unit=days) == eod(
        2026, 3, 6
    )
    # Suspended over a night only: no working time lost, no move.
    assert resume_after_pause(cal, due, at(2026, 3, 2, 18), at(2026, 3, 3, 8), unit=days) == due


def test_suspension_unit_is_inferred_from_the_deadline(cal: WorkCalendar) -> None:
    # An end-of-day deadline is day-based; anything else is working-hour based.
    assert resume_after_pause(cal, eod(2026, 3, 4), at(2026, 3, 2, 10), at(2026, 3, 2, 16)) == eod(2026, 3, 5)
    assert resume_after_pause(cal, at(2026, 3, 4, 9), at(2026, 3, 2, 10), at(2026, 3, 2, 11)) == at(
        2026, 3, 4, 10
    )


def test_suspension_across_a_holiday_costs_nothing_for_the_holiday(cal: WorkCalendar) -> None:
    due = eod(2026, 10, 12)
    days = LimitUnit.working_days
    # Suspended from Sep 30 17:30 to Oct 8 08:30: only holidays in between.
    assert resume_after_pause(cal, due, at(2026, 9, 30, 17, 30), at(2026, 10, 8, 8, 30), unit=days) == due
    # Suspended Sep 30 14:00 to Oct 9 12:00: 3.5 + 7 + 3.5 = 14 h = 2 working days, so Oct 12 → Oct 14.
    moved = resume_deadline(cal, due, at(2026, 9, 30, 14), at(2026, 10, 9, 12), unit=days)
    assert moved == Deadline(eod(2026, 10, 14), uncertain=False)


def test_suspension_of_hour_and_natural_limits(cal: WorkCalendar) -> None:
    due = at(2026, 3, 2, 15)
    paused, resumed = at(2026, 3, 2, 11), at(2026, 3, 2, 14, 30)
    # 1.5 working hours lost (11:00–12:00, 14:00–14:30), so 15:00 → 16:30.
    assert resume_after_pause(cal, due, paused, resumed, unit=LimitUnit.working_hours) == at(
        2026, 3, 2, 16, 30
    )
    # Natural limits move by the natural time: 3.5 h.
    assert resume_after_pause(cal, due, paused, resumed, unit="natural_hours") == at(2026, 3, 2, 18, 30)
    with pytest.raises(ValueError, match="before"):
        resume_after_pause(cal, due, resumed, paused, unit=LimitUnit.working_hours)


def test_suspension_in_an_unknown_year_is_flagged(cfg: SlaConfig) -> None:
    guessing = build_calendar(cfg.model_copy(update={"unknown_year": "weekends"}))
    moved = resume_deadline(guessing, eod(2027, 1, 20), at(2026, 12, 30, 9), at(2027, 1, 5, 9))
    assert moved.uncertain is True


def test_reopen_and_redispatch_get_fresh_limits(cfg: SlaConfig, cal: WorkCalendar) -> None:
    assert reopen_deadline(cfg, cal, reopened_at=at(2026, 9, 30, 16)).at == eod(2026, 10, 10)
    own = cfg.model_copy(update={"reopen": None})
    reopened = reopen_deadline(own, cal, reopened_at=at(2026, 9, 30, 16), policy_name="historical")
    assert reopened.at == eod(2026, 10, 15)
    with pytest.raises(ValueError, match="policy_name"):
        reopen_deadline(own, cal, reopened_at=at(2026, 9, 30, 16))
    # 改派: the new unit's limits count from the redispatch time.
    redispatched = compute_deadlines(
        cfg, cal, kind="complaint", category_code=None, urgency="normal", start=at(2026, 10, 8, 9)
    )
    assert redispatched.complete_due_at == eod(2026, 10, 12)


# ---- lights and remaining time ----------------------------------------------------------


def test_light_in_natural_time() -> None:
    start, due = at(2026, 3, 2, 0), at(2026, 3, 2, 4)
    assert light(at(2026, 3, 2, 2), start, due, 0.75) == "green"
    assert light(at(2026, 3, 2, 3), start, due, 0.75) == TrafficLight.yellow
    assert light(due, start, due, 0.75) == "yellow"  # at the deadline is still on time
    assert light(due + timedelta(seconds=1), start, due, 0.75) == "red"


def test_light_in_working_time_ignores_nights_and_holidays(cal: WorkCalendar) -> None:
    start, due = at(2026, 9, 30, 16), eod(2026, 10, 10)  # 1.5 h + 3 × 7 h = 22.5 working hours
    # At noon on Oct 8, 76 % of the natural time is used but only 22 % of the working time.
    assert light(at(2026, 10, 8, 12), start, due, 0.75, cal=cal, unit=LimitUnit.working_days) == "green"
    assert light(at(2026, 10, 8, 12), start, due, 0.75) == "yellow"
    # 75 % of 22.5 h = 16.875 h; 15.5 h are used by Oct 9 evening, the rest on Oct 10 at 09:52:30.
    assert light(at(2026, 10, 10, 9, 52), start, due, 0.75, cal=cal, unit=LimitUnit.working_days) == "green"
    assert light(at(2026, 10, 10, 9, 53), start, due, 0.75, cal=cal, unit=LimitUnit.working_days) == "yellow"
    assert light(at(2026, 10, 11, 0), start, due, 0.75, cal=cal, unit=LimitUnit.working_days) == "red"


def test_remaining() -> None:
    assert remaining(at(2026, 3, 2, 9), at(2026, 3, 2, 10)) == timedelta(hours=1)
    assert remaining(at(2026, 3, 2, 11), at(2026, 3, 2, 10)) == timedelta(hours=-1)


def test_naive_datetimes_are_refused(cfg: SlaConfig, cal: WorkCalendar) -> None:
    naive = datetime.combine(date(2026, 3, 2), time(9))
    with pytest.raises(ValueError, match="naive"):
        compute_deadlines(cfg, cal, kind="help", category_code=None, urgency="normal", start=naive)
    with pytest.raises(ValueError, match="naive"):
        extend(cal, naive, 1, LimitUnit.working_days)
    with pytest.raises(ValueError, match="naive"):
        reopen_deadline(cfg, cal, reopened_at=naive)
    with pytest.raises(ValueError, match="naive"):
        light(naive, at(2026, 3, 2), at(2026, 3, 3), 0.75)
    with pytest.raises(ValueError, match="naive"):
        remaining(at(2026, 3, 2), naive)
    with pytest.raises(ValueError, match="naive"):
        resume_after_pause(cal, at(2026, 3, 3), naive, at(2026, 3, 2, 10), unit=LimitUnit.working_days)


# ---- CLI -------------------------------------------------------------------------------


@pytest.fixture
def city_file(tmp_path: Path) -> Path:
    """A minimal valid city that includes the demo sla.yaml."""
    path = tmp_path / "city.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "include": [str(DEMO_SLA)],
                "city": {"code": "t", "name": "测试市", "hotline_name": "测试市12345"},
                "units": [{"code": "centre", "name": "热线中心", "type": "centre"}],
                "categories": [],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return path


runner = CliRunner()


def test_cli_national_day_example(city_file: Path) -> None:
    result = runner.invoke(
        sla_app,
        ["deadline", "--start", "2026-09-30T16:00:00+08:00", "--working-days", "3", "--city", str(city_file)],
    )
    assert result.exit_code == 0, result.output
    due = datetime.fromisoformat(result.stdout.strip())
    assert due.utcoffset() == timedelta(hours=8)
    assert due.date() == date(2026, 10, 10)
    assert result.stdout.strip() == "2026-10-10T23:59:59+08:00"


def test_cli_hour_limits(city_file: Path) -> None:
    args = ["deadline", "--start", "2026-09-30T16:00:00+08:00", "--city", str(city_file)]
    assert (
        runner.invoke(sla_app, [*args, "--working-hours", "2"]).stdout.strip() == "2026-10-08T09:00:00+08:00"
    )
    assert (
        runner.invoke(sla_app, [*args, "--natural-hours", "72"]).stdout.strip() == "2026-10-03T16:00:00+08:00"
    )


def test_cli_refuses_naive_start_and_ambiguous_limits(city_file: Path) -> None:
    naive = runner.invoke(
        sla_app,
        ["deadline", "--start", "2026-09-30T16:00:00", "--working-days", "3", "--city", str(city_file)],
    )
    assert naive.exit_code == 2
    assert "timezone" in naive.output
    assert naive.exception is None or isinstance(naive.exception, SystemExit)
    both = runner.invoke(
        sla_app,
        [
            "deadline",
            "--start",
            "2026-09-30T16:00:00+08:00",
            "--working-days",
            "3",
            "--natural-hours",
            "2",
            "--city",
            str(city_file),
        ],
    )
    assert both.exit_code == 2
    none = runner.invoke(
        sla_app, ["deadline", "--start", "2026-09-30T16:00:00+08:00", "--city", str(city_file)]
    )
    assert none.exit_code == 2


def test_cli_unknown_year_is_flagged(city_file: Path) -> None:
    result = runner.invoke(
        sla_app,
        ["deadline", "--start", "2028-03-01T09:00:00+08:00", "--working-days", "3", "--city", str(city_file)],
    )
    assert result.exit_code == 0  # the demo policy guesses Mon–Fri for unknown years …
    assert result.stdout.strip() == "2028-03-06T23:59:59+08:00"
    assert "guessed" in result.output  # … and says so


@pytest.mark.skipif(not DEMO_CITY.exists(), reason="the demo city.yaml is written elsewhere")
def test_cli_default_demo_city() -> None:
    result = runner.invoke(
        sla_app, ["deadline", "--start", "2026-09-30T16:00:00+08:00", "--working-days", "3"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2026-10-10T23:59:59+08:00"


def test_warn_at_is_where_the_light_turns_yellow(cal: WorkCalendar) -> None:
    from hotline.sla.policy import warn_at

    # natural time: 75 % of 4 hours after 08:00 is 11:00
    assert warn_at(at(2026, 3, 2, 8), at(2026, 3, 2, 12), 0.75) == at(2026, 3, 2, 11)
    # working days across National Day: dispatched Wed 30 Sep 16:00, due end of Sat 10 Oct (make-up day)
    start, due = at(2026, 9, 30, 16), cal.add_working_days(at(2026, 9, 30, 16), 3).at
    w = warn_at(start, due, 0.75, cal=cal, unit=LimitUnit.working_days)
    assert light(w - timedelta(minutes=1), start, due, 0.75, cal=cal, unit=LimitUnit.working_days) == "green"
    assert light(w + timedelta(minutes=1), start, due, 0.75, cal=cal, unit=LimitUnit.working_days) == "yellow"
    assert cal.local_date(w) in (date(2026, 10, 9), date(2026, 10, 10))  # never on the holiday


# ---- enterprise demands (涉企诉求): a policy may match who is asking ---------------------


def test_enterprise_demands_get_the_enterprise_policy(cfg: SlaConfig) -> None:
    pick = cfg.policy_for
    assert pick(kind="help", category_code=None, urgency="normal", requester="enterprise").name == "enterprise"
    assert pick(kind="help", category_code=None, urgency="normal").name == "ordinary"  # a citizen by default
    assert pick(kind="consultation", category_code=None, urgency="normal", requester="enterprise").name == "enterprise"
    # urgent comes first: an urgent enterprise demand keeps the urgent limits
    assert pick(kind="help", category_code=None, urgency="urgent", requester="enterprise").name == "urgent"
    p = cfg.policy_named("enterprise")
    assert (str(p.sign_within), str(p.complete_within)) == ("1 working_hours", "2 working_days")


def test_a_requesters_match_is_not_a_catch_all() -> None:
    base = {"sign_within": {"amount": 1, "unit": "working_hours"}, "reply_within": {"amount": 1, "unit": "natural_hours"},
            "complete_within": {"amount": 1, "unit": "working_days"}}
    ok = SlaConfig.model_validate({"policies": [{"name": "firm", "label": "涉企", "match": {"requesters": ["enterprise"]},
                                                 **base}, {"name": "rest", "label": "其他", **base}]})
    assert ok.policy_for(kind="help", category_code=None, urgency="normal", requester="citizen").name == "rest"
    with pytest.raises(ValidationError):
        SlaConfig.model_validate({"policies": [{"name": "x", "label": "x", "match": {"requesters": ["robot"]}, **base}]})
