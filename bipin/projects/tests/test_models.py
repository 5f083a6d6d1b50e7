"""What a project is: its company code, its major class, where it stands in the pipeline
and whether its roadmap is overdue."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from bipin.core.uscc import CHARSET, check_character, validate_uscc
from bipin.projects import actions
from bipin.projects.choices import PIPELINE, InvestorKind, MajorClass, Stage
from bipin.projects.models import Industry, Milestone, Project, major_class_of

SAMPLE_USCC = "91330185MA2KC0AX1L"  # the sample ledger's registered company


def _message(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


# The unified social credit code (GB 32100-2015) --------------------------------------------


def test_the_sample_ledgers_code_is_valid():
    validate_uscc(SAMPLE_USCC)


def test_a_code_is_read_as_offices_write_it_with_spaces_lower_case_and_full_width():
    validate_uscc(" 91330185ma2kc0ax1l ")
    validate_uscc("９１３３０１８５ＭＡ２ＫＣ０ＡＸ１Ｌ")


def test_a_wrong_check_character_names_position_18_and_the_right_one():
    with pytest.raises(ValidationError) as error:
        validate_uscc(SAMPLE_USCC[:17] + "2")
    assert _message(error) == "统一社会信用代码第 18 位校验码错误：应为“L”，实际为“2”。"
    assert error.value.code == "uscc_check"


@pytest.mark.parametrize(
    ("code", "position", "char"),
    [
        ("91330185MA2KC0AXIL", 17, "I"),
        ("9133018SMA2KC0AX1L", 8, "S"),
        ("91330185MA2KC0-X1L", 15, "-"),
        ("O1330185MA2KC0AX1L", 1, "O"),
    ],
)
def test_a_character_outside_the_code_set_is_named_with_its_position(code, position, char):
    with pytest.raises(ValidationError) as error:
        validate_uscc(code)
    assert f"第 {position} 位“{char}”不是允许的字符" in _message(error)
    assert error.value.code == "uscc_character"


def test_a_letter_in_the_division_code_is_named_with_its_position():
    with pytest.raises(ValidationError) as error:
        validate_uscc("9133A185MA2KC0AX1L")
    assert _message(error) == "统一社会信用代码第 5 位应为数字（第 3–8 位是行政区划码）。"


@pytest.mark.parametrize("code", [SAMPLE_USCC[:17], SAMPLE_USCC + "0", ""])
def test_a_code_of_the_wrong_length_says_how_long_it_is(code):
    with pytest.raises(ValidationError) as error:
        validate_uscc(code)
    assert _message(error) == f"统一社会信用代码应为 18 位，实际为 {len(code)} 位。"


_CODE_CHARS = st.sampled_from(CHARSET)
_PREFIXES = st.builds(
    lambda head, division, organisation: head + division + organisation,
    st.text(_CODE_CHARS, min_size=2, max_size=2),
    st.text(st.sampled_from("0123456789"), min_size=6, max_size=6),
    st.text(_CODE_CHARS, min_size=9, max_size=9),
)


@given(_PREFIXES)
def test_any_valid_prefix_with_its_check_character_is_a_valid_code(prefix):
    validate_uscc(prefix + check_character(prefix))


@given(_PREFIXES, _CODE_CHARS)
def test_any_other_check_character_is_refused(prefix, wrong):
    if wrong == check_character(prefix):
        return
    with pytest.raises(ValidationError) as error:
        validate_uscc(prefix + wrong)
    assert error.value.code == "uscc_check"


@given(_PREFIXES, st.integers(0, 16), _CODE_CHARS)
def test_changing_one_character_changes_the_check_character(prefix, position, replacement):
    """Every weight is prime to 31, so a single wrong character is always caught."""
    changed = prefix[:position] + replacement + prefix[position + 1 :]
    if changed != prefix:
        assert check_character(changed) != check_character(prefix)


def test_a_project_with_an_invalid_code_does_not_validate(district):
    project = Project(
        code="ZS2026-9999",
        name="测试项目",
        investor_name="测试公司",
        industry=Industry.objects.get(code="39"),
        contracted_investment=Decimal(1000),
        responsible_unit=district.town_a,
        uscc=SAMPLE_USCC[:17] + "2",
    )
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert "第 18 位校验码错误" in " ".join(error.value.message_dict["uscc"])


# Major-project classes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("9999.99", None),
        ("10000", MajorClass.YI_1),
        ("99999", MajorClass.YI_1),
        ("100000", MajorClass.YI_10),
        ("499999.99", MajorClass.YI_10),
        ("500000", MajorClass.YI_50),
        ("2000000", MajorClass.YI_50),
    ],
)
def test_the_major_class_follows_the_contracted_investment_in_wan_yuan(amount, expected):
    project = Project(contracted_investment=Decimal(amount))
    assert project.major_class == expected


@pytest.mark.parametrize(
    ("amount", "foreign_capital", "expected"),
    [
        # 1,200 万美元 is a 亿元-class foreign project, though 8,000 万元 would not be.
        ("8000", "1200", MajorClass.YI_1),
        # A foreign project is classed by its foreign capital, not its amount in 万元.
        ("200000", "900", None),
        ("900000", "10000", MajorClass.YI_10),
        ("4000000", "50000", MajorClass.YI_50),
    ],
)
def test_a_foreign_project_is_classed_by_its_foreign_capital_in_wan_usd(
    amount, foreign_capital, expected
):
    project = Project(
        investor_kind=InvestorKind.FOREIGN,
        contracted_investment=Decimal(amount),
        foreign_capital=Decimal(foreign_capital),
    )
    assert project.major_class == expected


def test_a_domestic_projects_foreign_capital_does_not_decide_its_class():
    project = Project(
        investor_kind=InvestorKind.DOMESTIC,
        contracted_investment=Decimal(8000),
        foreign_capital=Decimal(5000),
    )
    assert project.major_class is None


def test_a_foreign_project_without_foreign_capital_is_classed_by_its_amount():
    project = Project(investor_kind=InvestorKind.FOREIGN, contracted_investment=Decimal(120000))
    assert project.major_class == MajorClass.YI_10


def test_the_thresholds_come_from_the_settings(settings):
    settings.BIPIN_MAJOR_PROJECT_THRESHOLDS = [Decimal(5000), Decimal(50000), Decimal(200000)]
    settings.BIPIN_MAJOR_FOREIGN_THRESHOLDS = [Decimal(500), Decimal(5000), Decimal(20000)]
    assert major_class_of(Decimal(6000)) == MajorClass.YI_1
    assert major_class_of(Decimal(60000)) == MajorClass.YI_10
    assert major_class_of(Decimal(200000)) == MajorClass.YI_50
    assert major_class_of(Decimal(60000), Decimal(600)) == MajorClass.YI_1


def test_the_class_filter_agrees_with_each_projects_class(district):
    amounts = [
        ("9000", None, InvestorKind.DOMESTIC),
        ("10000", None, InvestorKind.DOMESTIC),
        ("150000", None, InvestorKind.DOMESTIC),
        ("600000", None, InvestorKind.DOMESTIC),
        ("8000", "1200", InvestorKind.FOREIGN),
        ("200000", "900", InvestorKind.FOREIGN),
        ("120000", None, InvestorKind.FOREIGN),
        ("8000", "5000", InvestorKind.DOMESTIC),
    ]
    industry = Industry.objects.get(code="39")
    for number, (amount, foreign, kind) in enumerate(amounts):
        actions.do_create_project(
            actor=district.supervisor,
            stage_on=date(2026, 3, 1),
            name=f"项目{number}",
            investor_name=f"投资方{number}",
            investor_kind=kind,
            industry=industry,
            contracted_investment=Decimal(amount),
            foreign_capital=Decimal(foreign) if foreign else None,
            responsible_unit=district.town_a,
        )
    projects = list(Project.objects.all())
    for major in MajorClass:
        filtered = set(Project.objects.with_major_class(major).values_list("pk", flat=True))
        at_least = [MajorClass.YI_1, MajorClass.YI_10, MajorClass.YI_50]
        expected = {
            project.pk
            for project in projects
            if project.major_class is not None
            and at_least.index(project.major_class) >= at_least.index(major)
        }
        assert filtered == expected, major


# Where a project stands ---------------------------------------------------------------------


@pytest.mark.parametrize("stage", PIPELINE)
def test_a_project_has_reached_its_stage_and_those_before_but_not_those_after(stage):
    project = Project(stage=stage)
    position = PIPELINE.index(stage)
    assert all(project.has_reached(earlier) for earlier in PIPELINE[: position + 1])
    assert not any(project.has_reached(later) for later in PIPELINE[position + 1 :])


def test_a_terminated_project_keeps_the_stages_it_reached_with_their_dates():
    project = Project(
        stage=Stage.TERMINATED,
        lead_on=date(2026, 1, 5),
        negotiating_on=date(2026, 2, 5),
        signed_on=date(2026, 3, 5),
        terminated_on=date(2026, 5, 1),
    )
    assert project.has_reached(Stage.SIGNED)
    assert not project.has_reached(Stage.REGISTERED)


@pytest.mark.parametrize(
    ("stage", "following"),
    [
        (Stage.LEAD, Stage.NEGOTIATING),
        (Stage.NEGOTIATING, Stage.SIGNED),
        (Stage.SIGNED, Stage.REGISTERED),
        (Stage.REGISTERED, Stage.LAND),
        (Stage.LAND, Stage.STARTED),
        (Stage.STARTED, Stage.PRODUCING),
        (Stage.PRODUCING, Stage.AT_CAPACITY),
        (Stage.AT_CAPACITY, None),
        (Stage.TERMINATED, None),
    ],
)
def test_the_next_stage_is_the_following_one_of_the_pipeline(stage, following):
    assert Project(stage=stage).next_stage() == following


@pytest.fixture
def signed_project(district):
    """A project signed on 2026-03-02: 注册 due 04-02, 供地 09-02, 开工 12-02 …"""
    return actions.do_create_project(
        actor=district.supervisor,
        stage=Stage.SIGNED,
        stage_on=date(2026, 3, 2),
        name="年产5000万片MEMS传感器芯片项目",
        investor_name="杭州微芯智造科技有限公司",
        industry=Industry.objects.get(code="39"),
        contracted_investment=Decimal(120000),
        responsible_unit=district.town_a,
    )


def test_a_milestone_past_its_planned_date_and_not_reached_is_overdue(signed_project):
    registered = signed_project.milestones.get(stage=Stage.REGISTERED)
    assert registered.planned_on == date(2026, 4, 2)
    assert registered.is_overdue(date(2026, 4, 3))
    assert signed_project.is_overdue(date(2026, 4, 3))
    assert [m.stage for m in signed_project.overdue_milestones(date(2026, 9, 3))] == [
        Stage.REGISTERED,
        Stage.LAND,
    ]


def test_a_milestone_is_not_overdue_on_its_planned_date(signed_project):
    registered = signed_project.milestones.get(stage=Stage.REGISTERED)
    assert not registered.is_overdue(date(2026, 4, 2))
    assert not signed_project.is_overdue(date(2026, 4, 2))


def test_a_reached_milestone_is_not_overdue(district, signed_project):
    project = actions.do_change_stage(
        signed_project, to=Stage.REGISTERED, on=date(2026, 5, 20), actor=district.supervisor
    )
    registered = Milestone.objects.get(project=project, stage=Stage.REGISTERED)
    assert registered.actual_on == date(2026, 5, 20)
    assert not registered.is_overdue(date(2026, 6, 1))
    assert not project.is_overdue(date(2026, 6, 1))


def test_a_terminated_project_is_never_overdue(district, signed_project):
    project = actions.do_change_stage(
        signed_project,
        to=Stage.TERMINATED,
        on=date(2026, 6, 1),
        actor=district.supervisor,
        reason="投资方撤资",
    )
    later = date(2026, 10, 1)
    assert not any(m.is_overdue(later) for m in project.milestones.all())
    assert not project.is_overdue(later)
    assert not Project.objects.overdue(later).exists()


def test_overdue_is_measured_against_today_by_default(district, signed_project):
    """Signed in March 2026, not registered: overdue now, as the demo's clock says."""
    assert timezone.localdate() > date(2026, 4, 2)
    assert signed_project.is_overdue()
    assert list(Project.objects.overdue()) == [signed_project]


def test_the_overdue_filter_agrees_with_each_projects_overdue(district, signed_project):
    industry = Industry.objects.get(code="39")
    recent = actions.do_create_project(
        actor=district.supervisor,
        stage=Stage.SIGNED,
        stage_on=timezone.localdate() - timedelta(days=3),
        name="新签项目",
        investor_name="新签公司",
        industry=industry,
        contracted_investment=Decimal(5000),
        responsible_unit=district.town_b,
    )
    lead = actions.do_create_project(
        actor=district.supervisor,
        stage_on=date(2025, 1, 1),
        name="线索项目",
        investor_name="线索公司",
        industry=industry,
        contracted_investment=Decimal(5000),
        responsible_unit=district.town_b,
    )
    for day in (date(2026, 4, 2), date(2026, 4, 3), date(2026, 12, 1), date(2027, 1, 1)):
        expected = {p.pk for p in (signed_project, recent, lead) if p.is_overdue(day)}
        assert set(Project.objects.overdue(day).values_list("pk", flat=True)) == expected, day
    assert not lead.is_overdue(date(2030, 1, 1))  # a lead has no roadmap yet
