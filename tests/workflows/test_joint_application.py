"""Judicial confirmation through the engine on both databases (docs/contract.md §4 v2): the joint
application (民诉法解释 第351条, 人民调解法 第33条), its record (whole for the court, masked in the audit
log), the hand-off package that carries it, withdrawal before the ruling (第357条), re-applying to the
right court after a refusal for want of jurisdiction (第355条), and the court's 立案 and the president's
extension of its 30 days (民事诉讼法 第187条). Last days counted by hand (no holiday in Nov–Dec 2026)."""

from datetime import date

import pytest
from sqlmodel import select

from models.tables import Case, CaseEvent, CourtHandoff
from states.enums import State, Trigger as T
from tests.factories import COURT, ID_GS, actor, case_payload, confirmation_request, make_case
from tests.workflows.clock_support import settings_env
from tests.workflows.handoff_support import OTHER_COURT, extra_courts
from tests.workflows.support import deadlines_of, fire_as, fresh, local, midnight_after, one_deadline, picture
from workflows.engine import fire
from workflows.errors import GuardRefused, PayloadInvalid, ValidationFailed

LAWYER = {"party": 1, "name": "赵律师", "id_number": ID_GS, "authority": "special"}
NOW = local(2026, 11, 4, 10)  # Wed 4 Nov; the agreement of make_case was signed Mon 2 Nov


def request(session, case, body, *, now=NOW, username="mediator1"):
    return fire(
        session, case_id=case.id, trigger=T.REQUEST_CONFIRMATION, actor=actor(session, username), payload=body, now=now
    )


def refused(session, case, body, text, *, trigger=T.REQUEST_CONFIRMATION, now=NOW, username="mediator1"):
    before = picture(session, case.id)
    with pytest.raises(GuardRefused) as exc:
        fire_as(session, case, trigger, username, body, now=now)
    assert text in exc.value.detail, exc.value.detail
    assert picture(session, case.id) == before
    return exc.value


def applications(session, case):
    with fresh(session) as s:
        return s.get(Case, case.id).confirmation["applications"]


def handoffs_of(session, case):
    with fresh(session) as s:
        return list(
            s.exec(select(CourtHandoff).where(CourtHandoff.case_id == case.id).order_by(CourtHandoff.created_at))
        )


# --- who applies -----------------------------------------------------------------------------------------------


def test_a_party_who_neither_signs_nor_sends_an_agent_is_refused_naming_article_351(session):
    case = make_case(session, state=State.AGREEMENT)
    err = refused(session, case, confirmation_request(applicants=[0]), "第351条")
    assert [r["rule"] for r in err.extra["rules"]] == ["joint_application_complete"] and "李四" in err.detail


def test_an_agent_with_special_authority_applies_for_the_party_and_is_recorded(session):
    case = make_case(session, state=State.AGREEMENT)
    request(session, case, confirmation_request(applicants=[0], agents=[LAWYER], signed_on="2026-11-03"))
    with fresh(session) as s:
        event = s.exec(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.trigger == "request_confirmation")
        ).one()
    [application] = applications(session, case)
    assert (application["applicants"], application["signed"], application["signed_on"]) == ([0, 1], [0], "2026-11-03")
    assert application["agents"][0]["id_number"] == ID_GS  # whole on the case, for the court
    assert event.payload["joint_application"]["agents"][0]["id_number"] == "330105********0011"
    assert ID_GS not in str(event.payload)
    [h] = handoffs_of(session, case)
    assert h.package["joint_application"]["agents"] == [LAWYER]
    assert [(a["name"], a["as"]) for a in h.package["applicants"]] == [("张三", "申请人"), ("李四", "申请人")]


def test_an_agent_with_general_authority_does_not_apply_for_the_party(session):
    case = make_case(session, state=State.AGREEMENT)
    general = {**LAWYER, "authority": "general"}
    refused(session, case, confirmation_request(applicants=[0], agents=[general]), "未经特别授权")


def test_a_mediation_organization_is_never_an_agent(session):
    case = make_case(session, state=State.AGREEMENT)
    org = {**LAWYER, "name": "北山街道人民调解委员会"}
    refused(session, case, confirmation_request(agents=[org]), "调解组织（北山街道人民调解委员会）不能作为")


@pytest.mark.parametrize(
    "over,loc",
    [
        ({"applicants": [0, 2]}, ["joint_application", "applicants", 1]),
        ({"agents": [{**LAWYER, "party": 5}]}, ["joint_application", "agents", 0, "party"]),
        ({"signed_on": "2026-11-05"}, ["joint_application", "signed_on"]),  # after today (4 Nov)
        ({"signed_on": "2026-11-01"}, ["joint_application", "signed_on"]),  # before the agreement (2 Nov)
    ],
)
def test_an_application_that_does_not_fit_the_case_is_422_naming_the_field(session, over, loc):
    case = make_case(session, state=State.AGREEMENT)
    with pytest.raises(PayloadInvalid) as exc:
        request(session, case, confirmation_request(**over))
    assert exc.value.loc == loc


@pytest.mark.parametrize(
    "body,field",
    [
        (confirmation_request(applicants=[]), "joint_application.applicants"),
        (confirmation_request(applicants=[1, 1]), "joint_application.applicants"),
        (confirmation_request(signed_on="2026-13-01"), "joint_application.signed_on"),
        (
            confirmation_request(agents=[{**LAWYER, "id_number": "330105199001010012"}]),
            "joint_application.agents.0.id_number",
        ),
        (confirmation_request(agents=[{**LAWYER, "authority": "full"}]), "joint_application.agents.0.authority"),
    ],
)
def test_a_malformed_application_is_422_naming_the_field_never_the_value(session, body, field):
    case = make_case(session, state=State.AGREEMENT)
    with pytest.raises(ValidationFailed) as exc:
        request(session, case, body)
    assert field in [e["field"] for e in exc.value.errors]
    assert "330105199001010012" not in str(exc.value.errors)


# --- withdrawal (民诉法解释 第357条) --------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["mediator1", "court1"])
def test_a_withdrawal_returns_to_the_agreement_and_the_window_runs_on(session, username):
    case = make_case(session, state=State.JUDICIAL_CONFIRMATION)
    body = {"reason": "双方当事人申请撤回", "ruling_no": "（2026）浙0106民特20号"}
    done = fire_as(session, case, T.WITHDRAW_CONFIRMATION, username, body, now=local(2026, 11, 10, 9))
    assert done.state == State.AGREEMENT
    assert one_deadline(session, case.id, "court_decision", status="cancelled")
    [h] = handoffs_of(session, case)
    assert (h.status, h.outcome, h.ruling_no) == ("decided", "withdrawn", "（2026）浙0106民特20号")
    # The agreement took effect Mon 2 Nov: the 30-day window still ends Wed 2 Dec.
    assert one_deadline(session, case.id, "confirmation_window").last_day == date(2026, 12, 2)
    again = request(session, case, confirmation_request(signed_on="2026-11-11"), now=local(2026, 11, 11, 9))
    assert again.state == State.JUDICIAL_CONFIRMATION
    assert len(picture(session, case.id).case["agreement"]["obligations"]) == 1


def test_after_the_window_a_withdrawn_application_cannot_be_made_again(session):
    case = make_case(session, state=State.JUDICIAL_CONFIRMATION)
    fire_as(session, case, T.WITHDRAW_CONFIRMATION, "window1", {"reason": "撤回"}, now=local(2026, 12, 10, 9))
    assert [d.status for d in deadlines_of(session, case.id, "confirmation_window")] == ["met"]
    refused(session, case, confirmation_request(signed_on="2026-12-10"), "期限", now=local(2026, 12, 10, 10))


# --- re-applying after a refusal for want of jurisdiction (民诉法解释 第355条第1款第2项) -------------------------


def rejected(session, kind):
    parties = [
        case_payload()["parties"][0],
        {"role": "respondent", "kind": "person", "name": "李四", "id_number": ID_GS},
    ]
    case = make_case(session, state=State.JUDICIAL_CONFIRMATION, parties=parties)
    body = {
        "ruling_no": "（2026）浙0106民特21号",
        "reason": "不属于本院管辖",
        **({"reason_kind": kind} if kind else {}),
    }
    fire_as(session, case, T.COURT_REJECT, "court1", body, now=local(2026, 11, 9, 9))
    return case


def test_after_a_refusal_for_jurisdiction_the_parties_apply_to_the_right_court(session, engine):
    with extra_courts(engine):
        case = rejected(session, "jurisdiction")
        body = confirmation_request(OTHER_COURT, signed_on="2026-11-10")
        refused(
            session,
            case,
            confirmation_request(COURT, signed_on="2026-11-10"),
            "应向其他有管辖权的人民法院",
            trigger=T.REAPPLY_CONFIRMATION,
            now=local(2026, 12, 10),
        )
        # A month after the agreement's 30 days: the first application was in time (see README).
        done = fire_as(session, case, T.REAPPLY_CONFIRMATION, "mediator1", body, now=local(2026, 12, 10))
        assert (done.state, done.court_code) == (State.JUDICIAL_CONFIRMATION, OTHER_COURT)
        first, second = handoffs_of(session, case)
        assert (first.court_code, first.outcome, second.court_code, second.status) == (
            COURT,
            "rejected",
            OTHER_COURT,
            "pending",
        )
        apps = applications(session, case)
        assert [a["court_code"] for a in apps] == [COURT, OTHER_COURT]
        assert apps[0]["rejection"]["kind"] == "jurisdiction"


@pytest.mark.parametrize("kind", [None, "merits"])
def test_a_refusal_on_other_grounds_is_not_cured_by_another_court(session, engine, kind):
    with extra_courts(engine):
        case = rejected(session, kind)
        body = confirmation_request(OTHER_COURT, signed_on="2026-11-10")
        refused(session, case, body, "第206条", trigger=T.REAPPLY_CONFIRMATION, now=local(2026, 11, 10))


# --- the court: 立案 and the president's extension (民事诉讼法 第187条) ------------------------------------------


def test_the_court_decision_clock_runs_from_the_filing_day(session):
    case = make_case(session, state=State.AGREEMENT)
    request(session, case, confirmation_request())  # Wed 4 Nov: 30 days → Fri 4 Dec, until the court files
    assert one_deadline(session, case.id, "court_decision").last_day == date(2026, 12, 4)
    for bad in ("2026-11-03", "2026-11-10"):  # before the application; after today
        with pytest.raises(PayloadInvalid) as exc:
            fire_as(session, case, T.COURT_FILE, "court1", {"filed_on": bad}, now=local(2026, 11, 9, 15))
        assert exc.value.loc == ["filed_on"]
    fire_as(session, case, T.COURT_FILE, "court1", {"filed_on": "2026-11-09"}, now=local(2026, 11, 9, 15))
    d = one_deadline(session, case.id, "court_decision")
    # Filed Mon 9 Nov: 30 days → Wed 9 Dec.
    assert (d.start_date, d.last_day, d.due_at) == (
        date(2026, 11, 9),
        date(2026, 12, 9),
        midnight_after(date(2026, 12, 9)),
    )
    [h] = handoffs_of(session, case)
    assert (h.status, h.accepted_at) == ("accepted", local(2026, 11, 9, 15))


def test_the_presidents_extension_lengthens_the_clock_and_survives_a_later_filing(session):
    case = make_case(session, state=State.AGREEMENT)
    request(session, case, confirmation_request())
    body = {"days": 10, "approved_by": "院长 周某", "reason": "需要通知当事人补充材料"}
    fire_as(session, case, T.COURT_EXTEND, "court1", body, now=local(2026, 11, 20, 9))
    # Wed 4 Nov + 40 days → Mon 14 Dec.
    assert one_deadline(session, case.id, "court_decision").last_day == date(2026, 12, 14)
    fire_as(session, case, T.COURT_FILE, "court1", {"filed_on": "2026-11-09"}, now=local(2026, 11, 21, 9))
    # Filed Mon 9 Nov + 40 days → Sat 19 Dec → Mon 21 Dec.
    assert one_deadline(session, case.id, "court_decision").last_day == date(2026, 12, 21)
    [application] = applications(session, case)
    assert application["extensions"][0]["approved_by"] == "院长 周某" and application["filed_on"] == "2026-11-09"


def test_the_2011_profile_caps_the_extension_at_ten_days(session, monkeypatch):
    case = make_case(session, state=State.AGREEMENT)
    with settings_env(monkeypatch, JIEFEN_COURT_DECISION_PROFILE="spc2011"):
        request(session, case, confirmation_request())
        body = {"days": 11, "approved_by": "院长 周某", "reason": "案情复杂"}
        refused(session, case, body, "不得超过10日", trigger=T.COURT_EXTEND, now=local(2026, 11, 10), username="court1")
        fire_as(session, case, T.COURT_EXTEND, "court1", {**body, "days": 10}, now=local(2026, 11, 10))
    # Wed 4 Nov + 25 days → Sun 29 Nov → Mon 30 Nov.
    assert one_deadline(session, case.id, "court_decision").last_day == date(2026, 11, 30)
