"""The unified social credit code (统一社会信用代码, GB 32100-2015).

18 characters from a 31-character set (digits and capitals without I, O, Z, S, V): the
registration authority, the kind of organisation, the 6-digit administrative division
code, the 9-character organisation code, and a check character computed over the first
17 with the weights 3^(i-1) mod 31 (GB 32100-2015, 4.2 and annex A).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [
    pow(3, index, 31) for index in range(17)
]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
_VALUE = {char: value for value, char in enumerate(CHARSET)}


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (C18 = 31 − Σ Ci·Wi mod 31, with 31 read as 0)."""
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalize_uscc(text: str) -> str:
    """Upper case, without spaces (full-width characters are folded to ASCII)."""
    import unicodedata

    return unicodedata.normalize("NFKC", text).replace(" ", "").upper()


def validate_uscc(value: str) -> None:
    """Raises a ValidationError that says which position is wrong and why."""
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位，实际为 %(count)s 位。") % {"count": len(code)},
            code="uscc_length",
        )
    for position, char in enumerate(code, start=1):
        if char not in _VALUE:
            raise ValidationError(
                _(
                    "统一社会信用代码第 %(position)s 位“%(char)s”不是允许的字符（数字或除 I、O、Z、S、V 外的大写字母）。"
                )
                % {"position": position, "char": char},
                code="uscc_character",
            )
    if not code[2:8].isdigit():
        position = next(
            index for index, char in enumerate(code[2:8], start=3) if not char.isdigit()
        )
        raise ValidationError(
            _("统一社会信用代码第 %(position)s 位应为数字（第 3–8 位是行政区划码）。")
            % {"position": position},
            code="uscc_division",
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("统一社会信用代码第 18 位校验码错误：应为“%(expected)s”，实际为“%(actual)s”。")
            % {"expected": expected, "actual": code[17]},
            code="uscc_check",
        )
