"""What "a whole number" is in the privacy tests: the known numbers of a test case's parties and
agent (and the applicant's email), and anything else shaped like a 居民身份证号 or a mobile number.

The shapes are bounded by letters as well as digits, so that a SHA-256 or a UUID in a body (an event's
hash, a document id) is never taken for a number; the known numbers are looked for as plain substrings.
"""

import re
from typing import Any

from tests.factories import ID_A, ID_B

PHONE_A = "13812345678"  # tests/factories.case_payload's parties
PHONE_B = "13987654321"
ID_AGENT = "330106199203150027"  # tests/api/steps.ID_D: the agent of the joint application
PHONE_IN_TEXT = "13700001111"  # typed into free text: a summary, an agreement's facts
ID_IN_TEXT = "330105199001010011"
EMAIL_A = "zhangsan.notice@example.com"  # the applicant's email, where the privacy sweeps give one

KNOWN = (ID_A, ID_B, ID_AGENT, PHONE_A, PHONE_B, PHONE_IN_TEXT, ID_IN_TEXT, EMAIL_A)
_SHAPES = re.compile(r"(?<![0-9A-Za-z.])(?:\d{17}[\dXx]|1[3-9]\d{9})(?![0-9A-Za-z])")


def whole_numbers(text: str) -> list[str]:
    """Every whole identity number or mobile number in `text` (a raw JSON body, a page, a PDF's text)."""
    found = [n for n in KNOWN if n in text]
    return found + [m for m in _SHAPES.findall(text) if m not in found]


def texts_with_numbers() -> dict[str, Any]:
    """Free text a clerk or a mediator might type with a number in it."""
    return {
        "summary": f"楼上漏水导致楼下天花板受损，申请人另留电话{PHONE_IN_TEXT}，双方就维修费用协商未果",
        "facts": f"2026年10月，李四（身份证号{ID_IN_TEXT}）家卫生间漏水致张三家天花板受损。",
    }
