"""`extend` is capped in total, per clock, by its profile: no statute caps a mediation extension (特邀调解规定
第27条, 医疗条例 第38条: by consent; 人民调解法: no period), so the centre's total JIEFEN_MEDIATION_MAX_EXTENSION_DAYS
(default 30 days of the clock's unit) does. Repeated extensions cannot stretch a clock without limit; a refusal
is a legal guard's 409 naming the days still allowed, and changes nothing."""

from datetime import date

import pytest

from states.enums import State, Trigger as T
from tests.factories import actor, make_case
from tests.workflows.clock_support import settings_env
from tests.workflows.support import events_of, fire_as, local, one_deadline, refused_without_change
from workflows.clocks.profiles import DeadlineKind, profiles
from workflows.errors import GuardRefused

AT = local(2026, 11, 10, 10)


def _extend(days: int) -> dict[str, object]:
    return {"days": days, "reason": "双方同意延长", "consent": True}


def _refused(session, case, days: int) -> GuardRefused:
    exc = refused_without_change(session, AT, case, T.EXTEND, actor(session, "mediator1"), _extend(days), GuardRefused)
    assert [r["rule"] for r in exc.extra["rules"]] == ["mediation_extension_within_cap"]
    return exc


def test_every_mediation_profile_has_a_total_cap():
    mediation = [p for p in profiles() if p.kind is DeadlineKind.MEDIATION]
    assert mediation and all(p.max_extension_days == 30 for p in mediation), [
        (p.name, p.max_extension_days) for p in mediation
    ]
    assert all(p.extension_cap_basis for p in mediation)


def test_repeated_extensions_stop_at_the_total_cap(session):
    case = make_case(session, state=State.MEDIATION)  # accepted Mon 2 Nov: last day Wed 2 Dec
    for _ in range(3):
        fire_as(session, case, T.EXTEND, "mediator1", _extend(10), now=AT)
    d = one_deadline(session, case.id, "mediation")
    assert (d.days, d.extended_days, d.last_day) == (30 + 30, 30, date(2027, 1, 4))  # 1 Jan off, 2–3 weekend

    exc = _refused(session, case, 1)

    assert "调解期限延长合计不得超过30日" in exc.detail and "已延长30日，尚可延长0日" in exc.detail
    assert "按本中心规则" in exc.detail
    assert [e.trigger for e in events_of(session, case.id)].count("extend") == 3


def test_an_extension_past_the_cap_names_the_days_left_and_the_rest_still_fits(session):
    case = make_case(session, state=State.MEDIATION)
    fire_as(session, case, T.EXTEND, "mediator1", _extend(25), now=AT)

    exc = _refused(session, case, 10)
    assert "已延长25日，尚可延长5日" in exc.detail

    fire_as(session, case, T.EXTEND, "mediator1", _extend(5), now=AT)
    assert one_deadline(session, case.id, "mediation").extended_days == 30


def test_one_extension_larger_than_the_cap_is_refused(session):
    case = make_case(session, state=State.MEDIATION)
    exc = _refused(session, case, 365)
    assert "尚可延长30日" in exc.detail


def test_a_paused_clock_counts_its_extensions_too(session):
    case = make_case(session, state=State.MEDIATION)
    fire_as(session, case, T.PAUSE_CLOCK, "mediator1", {"reason": "委托鉴定"}, now=local(2026, 11, 3, 10))
    fire_as(session, case, T.EXTEND, "mediator1", _extend(20), now=local(2026, 11, 4, 10))
    fire_as(session, case, T.RESUME_CLOCK, "mediator1", {"reason": "鉴定结束"}, now=local(2026, 11, 9, 10))

    exc = _refused(session, case, 15)
    assert "已延长20日，尚可延长10日" in exc.detail


def test_a_working_day_clock_is_capped_in_working_days(session):
    case = make_case(session, state=State.DIVERSION, dispute_type="medical")
    fire_as(session, case, T.ACCEPT, "mediator1", {}, now=local(2026, 11, 2, 10))
    fire_as(session, case, T.EXTEND, "mediator1", _extend(30), now=AT)

    exc = _refused(session, case, 1)
    assert "不得超过30个工作日" in exc.detail and "尚可延长0个工作日" in exc.detail


def test_a_new_mediation_clock_after_resumed_mediation_has_a_cap_of_its_own(session):
    case = make_case(session, state=State.MEDIATION)
    fire_as(session, case, T.EXTEND, "mediator1", _extend(30), now=AT)
    fire_as(session, case, T.FAIL, "mediator1", {"reason": "分歧过大"}, now=local(2026, 11, 11, 10))
    fire_as(session, case, T.RESUME_MEDIATION, "mediator1", {"reason": "双方愿意再次调解"}, now=local(2026, 11, 12, 10))

    fire_as(session, case, T.EXTEND, "mediator1", _extend(30), now=local(2026, 11, 13, 10))
    assert one_deadline(session, case.id, "mediation").extended_days == 30


@pytest.mark.parametrize(("cap", "allowed", "refused"), [("5", 5, 6), ("0", None, 1)])
def test_the_centres_cap_is_a_setting(session, monkeypatch, cap, allowed, refused):
    with settings_env(monkeypatch, JIEFEN_MEDIATION_MAX_EXTENSION_DAYS=cap):
        case = make_case(session, state=State.MEDIATION)
        if allowed:
            fire_as(session, case, T.EXTEND, "mediator1", _extend(allowed), now=AT)
        exc = _refused(session, case, refused if not allowed else 1)
        assert f"不得超过{cap}日" in exc.detail
