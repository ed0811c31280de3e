"""The Chinese wording of every message the centre sends, one template per event.

SMS templates are registered with the provider by name (Alibaba Cloud: a template code per name,
`JIEFEN_SMS_TEMPLATES`); the text here is what the fake provider records and what the email body says.
"""

from collections.abc import Mapping

SMS_TEMPLATES: dict[str, str] = {
    "otp": "您的验证码为{code}，{minutes}分钟内有效。请勿告诉他人；如非本人操作，请忽略本短信。",
}


def render_sms(template: str, params: Mapping[str, str]) -> str:
    return SMS_TEMPLATES[template].format_map(dict(params))
