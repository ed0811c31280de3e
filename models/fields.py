"""Field types the API schemas share: text without control characters, codes, region codes, amounts
of money, identity numbers, credit codes and phone numbers, and timestamps shown in local time.

Validation messages name the rule and never echo an identity number or phone back.
"""

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import email_validator
import phonenumbers
from pydantic import AfterValidator, AwareDatetime, Field, PlainSerializer, StringConstraints
from stdnum import exceptions as stdnum_errors, numdb
from stdnum.cn import ric, uscc

from models.settings import get_settings
from states.labels import zone_label


def _local_iso(dt: datetime) -> str:
    return dt.astimezone(get_settings().tz).isoformat()


LocalDateTime = Annotated[datetime, PlainSerializer(_local_iso, return_type=str, when_used="json")]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(v: str) -> str:
    """No NUL or other control characters (PostgreSQL refuses NUL; none belongs in a record), and no bidi
    control: every text field is shown on screens and printed in documents (no_bidi_controls)."""
    if _CONTROL.search(v):
        raise ValueError("含有不允许的控制字符（如 NUL）")
    return no_bidi_controls(v)


# --- what a reader sees -------------------------------------------------------------------------------
# Bidi controls reorder what is displayed: "赔偿\u202e00058元" shows as 赔偿85000元, "李\u202e四" as 李四
# reversed. In a case page, an agreement PDF or the court's package the text would not read as stored, so
# every text field refuses them. Names refuse every invisible format character (Unicode Cf: these, zero-width
# spaces and joiners, U+FEFF, the soft hyphen…) and line/paragraph separators: two names that look alike
# must be the same name. Free text keeps the others: pasted from a word processor, they reorder nothing.

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
NAME_REFUSED_CATEGORIES = frozenset({"Cf", "Zl", "Zp"})


def no_bidi_controls(v: str) -> str:
    for c in v:
        if c in BIDI_CONTROLS:
            raise ValueError(f"含有改变文字显示方向的控制字符（U+{ord(c):04X}）：显示或打印的内容会与实际内容不符")
    return v


def plain_name(v: str) -> str:
    """A name of a person or an organization: no invisible format or separator character."""
    for c in v:
        if unicodedata.category(c) in NAME_REFUSED_CATEGORIES:
            raise ValueError(
                f"名称中含有不可见的格式控制字符（U+{ord(c):04X}）：名称只能由可见字符组成，"
                "以免显示、打印的名称与登记的不符"
            )
    return v


def _nfkc(v: str) -> str:
    """Full-width digits and letters typed with a Chinese IME (１２３Ｘ) become their ASCII forms."""
    return unicodedata.normalize("NFKC", v)


Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000), AfterValidator(printable)
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(printable)
]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), AfterValidator(printable)]
# A name people read: a party, its representative or agent, an organization, a mediator, a user's display name.
Name = Annotated[ShortText, AfterValidator(plain_name)]
PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(printable),
    AfterValidator(plain_name),
]


def _region(v: str) -> str:
    v = _nfkc(v).strip()
    if not re.fullmatch(r"[0-9]{6}([0-9]{3}([0-9]{3})?)?", v):
        raise ValueError("行政区划代码应为6位（县级）、9位（乡镇级）或12位（村级）数字")
    return v


RegionCode = Annotated[str, AfterValidator(_region)]


def _money(v: Decimal) -> Decimal:
    if not v.is_finite():
        raise ValueError("金额必须是有限数值")
    if v < 0:
        raise ValueError("金额不能为负数")
    if v.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("金额最多保留两位小数（元、角、分）")
    if v >= Decimal("1e13"):
        raise ValueError("金额超出可登记范围")
    return v


Money = Annotated[Decimal, AfterValidator(_money), PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]


# --- dates at the edge ----------------------------------------------------------------------------------
# Not law: the range in which a date a payload carries can be a real record of a dispute, and inside which
# every clock counted from it stays within the calendar Python holds (a due date in 9998 plus the two
# years of 民事诉讼法 第250条 is year 10000). Each refusal is a 422 naming the field and the range.

EARLIEST_EVENT = date(1900, 1, 1)  # when a dispute's facts happened (occurred_on)
EARLIEST_RECORD = date(1990, 1, 1)  # agreements, their due dates, signing times, referrals received
YEARS_AHEAD = 30  # a due date at most this many years from today


def local_today() -> date:
    return datetime.now(get_settings().tz).date()


def years_later(day: date, years: int) -> date:
    """The corresponding day `years` later; none (29 February): 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _in_range(v: date, earliest: date, latest: date, later_rule: str) -> None:
    if v < earliest:
        raise ValueError(f"日期不能早于 {earliest.isoformat()}")
    if v > latest:
        raise ValueError(later_rule)


def _event_date(v: date) -> date:
    _in_range(v, EARLIEST_EVENT, local_today(), "日期不能晚于今天")
    return v


def _record_date(v: date) -> date:
    _in_range(v, EARLIEST_RECORD, local_today(), "日期不能晚于今天")
    return v


def _due_date(v: date) -> date:
    latest = years_later(local_today(), YEARS_AHEAD)
    _in_range(v, EARLIEST_RECORD, latest, f"日期不能晚于 {latest.isoformat()}（今天起{YEARS_AHEAD}年内）")
    return v


def _reported_date(v: date) -> date:
    """A day a transition's payload reports (an application received, a filing, an award served): from 1990;
    whether it lies after the transition's own today is the stage's rule (it knows the transition's `now`,
    which a sweep or a test may set), so here only a year no clock counted from it can reach is refused."""
    latest = years_later(local_today(), YEARS_AHEAD)
    _in_range(v, EARLIEST_RECORD, latest, f"日期不能晚于 {latest.isoformat()}（今天起{YEARS_AHEAD}年内）")
    return v


def _record_time(v: datetime) -> datetime:
    """Not before 1990-01-01 00:00 in JIEFEN_TIMEZONE (a time without an offset is read there). Whether it
    lies in the future is the caller's rule (it knows the transition's `now`); a year no clock can reach is
    refused here, so that comparing and converting it never overflows."""
    if v.year >= 9999:
        raise ValueError("时间不能晚于当前时间")
    tz = get_settings().tz
    if (
        v.year < EARLIEST_RECORD.year
        or (v if v.tzinfo else v.replace(tzinfo=tz)).astimezone(tz).date() < EARLIEST_RECORD
    ):
        raise ValueError(f"时间不能早于 {EARLIEST_RECORD.isoformat()} 00:00（{zone_label(tz)}）")
    return v


def _clock_time(v: datetime) -> datetime:
    """An instant a clock may be looked at (supervision's `as_of`): 1990 to 30 years from today."""
    _record_time(v)
    latest = years_later(local_today(), YEARS_AHEAD)
    if v.astimezone(get_settings().tz).date() > latest:
        raise ValueError(f"时间不能晚于 {latest.isoformat()}（今天起{YEARS_AHEAD}年内）")
    return v


EventDate = Annotated[date, AfterValidator(_event_date)]  # 1900-01-01 .. today
RecordDate = Annotated[date, AfterValidator(_record_date)]  # 1990-01-01 .. today
DueDate = Annotated[date, AfterValidator(_due_date)]  # 1990-01-01 .. today + 30 years
ReportedDate = Annotated[date, AfterValidator(_reported_date)]  # 1990-01-01 .. today + 30 years; the stage: ≤ today
RecordDateTime = Annotated[datetime, AfterValidator(_record_time)]  # from 1990-01-01 00:00 北京时间
ClockTime = Annotated[AwareDatetime, AfterValidator(_clock_time)]  # 1990 .. today + 30 years


# --- numbers at the edge --------------------------------------------------------------------------------
# Not law either: how many parties one case may name (CaseCreate.parties), so that every position a payload
# gives (an obligation's obligor and obligee, a joint application's applicants and agents) is bounded too.

MAX_PARTIES = 200
PartyPosition = Annotated[int, Field(strict=True, ge=0, le=MAX_PARTIES - 1)]  # a party's place, from 0


# The birth dates an identity number may carry: no one alive was born before 1900 (a typo, not a person).
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def _region_existed(code: str) -> bool:
    """The 6-digit area code (GB/T 2260) names a county that existed at some time, or one under a city
    that exists (python-stdnum's data).

    stdnum ties each county to the years it existed ("[1983-]西湖区") and refuses a number whose birth
    year lies outside them. That is wrong for identity numbers: the code is the area where the number was
    issued, so a 西湖区 resident born in 1978 (the district was created in 1983) carries 330106 — the years
    are ignored here. stdnum's list also lags new districts (杭州 330113 临平区 and 330114 钱塘区, 2021):
    a county code it does not know under a city it knows is accepted, so a real resident is never turned
    away at the window (the check digit still catches mistyped numbers). A province alone does not count."""
    db = numdb.get("cn/loc")
    if any("county" in props for _, props in db.info(code)):
        return True
    city = code[:4] + "00"
    return code[4:] != "00" and any("county" in props for _, props in db.info(city))


def validate_id_number(v: str) -> str:
    """A 居民身份证号 (GB 11643): 18 characters, the check digit right, a county that existed (or a new one
    under a known city), a real birth
    date between 1900 and today. Each refusal names its reason and never the number."""
    v = ric.compact(_nfkc(v))
    if len(v) != 18:
        raise ValueError("居民身份证号应为18位")
    if not v[:17].isdigit() or not v[:17].isascii() or v[17] not in "0123456789X":
        raise ValueError("居民身份证号格式不正确：前17位应为数字，末位为数字或X")
    if v[17] != ric.calc_check_digit(v):
        raise ValueError("居民身份证号校验码错误：末位校验位与前17位不符（GB 11643）")
    try:
        born = ric.get_birth_date(v)
    except stdnum_errors.ValidationError:
        raise ValueError("居民身份证号中的出生日期不是真实日期") from None
    if born > datetime.now(get_settings().tz).date():
        raise ValueError("居民身份证号中的出生日期晚于今天")
    if born < EARLIEST_BIRTH_DATE:
        raise ValueError(f"居民身份证号中的出生日期早于{EARLIEST_BIRTH_DATE.year}年，不是真实出生日期")
    if not _region_existed(v[:6]):
        raise ValueError("居民身份证号中的地区码（前6位）不存在（GB/T 2260）")
    return v


def validate_uscc(v: str) -> str:
    v = _nfkc(v).strip().upper()
    try:
        return uscc.validate(v)
    except stdnum_errors.InvalidLength:
        raise ValueError("统一社会信用代码应为18位") from None
    except stdnum_errors.InvalidChecksum:
        raise ValueError("统一社会信用代码校验码错误（GB 32100）") from None
    except stdnum_errors.ValidationError:
        raise ValueError("统一社会信用代码格式不正确（GB 32100）") from None


def validate_email(v: str) -> str:
    """An email address as email-validator reads it (syntax only: no DNS lookup at the window), its domain
    normalised; at most 254 characters (RFC 5321)."""
    raw = _nfkc(v).strip()
    if len(raw) > 254:
        raise ValueError("电子邮箱地址过长（最多254个字符）")
    try:
        return str(email_validator.validate_email(raw, check_deliverability=False).normalized)
    except email_validator.EmailNotValidError:
        raise ValueError("电子邮箱地址格式不正确（应如 name@example.com）") from None


def validate_phone(v: str) -> str:
    raw = _nfkc(v).strip()
    if not raw or len(raw) > 24:
        raise ValueError("电话号码格式不正确")
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        raise ValueError("电话号码格式不正确") from None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise ValueError("不是有效的中国大陆手机或固定电话号码")
    return re.sub(r"\D", "", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
