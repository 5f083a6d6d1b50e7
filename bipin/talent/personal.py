"""Personal data of a talent: the phone number and the resident ID number.

They are shown and exported in full only to those who work with the talent (the
supervisor, and the people of the unit that introduced them), masked for everyone else,
never written to the history (the model's History excludes them) nor to a log.
"""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from bipin.talent.querysets import PERSONAL_ACCESS

#: GB 11643-1999: the weights of the first 17 digits, and the check character by the sum
#: of the weighted digits mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")


def normalize_phone(text: str) -> str:
    return re.sub(r"[\s()（）]", "", text or "").replace("－", "-")


def validate_phone(value: str) -> None:
    """A mainland mobile number (11 digits from 13…19) or a landline with its area code."""
    phone = normalize_phone(value)
    if not (_MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone)):
        raise ValidationError(
            _("电话号码“%(value)s”无效：应为 11 位手机号，或带区号的固定电话（如 0571-63712345）。")
            % {"value": value},
            code="phone",
        )


def id_check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_number(value: str) -> None:
    """An 18-character resident ID number with its check character (GB 11643-1999). The
    message names what is wrong without repeating the number."""
    number = (value or "").strip().upper()
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为 18 位，实际为 %(count)s 位。") % {"count": len(number)},
            code="id_length",
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("身份证号码前 17 位应为数字，第 18 位为数字或 X。"), code="id_character"
        )
    if id_check_character(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码第 18 位校验码错误。"), code="id_check")


def mask_phone(phone: str) -> str:
    """138****5678: the first three and the last four digits."""
    if not phone:
        return ""
    digits = phone.replace("-", "")
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(number: str) -> str:
    """3301**********1234: the first four and the last four characters."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


#: The mask of each personal field.
MASKS = {"phone": mask_phone, "id_number": mask_id_number}


def is_masked(value: str | None) -> bool:
    """Whether a value is a mask (an export or page of someone who may not see the data),
    not a number: a mask must never replace the number it hides."""
    return "*" in (value or "")


def shown(talent: Any, field: str) -> str:
    """A talent's phone or ID number as the current reader may see it: in full where the
    row was read `with_personal_access` for a user who may change it, masked otherwise
    (also when the row was read without the annotation: masked is the safe default)."""
    value = getattr(talent, field) or ""
    if getattr(talent, PERSONAL_ACCESS, False):
        return value
    return MASKS[field](value)


def kept_or_refused(field: str, given: str, stored: str, *, exists: bool) -> str:
    """The value to store for `field` when `given` may be a mask: the stored number when
    the mask is the stored number's own (an export read back), else a ValidationError
    that names the field. A value without a mask is returned as it is."""
    if not is_masked(given):
        return given
    if exists and stored and MASKS[field](stored) == given:
        return stored
    label = _("联系电话") if field == "phone" else _("身份证号码")
    if not exists:
        message = _("“%(value)s”是遮盖后的%(label)s：新增人才须填写完整号码，或留空。")
    else:
        message = _("“%(value)s”是遮盖后的%(label)s，与已存的号码不符：请填写完整号码。")
    raise ValidationError({field: message % {"value": given, "label": label}}, code="masked")
