"""Amounts of money in figures and in capital Chinese (大写), as a court expects them."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import cn2an


def to_decimal(amount: str | Decimal | int) -> Decimal:
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"金额格式不正确：{amount!r}") from None
    if value < 0:
        raise ValueError(f"金额不能为负：{amount}")
    return value


def in_figures(amount: str | Decimal | int) -> str:
    """85000 -> '人民币 85,000.00 元'."""
    return f"人民币 {to_decimal(amount):,.2f} 元"


def in_capitals(amount: str | Decimal | int) -> str:
    """85000 -> '人民币捌万伍仟元整'; 8500.5 -> '人民币捌仟伍佰元伍角整'; 12345.67 -> '…陆角柒分'.

    One rule for every amount: 整 after 元 or 角, never after 分 (中国人民银行《支付结算办法》附件
    《正确填写票据和结算凭证的基本规定》: 到"元"为止的写"整"，到"角"为止的可写可不写，有"分"的不写 —
    written here always, so that no two amounts of one document end differently)."""
    value = to_decimal(amount)
    if value == 0:
        return "人民币零元整"
    text = cn2an.an2cn(format(value, "f"), "rmb")
    if text.endswith("角"):
        text += "整"
    return "人民币" + text


def in_numerals(n: int) -> str:
    """4 -> '四' (a count in the running text of a legal document: 一式四份)."""
    if int(n) != n or n < 0:
        raise ValueError(f"不是非负整数：{n!r}")
    return cn2an.an2cn(int(n), "low")
