"""The Chinese wording of every message the centre sends, one template per event.

SMS templates are registered with the provider by name (Alibaba Cloud: a template code per name,
`JIEFEN_SMS_TEMPLATES`); the text here is what the fake provider records and what the email body says.
An email says the same as the SMS: its subject is `EMAIL_SUBJECTS[template]`, its body the SMS text
followed by how to ask the centre (`render_email`).

The parameters are the case number (`case_no`), the centre (`centre`), the organization or court that
handles the case (`org`, `court`), and dates written out in Chinese (`date`): never an internal code, a
username, a note, an identity number or a phone. Every value is a short string (Alibaba Cloud refuses
longer variables than its template allows).
"""

from collections.abc import Mapping

SMS_TEMPLATES: dict[str, str] = {
    "otp": "您的验证码为{code}，{minutes}分钟内有效。请勿告诉他人；如非本人操作，请忽略本短信。",
    # 受理: the case registered at intake (or online). Not yet 受理 by a mediation body, which the window may
    # still refuse (不予受理) or pass to an agency: "已登记", and no promise of a date the law does not set.
    "case_opened": "{centre}已登记您的矛盾纠纷调解申请，案件编号{case_no}。"
    "中心将审核后分流至调解组织办理，请保持电话畅通。",
    # 分流: the organization that will handle the case.
    "case_diverted": "{centre}通知：案件{case_no}已分流至{org}办理，该组织将与您联系。",
    # 受理调解: the organization accepted the case.
    "mediation_accepted": "{centre}通知：{org}已受理案件{case_no}的调解，调解员将与您联系约定调解时间。",
    # 达成协议: the agreement, and the thirty days to apply for judicial confirmation.
    "agreement_reached": "{centre}通知：案件{case_no}已达成调解协议。双方当事人可以自调解协议生效之日起三十日内，"
    "共同向人民法院申请司法确认（《中华人民共和国民事诉讼法》第二百零五条）。",
    # 司法确认结果.
    "confirmation_granted": "{centre}通知：{court}已裁定案件{case_no}的调解协议有效。"
    "一方拒绝履行或者未全部履行的，对方当事人可以向人民法院申请执行。",
    "confirmation_refused": "{centre}通知：{court}裁定驳回案件{case_no}的司法确认申请。当事人可以通过调解方式"
    "变更原调解协议或者达成新的调解协议，也可以向人民法院提起诉讼。",
    # 期限提醒: the thirty days to apply for judicial confirmation end soon.
    "confirmation_window_reminder": "{centre}提醒：案件{case_no}申请司法确认的期限将于{date}届满。"
    "如需申请，请在此之前与对方当事人共同向人民法院提出。",
    # 终止调解: mediation ended without agreement (人民调解法 第二十六条).
    "mediation_ended": "{centre}通知：案件{case_no}的调解已终止，未能达成调解协议。"
    "您可以依法通过仲裁、行政、司法等途径维护自己的权利。",
}

EMAIL_SUBJECTS: dict[str, str] = {
    "case_opened": "案件{case_no}：已登记您的调解申请",
    "case_diverted": "案件{case_no}：已分流至调解组织",
    "mediation_accepted": "案件{case_no}：调解组织已受理调解",
    "agreement_reached": "案件{case_no}：已达成调解协议",
    "confirmation_granted": "案件{case_no}：司法确认结果",
    "confirmation_refused": "案件{case_no}：司法确认结果",
    "confirmation_window_reminder": "案件{case_no}：申请司法确认期限即将届满",
    "mediation_ended": "案件{case_no}：调解已终止",
}

EMAIL_FOOTER = "\n\n{centre}\n{enquiry}\n本邮件由系统自动发送，请勿直接回复。"


def render_sms(template: str, params: Mapping[str, str]) -> str:
    return SMS_TEMPLATES[template].format_map(dict(params))


def render_email(template: str, params: Mapping[str, str], *, enquiry: str) -> tuple[str, str]:
    """(subject, plain-text body): the SMS wording, then the centre and how to ask it."""
    values = dict(params)
    subject = EMAIL_SUBJECTS[template].format_map(values)
    body = render_sms(template, values) + EMAIL_FOOTER.format(centre=values.get("centre", ""), enquiry=enquiry)
    return subject, body
