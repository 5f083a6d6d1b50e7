"""The enterprise record and its key, the unified social credit code (USCC, GB 32100-2015).

The validator accepts real codes and generated valid ones, and rejects every
single-character corruption of a valid code (a property-based test): a character outside
the code's set is named at its position; a letter among the six digits of the division
code (positions 3–8) is named at its position; any other substitution is caught by the
check character (position 18), which GB 32100-2015 computes so that every single
substitution changes it (its weights are non-zero modulo the prime 31) but which cannot say
where the substitution is (any position could hold it), so the message names position 18
and the character it should be.
"""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from bipin.conftest import District
from bipin.core.uscc import CHARSET, WEIGHTS, check_character, validate_uscc
from bipin.enterprises import actions
from bipin.enterprises.choices import Size
from bipin.enterprises.models import Enterprise
from bipin.enterprises.tests.test_enterprise_views import make_enterprise, uscc
from bipin.projects.models import Industry

#: Codes of real companies as published in the national enterprise credit system, and the
#: code of the office's sample ledger.
REAL_CODES = [
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91330185MA2KC0AX1L",  # the sample ledger's
]
#: Characters a code may not hold: the five letters GB 32100 leaves out (they look like
#: digits or each other), punctuation, a Chinese character. None of them is folded into
#: an allowed one by the validator's normalisation (upper case, NFKC, no spaces).
DISALLOWED = "IOZSV-*#/_.中"

_DIGITS = "0123456789"


def _message(code: str) -> str:
    with pytest.raises(ValidationError) as raised:
        validate_uscc(code)
    return " ".join(raised.value.messages)


@st.composite
def valid_codes(draw: st.DrawFn) -> str:
    """A valid code: registration authority and kind, the 6-digit division code, a
    9-character organisation code, and its check character."""
    head = draw(st.text(alphabet=CHARSET, min_size=2, max_size=2))
    division = draw(st.text(alphabet=_DIGITS, min_size=6, max_size=6))
    organisation = draw(st.text(alphabet=CHARSET, min_size=9, max_size=9))
    first17 = head + division + organisation
    return first17 + check_character(first17)


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code: str) -> None:
    validate_uscc(code)
    validate_uscc(code.lower())  # typed in lower case, it is the same code
    validate_uscc(f" {code[:9]} {code[9:]} ")  # with stray spaces too


def test_the_weights_are_those_of_the_standard() -> None:
    assert WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    assert len(CHARSET) == 31
    assert not set("IOZSV") & set(CHARSET)


@given(valid_codes())
def test_generated_valid_codes_are_accepted(code: str) -> None:
    validate_uscc(code)


@settings(max_examples=60, deadline=None)
@given(valid_codes())
def test_every_single_character_substitution_is_rejected_naming_its_position(code: str) -> None:
    """Every position, every other character (allowed or not): rejected, and the message
    names the position the validator can know."""
    for index in range(18):
        position = index + 1
        for char in CHARSET + DISALLOWED:
            if char == code[index]:
                continue
            corrupted = code[:index] + char + code[index + 1 :]
            message = _message(corrupted)
            if char not in CHARSET:
                assert f"第 {position} 位“{char}”不是允许的字符" in message, corrupted
            elif 3 <= position <= 8 and char not in _DIGITS:
                assert f"第 {position} 位应为数字" in message, corrupted
            else:
                expected = check_character(corrupted[:17])
                assert expected != corrupted[17]
                assert (
                    f"第 18 位校验码错误：应为“{expected}”，实际为“{corrupted[17]}”" in message
                ), corrupted
            # Exactly one position is named.
            assert len(re.findall(r"第 \d+ 位", message)) == 1


@given(valid_codes(), st.integers(min_value=0, max_value=17))
def test_a_code_one_character_short_or_long_is_refused_by_its_length(code: str, index: int) -> None:
    assert "实际为 17 位" in _message(code[:index] + code[index + 1 :])
    assert "实际为 19 位" in _message(code[:index] + "0" + code[index:])


# The record ---------------------------------------------------------------------------------


def test_an_enterprise_is_found_at_its_page(district: District) -> None:
    enterprise = make_enterprise(district)
    assert enterprise.get_absolute_url() == f"/enterprises/{enterprise.pk}/"
    assert str(enterprise) == "杭州临安锦城电子科技有限公司"
    assert enterprise.link_unit_id == district.town_a.pk  # its leaders are seen by its town


def test_the_action_stores_the_code_folded_and_records_who_entered_it(district: District) -> None:
    code = uscc("MA2H0AB10")
    enterprise = make_enterprise(
        district, uscc=f"  {code[:8].lower()} {code[8:]}", name="  某  公司 "
    )
    assert enterprise.uscc == code
    assert enterprise.name == "某 公司"
    version = enterprise.history.get()
    assert version.history_user == district.supervisor
    assert version.history_change_reason == "录入企业"


def test_the_action_refuses_a_bad_code_naming_the_position(district: District) -> None:
    with pytest.raises(ValidationError) as raised:
        make_enterprise(district, uscc="91330185MA2H0AB1O0")
    assert "第 17 位“O”不是允许的字符" in " ".join(raised.value.message_dict["uscc"])
    assert not Enterprise.objects.exists()


def test_two_enterprises_cannot_share_a_code(district: District) -> None:
    first = make_enterprise(district)
    with pytest.raises(ValidationError) as raised:
        make_enterprise(district, uscc=first.uscc.lower(), name="另一家")
    assert "uscc" in raised.value.message_dict
    assert Enterprise.objects.count() == 1


def test_negative_land_area_is_refused(district: District) -> None:
    with pytest.raises(ValidationError) as raised:
        make_enterprise(district, land_area=Decimal("-0.5"))
    assert "land_area" in raised.value.message_dict


def test_an_enterprise_belongs_to_a_town_or_subdistrict(district: District) -> None:
    with pytest.raises(ValidationError) as raised:
        make_enterprise(district, unit=district.office)
    assert "unit" in raised.value.message_dict


def test_an_enterprise_is_classified_by_a_division_not_a_section(district: District) -> None:
    with pytest.raises(ValidationError) as raised:
        make_enterprise(district, industry=Industry.objects.get(code="C"))
    assert "industry" in raised.value.message_dict


def test_an_update_records_its_reason(district: District) -> None:
    enterprise = make_enterprise(district)
    actions.do_update_enterprise(
        enterprise, actor=district.clerk_a, reason="升规", size=Size.ABOVE_SCALE, employees=300
    )
    enterprise.refresh_from_db()
    assert enterprise.employees == 300
    latest = enterprise.history.first()
    assert (latest.history_change_reason, latest.history_user) == ("升规", district.clerk_a)
