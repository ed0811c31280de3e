"""Every legal guard, both ways, as a pure function."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from states.enums import DisputeType, State
from states.guards import GUARDS, CaseSnapshot

NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
D = DisputeType


def snap(**kw) -> CaseSnapshot:
    base = CaseSnapshot(
        state=State.AGREEMENT,
        dispute_type=D.CONTRACT,
        agreement_form="written",
        confirmation_due_at=NOW + timedelta(days=1),
    )
    return replace(base, **kw)


def check(name: str, case: CaseSnapshot, payload=None):
    return GUARDS[name](case, payload or {}, NOW)


def test_request_confirmation_within_window_passes():
    assert check("within_confirmation_window", snap()).ok


def test_request_confirmation_at_the_end_of_the_window_is_refused():
    v = check("within_confirmation_window", snap(confirmation_due_at=NOW))
    assert not v.ok and "第33条" in v.reason and "期限" in v.reason


def test_the_window_end_is_shown_in_beijing_time_named_never_utc():
    end = datetime(2026, 11, 29, tzinfo=ZoneInfo("Asia/Shanghai"))  # 00:00: the end of 11-28
    v = GUARDS["within_confirmation_window"](snap(confirmation_due_at=end), {}, end + timedelta(hours=1))
    assert not v.ok and "2026-11-28 24:00（北京时间）" in v.reason
    assert "UTC" not in v.reason and "+00:00" not in v.reason and "+08:00" not in v.reason


def test_request_confirmation_without_effective_date_is_refused():
    assert not check("within_confirmation_window", snap(confirmation_due_at=None)).ok


@pytest.mark.parametrize("dtype", [D.FAMILY, D.OTHER])
def test_a_case_flagged_as_a_status_matter_cannot_be_confirmed_whatever_its_type(dtype):
    v = check("not_a_status_matter", snap(dispute_type=dtype, status_matter=True))
    assert not v.ok and "民诉法解释 第355条第1款第3项" in v.reason


def test_an_agreement_that_decides_status_cannot_be_confirmed():
    v = check("not_a_status_matter", snap(dispute_type=D.FAMILY, refs={"agreement_decides_status": True}))
    assert not v.ok and "第355条第1款第3项" in v.reason


def test_a_family_agreement_on_maintenance_alone_may_be_confirmed():
    assert check("not_a_status_matter", snap(dispute_type=D.FAMILY, status_matter=False)).ok


def test_ownership_confirmation_is_refused_under_item_5():
    v = check("not_an_ownership_confirmation", snap(refs={"ownership_confirmation": True}))
    assert not v.ok and "第355条第1款第5项" in v.reason and "第4项" not in v.reason
    assert check("not_an_ownership_confirmation", snap(refs={"ownership_confirmation": False})).ok


def test_a_court_without_jurisdiction_is_refused_under_item_2():
    v = check(
        "court_has_jurisdiction", snap(refs={"competent_courts": [("CN-A", "甲区人民法院")]}), {"court_code": "X"}
    )
    assert not v.ok and "第205条" in v.reason and "第355条第1款第2项" in v.reason


def test_oral_agreement_cannot_be_confirmed():
    v = check("written_agreement", snap(agreement_form="oral"))
    assert not v.ok and "人民调解法 第29条" in v.reason
    assert check("written_agreement", snap(agreement_form="written")).ok


@pytest.mark.parametrize(
    "dtype", [D.CONTRACT, D.COMMERCIAL, D.CONSUMER, D.TRAFFIC, D.MEDICAL, D.PROPERTY, D.NEIGHBOUR, D.OTHER]
)
def test_agreement_types_need_an_arbitration_agreement(dtype):
    assert not check("arbitrable", snap(dispute_type=dtype, arbitration_agreement=False)).ok
    assert check("arbitrable", snap(dispute_type=dtype, arbitration_agreement=True)).ok


@pytest.mark.parametrize("dtype", [D.LABOUR, D.LAND_CONTRACT])
def test_labour_and_land_may_always_be_arbitrated(dtype):
    assert check("arbitrable", snap(dispute_type=dtype, arbitration_agreement=False)).ok


def test_family_is_never_arbitrated():
    v = check("arbitrable", snap(dispute_type=D.FAMILY, arbitration_agreement=True))
    assert not v.ok and "仲裁法 第3条" in v.reason


def test_arbitration_body_must_fit_the_dispute_type():
    assert check("arbitration_body_competent", snap(dispute_type=D.LABOUR, refs={"body_kind": "labour_arbitration"})).ok
    assert not check(
        "arbitration_body_competent", snap(dispute_type=D.LABOUR, refs={"body_kind": "commercial_arbitration"})
    ).ok


def test_clock_guards():
    assert check("clock_running", snap(clock="running")).ok
    assert not check("clock_running", snap(clock="paused")).ok
    assert check("clock_paused", snap(clock="paused")).ok
    assert not check("clock_paused", snap(clock="running")).ok
    assert not check("mediation_clock_exists", snap(clock=None)).ok


def test_a_land_requisition_dispute_is_refused_land_contract_arbitration_naming_the_article():
    requisition = snap(state=State.FAILED, dispute_type=D.LAND_CONTRACT, land_requisition=True)
    v = check("not_land_requisition", replace(requisition, refs={"body_kind": "land_arbitration"}))
    assert not v.ok and "第2条第3款" in v.reason and "行政复议或者诉讼" in v.reason
    assert not check("not_land_requisition", requisition).ok  # body not resolved: the type's own body
    assert check("not_land_requisition", replace(requisition, land_requisition=False)).ok
    other = snap(state=State.FAILED, dispute_type=D.OTHER, land_requisition=True, arbitration_agreement=True)
    assert check("not_land_requisition", replace(other, refs={"body_kind": "commercial_arbitration"})).ok
