"""受理回执 (intake_receipt): registered when the window opens a case, rendered by the outbox like every
document, and read by the party — the case number, the centre, the day, what follows and by when, how to
ask — with no username, organization code or party number in it (checked on the real PDF's text)."""

from sqlmodel import select

from models.settings import get_settings
from models.tables import CaseEvent
from states.enums import State
from tests.documents.support import documents_of, rendered
from tests.factories import ID_A, ID_B, make_case
from tests.privacy_support import whole_numbers
from workflows.outbox.documents import render_pending


def test_opening_a_case_registers_a_receipt_on_the_open_event(session):
    case = make_case(session, state=State.INTAKE)
    docs = documents_of(session, case.id)
    assert set(docs) == {"intake_receipt"}
    (receipt,) = docs.values()
    (opened,) = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.trigger == "open"))
    assert receipt.status == "pending" and receipt.source_event_seq == opened.seq


def test_the_receipt_pdf_says_case_number_centre_day_clock_and_where_to_ask(session):
    case = make_case(session, state=State.INTAKE, occurred_on="2026-10-20")
    report = render_pending(session, case_id=case.id)
    assert report.failed == []
    r = rendered(documents_of(session, case.id)["intake_receipt"])
    t = r.flat
    assert "受理回执" in t
    assert case.case_no in t
    assert "西湖区社会治理中心" in t  # window1's organization, the centre
    assert "已于2026年11月2日收到并登记" in t
    days = get_settings().diversion_acceptance_working_days
    assert f"调解组织应当自分流交办之日起{days}个工作日内决定是否受理" in t
    assert "诉讼时效自提出请求之日即2026年11月2日起中断" in t
    assert "民法典》第一百九十五条" in t
    assert "请向受理窗口咨询" in t  # no phone was configured: none is invented
    # addressed to the applicant, who asked; the other side named in the dispute
    assert "申请人张三：你（们）就与李四之间的邻里纠纷提出的调解申请" in t and "被申请人李四：" not in t
    # a party reads it: no username, organization code, internal code or party number
    for internal in ("window1", "CN-ZJ", "intake", "limitation", ID_A, ID_B, "13812345678", "13987654321"):
        assert internal not in t, internal
    assert whole_numbers(r.text) == []  # nothing shaped like an identity or mobile number either


def test_the_enquiry_contact_is_the_centres_setting(session, monkeypatch):
    monkeypatch.setenv("JIEFEN_ENQUIRY_CONTACT", "咨询电话：0571-00000000（工作日）；地址：西湖区示例路1号")
    get_settings.cache_clear()
    try:
        case = make_case(session, state=State.INTAKE)
        render_pending(session, case_id=case.id)
        t = rendered(documents_of(session, case.id)["intake_receipt"]).flat
    finally:
        get_settings.cache_clear()
    assert "咨询电话：0571-00000000（工作日）；地址：西湖区示例路1号" in t
    assert "请向受理窗口咨询" not in t
