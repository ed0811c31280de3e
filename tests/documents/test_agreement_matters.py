"""The agreement's 争议事项 (人民调解法 第29条): the mediator's `matters` when given, else the case's summary as
before (the field is optional: clients that never send it keep working)."""

from states.enums import State
from tests.documents.support import documents_of, rendered
from tests.factories import agreement_payload, make_case
from workflows.outbox.documents import render_pending

MATTERS = "维修费用的数额及由谁承担；卫生间防水层由谁修复。"
SUMMARY = "楼上漏水导致楼下天花板受损，双方就维修费用协商未果"  # tests.factories.case_payload


def _agreement_text(session, **payload) -> str:
    case = make_case(session, state=State.AGREEMENT, agreement={**agreement_payload(), **payload})
    assert render_pending(session, case_id=case.id).failed == []
    return rendered(documents_of(session, case.id)["mediation_agreement"]).flat


def test_the_disputed_matters_are_printed_under_their_heading(session):
    t = _agreement_text(session, matters=MATTERS)
    assert f"争议事项：{MATTERS}" in t
    assert t.index("一、纠纷的主要事实和争议事项") < t.index(MATTERS) < t.index("二、各方当事人的责任")


def test_without_matters_the_summary_stands_for_them(session):
    assert f"争议事项：{SUMMARY}" in _agreement_text(session)
