"""Every legal guard, both ways, as a pure function."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

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


def test_request_confirmation_without_effective_date_is_refused():
    assert not check("within_confirmation_window", snap(confirmation_due_at=None)).ok


def test_family_status_matter_cannot_be_confirmed():
    v = check("not_a_status_matter", snap(dispute_type=D.FAMILY, status_matter=True))
    assert not v.ok and "355" in v.reason


@pytest.mark.parametrize(
    "kw", [dict(dispute_type=D.FAMILY, status_matter=False), dict(dispute_type=D.CONTRACT, status_matter=True)]
)
def test_non_status_family_and_other_types_may_be_confirmed(kw):
    assert check("not_a_status_matter", snap(**kw)).ok


def test_oral_agreement_cannot_be_confirmed():
    assert not check("written_agreement", snap(agreement_form="oral")).ok
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
