"""居民身份证号 (docs/contract.md §5 `id_number`: a valid 居民身份证号): the area code is where the number
was issued, so a county's code is valid whatever the holder's birth year — python-stdnum ties each
county to the years it existed and refused, e.g., every 西湖区 resident born before the district was
created in 1983. Each refusal names its own reason and never the number."""

from datetime import datetime, timedelta

import pytest
from stdnum import numdb
from stdnum.cn import ric

from models.fields import validate_id_number
from models.settings import get_settings


def _county_years(code: str) -> str:
    """The county entry stdnum holds for an area code, e.g. "[1983-]西湖区"."""
    return next(props["county"] for _, props in numdb.get("cn/loc").info(code) if "county" in props)


# People born before their county's code existed (the year range is stdnum's own data), each number's
# check digit computed by GB 11643.
BORN_BEFORE_THEIR_COUNTY = [
    ("330106197805120029", "[1983-]西湖区", "born 1978 in what became 西湖区, 杭州"),
    ("11011219800301003X", "[1997-]通州区", "born 1980, 通州 a county until 1997"),
    ("33011019750815004X", "[2001-]余杭区", "born 1975, 余杭 a county-level city until 2001"),
    ("330104197001010059", "[1983-2021]江干区", "born 1970 in 江干区 (1983–2021)"),
]


@pytest.mark.parametrize("number, county, _why", BORN_BEFORE_THEIR_COUNTY, ids=[c[2] for c in BORN_BEFORE_THEIR_COUNTY])
def test_a_county_code_is_valid_whatever_the_birth_year(number, county, _why):
    assert _county_years(number[:6]) == county  # the data really says the county came later
    assert not ric.is_valid(number)  # which is why python-stdnum alone refuses it

    assert validate_id_number(number) == number


def test_a_county_abolished_before_the_birth_is_still_a_county_that_existed():
    number = "110103196006060061"  # 崇文区, abolished 2010: a person born there in 1960 keeps the code
    assert _county_years("110103") == "[-2010]崇文区"

    assert validate_id_number(number) == number


def _refusal(number: str) -> str:
    with pytest.raises(ValueError) as e:
        validate_id_number(number)
    msg = str(e.value)
    assert number not in msg and number[:14] not in msg
    return msg


def _with_check_digit(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@pytest.mark.parametrize(
    "number, reason",
    [
        ("330106197805120021", "校验码错误"),  # the 1978 西湖区 number, last digit changed
        ("110105194912310021", "校验码错误"),
        (_with_check_digit("11010519990230001"), "出生日期不是真实日期"),  # 1999-02-30
        (_with_check_digit("11010519991301001"), "出生日期不是真实日期"),  # month 13
        (_with_check_digit("11010518991231001"), "早于1900年"),
        (_with_check_digit("99010119900101001"), "地区码"),  # no province 99
        (_with_check_digit("33990119900101001"), "地区码"),  # 浙江 but no city 99
        ("11010519491231002", "应为18位"),
        ("11010519491231ABCX", "格式不正确"),
        ("1101051949123100２Y", "格式不正确"),
        ("11010519491231٠٠2X", "格式不正确"),  # Arabic-Indic digits are not digits here
    ],
)
def test_each_refusal_names_its_reason_and_not_the_number(number, reason):
    assert reason in _refusal(number)


def test_a_birth_date_tomorrow_is_refused_as_later_than_today():
    tomorrow = datetime.now(get_settings().tz).date() + timedelta(days=1)
    number = _with_check_digit(f"110105{tomorrow:%Y%m%d}001")

    assert "出生日期晚于今天" in _refusal(number)


def test_born_on_1900_01_01_is_accepted():
    number = _with_check_digit("11010519000101001")

    assert validate_id_number(number) == number


def test_a_lower_case_x_and_full_width_digits_are_normalized():
    assert validate_id_number(" 11011219800301003x ") == "11011219800301003X"
    assert validate_id_number("３３０１０６１９７８０５１２００２９") == "330106197805120029"


@pytest.mark.parametrize("county", ["330113", "330114"], ids=["临平区", "钱塘区"])
def test_a_district_newer_than_the_package_data_under_a_known_city_is_accepted(county):
    # Both created in 2021 under 杭州市 (330100); python-stdnum 2.2 does not list them yet.
    assert not any("county" in props for _, props in numdb.get("cn/loc").info(county))
    number = _with_check_digit(f"{county}19900101001")

    assert validate_id_number(number) == number
