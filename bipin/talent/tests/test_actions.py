"""The writes of talents: codes, history with its reason (never the personal data), and
each rule of the record refused with its own message."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from bipin.conftest import District
from bipin.core.history import history_entries
from bipin.enterprises.models import Enterprise
from bipin.talent import actions
from bipin.talent.models import Talent
from bipin.talent.tests.conftest import (
    ID_A,
    INTRODUCED,
    PHONE_A,
    PHONE_A_MASKED,
    TODAY,
    make_talent,
)

pytestmark = pytest.mark.usefixtures("enterprises")


def _refused(district: District, **fields: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        make_talent(district, **fields)
    assert not Talent.objects.exists()
    return refused.value.message_dict


def test_a_new_talent_gets_the_next_code_of_the_year_introduced(district: District) -> None:
    first = make_talent(district)
    second = make_talent(district, name="王芳")
    earlier = make_talent(district, name="刘洋", introduced_on=INTRODUCED.replace(year=2022))
    year = INTRODUCED.year
    assert (first.code, second.code) == (f"RC{year}-0001", f"RC{year}-0002")
    assert earlier.code == "RC2022-0001"
    assert actions.next_talent_code(year) == f"RC{year}-0003"


def test_a_given_code_is_kept_and_a_taken_one_refused(district: District) -> None:
    assert make_talent(district, code="RC2020-0100").code == "RC2020-0100"
    with pytest.raises(ValidationError) as refused:
        make_talent(district, code="RC2020-0100", name="王芳")
    assert "code" in refused.value.message_dict


def test_creating_records_who_and_why(district: District) -> None:
    talent = make_talent(district, actor=district.clerk_a)
    version = talent.history.get()
    assert version.history_user == district.clerk_a
    assert version.history_change_reason == "录入人才"


def test_the_history_never_holds_the_personal_data(district: District) -> None:
    talent = make_talent(district)
    historical = {field.name for field in Talent.history.model._meta.get_fields()}
    assert "phone" not in historical and "id_number" not in historical
    actions.do_update_talent(
        talent, actor=district.clerk_a, reason="更正号码", phone="13900001111", field="芯片设计"
    )
    entries = history_entries(talent)
    assert entries[0].reason == "更正号码"
    assert [change.label for change in entries[0].changes] == ["专业领域"]
    shown = repr(entries)
    for secret in (PHONE_A, "13900001111", ID_A):
        assert secret not in shown


def test_a_change_that_changes_nothing_writes_no_version(district: District) -> None:
    talent = make_talent(district)
    actions.do_update_talent(talent, actor=district.clerk_a, name="张晓明", phone=PHONE_A)
    assert talent.history.count() == 1


def test_a_talent_without_an_employer_is_refused_with_its_own_message(district: District) -> None:
    errors = _refused(district, employer=None)
    assert errors["employer"] == [
        "请填写工作单位：人才须有在本区登记的工作单位（企业）；企业尚未登记的，请先录入企业。"
    ]


def test_an_introduction_in_the_future_is_refused(district: District) -> None:
    tomorrow = TODAY + timedelta(days=1)
    errors = _refused(district, introduced_on=tomorrow)
    assert errors["introduced_on"] == [
        f"引进日期（{tomorrow.isoformat()}）不能晚于今天：只登记已经引进的人才。"
    ]


def test_settling_in_the_future_is_refused(district: District) -> None:
    tomorrow = TODAY + timedelta(days=1)
    errors = _refused(district, settled=True, settled_on=tomorrow)
    assert errors["settled_on"] == [f"落户日期（{tomorrow.isoformat()}）不能晚于今天。"]


def test_settling_before_being_introduced_is_refused(district: District) -> None:
    errors = _refused(district, settled=True, settled_on=INTRODUCED - timedelta(days=1))
    assert errors["settled_on"] == [f"落户日期不能早于引进日期（{INTRODUCED.isoformat()}）。"]


def test_settled_needs_its_date_and_a_date_needs_settled(district: District) -> None:
    assert _refused(district, settled=True)["settled_on"] == ["已落户的人才须填写落户日期。"]
    errors = _refused(district, settled=False, settled_on=INTRODUCED)
    assert errors["settled"] == ["填写了落户日期，请勾选“已落户”；未落户的请清空落户日期。"]


def test_negative_funding_and_funding_without_a_project_are_refused(district: District) -> None:
    errors = _refused(district, project_name="芯片项目", project_funding=Decimal("-1"))
    assert errors["project_funding"] == ["项目资助金额不能为负数。"]
    errors = _refused(district, project_funding=Decimal("100"))
    assert errors["project_name"] == ["填写了项目资助或项目阶段，须填写创业创新项目名称。"]


def test_invalid_phone_and_id_numbers_are_refused(district: District) -> None:
    errors = _refused(district, phone="1381234567", id_number=ID_A[:17] + "9")
    assert "电话号码" in errors["phone"][0]
    assert errors["id_number"] == ["身份证号码第 18 位校验码错误。"]


def test_every_broken_rule_is_named_at_once(district: District) -> None:
    errors = _refused(
        district, employer=None, introduced_on=TODAY + timedelta(days=3), settled=True
    )
    assert {"employer", "introduced_on", "settled_on"} <= set(errors)


def test_a_mask_for_a_new_talent_is_refused(district: District) -> None:
    errors = _refused(district, phone=PHONE_A_MASKED)
    assert "新增人才须填写完整号码" in errors["phone"][0]


def test_the_mask_of_the_stored_number_keeps_it_and_another_mask_is_refused(
    district: District,
) -> None:
    talent = make_talent(district)
    actions.do_update_talent(
        talent, actor=district.supervisor, phone=PHONE_A_MASKED, id_number="3301**********0318"
    )
    talent.refresh_from_db()
    assert (talent.phone, talent.id_number) == (PHONE_A, ID_A)
    with pytest.raises(ValidationError) as refused:
        actions.do_update_talent(talent, actor=district.supervisor, phone="139****5678")
    assert "与已存的号码不符" in refused.value.message_dict["phone"][0]
    talent.refresh_from_db()
    assert talent.phone == PHONE_A


def test_names_and_numbers_are_tidied(district: District) -> None:
    talent = make_talent(district, name="  张　晓明 ", phone="138 1234 5678", id_number=f" {ID_A} ")
    assert (talent.name, talent.phone, talent.id_number) == ("张 晓明", PHONE_A, ID_A)


def test_an_unknown_field_is_a_programming_error(district: District) -> None:
    with pytest.raises(ValueError, match="cannot set"):
        make_talent(district, counting_year=2026)


def test_the_employer_may_be_of_another_town(district: District, enterprises: Any) -> None:
    """The talent office introduces talents for enterprises anywhere in the district."""
    talent = make_talent(district, introducing_unit=district.office, employer=enterprises["b"])
    assert talent.employer == Enterprise.objects.get(unit=district.town_b)
