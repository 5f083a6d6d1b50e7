"""Money: Decimal amounts stored in 万元 (CNY 10,000), foreign capital in 万美元.

Never float (DESIGN.md). Amounts are shown in 万元 below 1亿 and in 亿元 from 1亿 up. The
parser reads what office sheets hold: thousands separators, full-width digits pasted from a
PDF, a trailing unit.
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

#: 1亿 = 10,000 万.
WAN_PER_YI = Decimal(10000)

_UNIT_SUFFIX = re.compile(r"(万美元|万元|亿元|万|亿|元)$")


def to_wan(value: object) -> Decimal:
    """An amount in 万元 from a number or a sheet's text; raises ValueError on anything else.

    "1,234.5", "１２３４．５" (full-width), "1234.5万元" and "1.2亿" are read; a bare number
    is taken to be in 万元.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or value is None:
        raise ValueError(_("不是金额：%(value)r") % {"value": value})
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # Excel hands numbers over as floats; their shortest repr is what the sheet showed.
        return Decimal(repr(value))
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
    multiplier = Decimal(1)
    suffix = _UNIT_SUFFIX.search(text)
    if suffix:
        text = text[: suffix.start()]
        if suffix[1] in ("亿", "亿元"):
            multiplier = WAN_PER_YI
        elif suffix[1] == "元":
            multiplier = Decimal(1) / WAN_PER_YI
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("不是金额：%(value)r") % {"value": value}) from None
    if not amount.is_finite():
        raise ValueError(_("不是金额：%(value)r") % {"value": value})
    return amount * multiplier


def format_wan(amount: Decimal | None, *, currency: str = "CNY") -> str:
    """An amount in 万元 (or 万美元) as people read it: "5,000万元", "1.25亿元"."""
    if amount is None:
        return "—"
    if currency == "USD":
        return _("%(amount)s万美元") % {"amount": _group(amount, 2)}
    if abs(amount) >= WAN_PER_YI:
        return _("%(amount)s亿元") % {"amount": _group(amount / WAN_PER_YI, 2)}
    return _("%(amount)s万元") % {"amount": _group(amount, 2)}


def _group(amount: Decimal, places: int) -> str:
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
