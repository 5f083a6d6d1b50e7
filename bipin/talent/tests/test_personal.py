"""Personal data: the check character of the resident ID number (GB 11643-1999) catches
every single-digit slip, the phone rule, the masks, and a mask never standing in for a
number."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from bipin.talent.personal import (
    id_check_character,
    is_masked,
    kept_or_refused,
    mask_id_number,
    mask_phone,
    shown,
    validate_id_number,
    validate_phone,
)

#: A published example of the standard: 11010519491231002X.
STANDARD_EXAMPLE = "11010519491231002X"

area_codes = st.sampled_from(["110105", "330185", "330112", "320102", "420111", "510107"])
birth_dates = st.dates(min_value=date(1930, 1, 1), max_value=date(2008, 12, 31))
sequences = st.integers(min_value=1, max_value=999)


@st.composite
def valid_id_numbers(draw: st.DrawFn) -> str:
    first17 = f"{draw(area_codes)}{draw(birth_dates):%Y%m%d}{draw(sequences):03d}"
    return first17 + id_check_character(first17)


def test_the_standards_own_example_is_valid() -> None:
    validate_id_number(STANDARD_EXAMPLE)
    assert id_check_character(STANDARD_EXAMPLE[:17]) == "X"


@given(valid_id_numbers())
def test_a_number_with_its_check_character_is_accepted(number: str) -> None:
    validate_id_number(number)
    validate_id_number(number.lower())  # a typed x is an X


@given(valid_id_numbers(), st.integers(min_value=0, max_value=17), st.data())
def test_every_single_character_slip_is_refused(number: str, position: int, data) -> None:
    allowed = "0123456789X" if position == 17 else "0123456789"
    wrong = data.draw(st.sampled_from([char for char in allowed if char != number[position]]))
    corrupted = number[:position] + wrong + number[position + 1 :]
    with pytest.raises(ValidationError) as refused:
        validate_id_number(corrupted)
    assert refused.value.code == "id_check"
    # The message says what is wrong without repeating the number.
    assert corrupted not in " ".join(refused.value.messages)


@pytest.mark.parametrize(
    ("number", "code"),
    [("3301851990010112", "id_length"), ("33018519900101123X0", "id_length"),
     ("33018519900101X234", "id_character"), ("", "id_length")],
)  # fmt: skip
def test_a_number_of_the_wrong_shape_is_refused_with_what_is_wrong(number: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_id_number(number)
    assert refused.value.code == code


@given(st.sampled_from("3456789"), st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_mobile_numbers_are_valid_and_mask_to_three_and_four_digits(second: str, rest: str) -> None:
    phone = f"1{second}{rest}"
    validate_phone(phone)
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]
    assert is_masked(masked) and not is_masked(phone)


@pytest.mark.parametrize("phone", ["0571-63712345", "057163712345", "138 1234 5678"])
def test_landlines_and_spaced_mobiles_are_valid(phone: str) -> None:
    validate_phone(phone)


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "63712345", "138****5678"])
def test_other_phone_numbers_are_refused(phone: str) -> None:
    with pytest.raises(ValidationError):
        validate_phone(phone)


def test_the_example_of_the_issue_masks_as_it_says() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number(STANDARD_EXAMPLE) == "1101**********002X"
    assert mask_phone("") == mask_id_number("") == ""


@given(valid_id_numbers())
def test_an_id_mask_keeps_only_the_first_and_last_four(number: str) -> None:
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked[:4] == number[:4] and masked[-4:] == number[-4:]
    assert set(masked[4:14]) == {"*"}  # the birth date is hidden


def test_a_talent_shows_masks_unless_read_with_personal_access() -> None:
    talent = SimpleNamespace(phone="13812345678", id_number=STANDARD_EXAMPLE)
    assert shown(talent, "phone") == "138****5678"  # not annotated: masked, the safe default
    talent.personal_access = False
    assert shown(talent, "id_number") == "1101**********002X"
    talent.personal_access = True
    assert shown(talent, "phone") == "13812345678"
    assert shown(talent, "id_number") == STANDARD_EXAMPLE


def test_a_mask_of_the_stored_number_keeps_it() -> None:
    assert kept_or_refused("phone", "138****5678", "13812345678", exists=True) == "13812345678"
    assert kept_or_refused("phone", "13900001111", "13812345678", exists=True) == "13900001111"


def test_a_mask_of_another_number_or_for_a_new_talent_is_refused() -> None:
    with pytest.raises(ValidationError) as other:
        kept_or_refused("phone", "139****5678", "13812345678", exists=True)
    assert "遮盖" in str(other.value.message_dict["phone"])
    with pytest.raises(ValidationError) as new:
        kept_or_refused("id_number", "1101**********002X", "", exists=False)
    assert "新增人才须填写完整号码" in new.value.message_dict["id_number"][0]


def test_fictional_birth_dates_make_valid_numbers_across_a_century() -> None:
    day = date(1940, 1, 1)
    while day < date(2010, 1, 1):
        first17 = f"330185{day:%Y%m%d}123"
        validate_id_number(first17 + id_check_character(first17))
        day += timedelta(days=397)
