"""The rules of the investment pipeline, as its actions enforce them: entering a project,
stage changes, roadmaps, evidence, the negative list, what counts (甄别), duplicate
screening, the history every action writes, and that a refused action changes nothing."""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from bipin.conftest import District
from bipin.projects import actions
from bipin.projects.actions import add_months
from bipin.projects.choices import DuplicateReason, DuplicateStatus, NegativeKind, Stage
from bipin.projects.models import (
    DuplicateCheck,
    Evidence,
    Industry,
    Milestone,
    MilestoneTemplate,
    NegativeListItem,
    Project,
    StageEvent,
)

USCC = "91330185MA2KC0AX1L"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _industry(code: str = "39") -> Industry:
    return Industry.objects.get(code=code)


def _create(
    district: District,
    *,
    stage: str = Stage.LEAD,
    on: date = date(2026, 1, 5),
    **fields: Any,
) -> Project:
    """A project of 锦城 entered by the supervisor; `fields` override the particulars."""
    particulars: dict[str, Any] = {
        "name": "年产5000万片MEMS传感器芯片项目",
        "investor_name": "杭州微芯智造科技有限公司",
        "industry": _industry(),
        "contracted_investment": Decimal(20000),
        "responsible_unit": district.town_a,
    }
    particulars.update(fields)
    return actions.do_create_project(
        actor=district.supervisor, stage=stage, stage_on=on, **particulars
    )


def _step(district: District, project: Project, to: str, on: date, reason: str = "") -> Project:
    return actions.do_change_stage(project, to=to, on=on, actor=district.supervisor, reason=reason)


def _evidence(district: District, project: Project, stage: str, name: str = "合同.pdf") -> Evidence:
    milestone = Milestone.objects.get(project=project, stage=stage)
    return actions.do_add_evidence(
        milestone, upload=SimpleUploadedFile(name, PDF), actor=district.supervisor
    )


def _signed(district: District, on: date = date(2026, 3, 2), **fields: Any) -> Project:
    return _create(district, stage=Stage.SIGNED, on=on, **fields)


def _started(district: District) -> Project:
    """Signed 03-02, registered 03-20, land 06-15, started 08-01 (2026), with evidence."""
    project = _signed(district)
    project = _step(district, project, Stage.REGISTERED, date(2026, 3, 20))
    _evidence(district, project, Stage.LAND)
    project = _step(district, project, Stage.LAND, date(2026, 6, 15))
    _evidence(district, project, Stage.STARTED)
    return _step(district, project, Stage.STARTED, date(2026, 8, 1))


def _messages(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


def _snapshot() -> dict[str, Any]:
    """Everything the pipeline's actions write, to show that a refused one wrote nothing."""
    return {
        "projects": list(Project.objects.order_by("pk").values()),
        "milestones": list(Milestone.objects.order_by("pk").values()),
        "events": list(StageEvent.objects.order_by("pk").values()),
        "checks": list(DuplicateCheck.objects.order_by("pk").values()),
        "evidence": list(Evidence.objects.order_by("pk").values()),
        "items": list(NegativeListItem.objects.order_by("pk").values()),
        "history": (
            Project.history.count(),
            Milestone.history.count(),
            DuplicateCheck.history.count(),
            NegativeListItem.history.count(),
        ),
    }


# Entering a project -------------------------------------------------------------------------


def test_a_new_project_gets_the_next_code_of_its_entry_year(district):
    assert _create(district).code == "ZS2026-0001"
    assert _create(district, investor_name="另一家公司").code == "ZS2026-0002"
    assert _create(district, on=date(2025, 12, 30), investor_name="第三家").code == "ZS2025-0001"


def test_a_code_already_taken_is_refused(district):
    _create(district, code="LA-001")
    with pytest.raises(ValidationError) as error:
        _create(district, code="LA-001", investor_name="另一家公司")
    assert "code" in error.value.message_dict
    assert Project.objects.count() == 1


def test_a_new_project_is_entered_as_a_lead_a_negotiation_or_signed(district):
    for stage in (Stage.REGISTERED, Stage.LAND, Stage.AT_CAPACITY, Stage.TERMINATED):
        with pytest.raises(ValidationError) as error:
            _create(district, stage=stage)
        assert "新项目只能从线索、洽谈或签约阶段录入" in _messages(error)
    assert not Project.objects.exists()


def test_an_entry_date_in_the_future_is_refused(district):
    with pytest.raises(ValidationError) as error:
        _create(district, on=timezone.localdate() + timedelta(days=1))
    assert error.value.message_dict == {"stage_on": ["日期不能晚于今天。"]}


def test_a_negative_amount_is_refused(district):
    with pytest.raises(ValidationError) as error:
        _create(district, contracted_investment=Decimal(-1))
    assert "contracted_investment" in error.value.message_dict


def test_an_invalid_company_code_is_refused_naming_the_position(district):
    with pytest.raises(ValidationError) as error:
        _create(district, uscc="91330185MA2KC0AX12")
    assert error.value.message_dict["uscc"] == [
        "统一社会信用代码第 18 位校验码错误：应为“L”，实际为“2”。"
    ]


def test_names_and_codes_are_stored_as_offices_mean_them(district):
    project = _create(
        district,
        name=" 天目山康养度假综合体 ",
        investor_name="太保家园（杭州）  养老服务有限公司",
        uscc=" ９１３３０１８５ma2kc0ax1l ",
    )
    project.refresh_from_db()
    assert project.name == "天目山康养度假综合体"
    assert project.investor_name == "太保家园（杭州） 养老服务有限公司"  # punctuation as typed
    assert project.uscc == USCC


def test_a_project_entered_as_signed_counts_and_has_its_roadmap(district):
    project = _signed(district)
    assert (project.counting_year, project.counting_unit) == (2026, district.town_a)
    assert set(project.milestones.values_list("stage", flat=True)) == {
        Stage.REGISTERED,
        Stage.LAND,
        Stage.STARTED,
        Stage.PRODUCING,
        Stage.AT_CAPACITY,
    }


def test_a_lead_has_no_roadmap_and_counts_nowhere(district):
    project = _create(district)
    assert project.counting_year is None
    assert not project.milestones.exists()


# Stage changes ------------------------------------------------------------------------------


def test_a_project_moves_forward_one_stage_at_a_time(district):
    project = _create(district)
    with pytest.raises(ValidationError) as error:
        _step(district, project, Stage.SIGNED, date(2026, 2, 1))
    assert _messages(error) == "不能从“线索”直接跳到“签约”，下一阶段应为“洽谈”。"
    project.refresh_from_db()
    assert project.stage == Stage.LEAD
    assert project.signed_on is None


def test_moving_on_needs_the_current_stage_to_have_its_date(district):
    # The office's ledger says "registered" without saying when.
    project, _changed = actions.do_import_project(
        actor=district.supervisor,
        code="LA-001",
        stage=Stage.REGISTERED,
        stage_dates={Stage.SIGNED: date(2026, 3, 2)},
        reason="台账导入",
        name="高端数控机床关键部件项目",
        investor_name="临安精工装备有限公司",
        industry=_industry("34"),
        contracted_investment=Decimal(35000),
        responsible_unit=district.town_b,
    )
    _evidence(district, project, Stage.LAND)
    with pytest.raises(ValidationError) as error:
        _step(district, project, Stage.LAND, date(2026, 6, 1))
    assert _messages(error) == "“注册”阶段还没有日期，请先补充。"


def test_a_stage_may_not_be_dated_before_the_stage_before_it(district):
    project = _create(district, on=date(2026, 1, 5))
    with pytest.raises(ValidationError) as error:
        _step(district, project, Stage.NEGOTIATING, date(2026, 1, 4))
    assert error.value.message_dict == {"on": ["“洽谈”日期不能早于“线索”日期 2026-01-05。"]}


def test_a_stage_may_be_reached_on_the_same_day_as_the_one_before(district):
    project = _step(district, _create(district), Stage.NEGOTIATING, date(2026, 1, 5))
    assert project.negotiating_on == date(2026, 1, 5)


def test_a_stage_dated_in_the_future_is_refused(district):
    project = _create(district)
    with pytest.raises(ValidationError) as error:
        _step(district, project, Stage.NEGOTIATING, timezone.localdate() + timedelta(days=1))
    assert error.value.message_dict == {"on": ["日期不能晚于今天。"]}


def test_moving_to_the_stage_a_project_is_at_is_refused(district):
    project = _create(district)
    with pytest.raises(ValidationError) as error:
        _step(district, project, Stage.LEAD, date(2026, 2, 1))
    assert _messages(error) == "项目已处于“线索”阶段。"


def test_each_step_dates_the_project_and_its_milestone(district):
    project = _signed(district)
    project = _step(district, project, Stage.REGISTERED, date(2026, 3, 20))
    assert project.stage == Stage.REGISTERED
    assert project.registered_on == date(2026, 3, 20)
    assert project.milestones.get(stage=Stage.REGISTERED).actual_on == date(2026, 3, 20)


@pytest.mark.parametrize("stage", [Stage.LAND, Stage.STARTED])
def test_land_and_construction_need_evidence_as_the_template_says(district, stage):
    project = _signed(district)
    project = _step(district, project, Stage.REGISTERED, date(2026, 3, 20))
    if stage == Stage.STARTED:
        _evidence(district, project, Stage.LAND)
        project = _step(district, project, Stage.LAND, date(2026, 6, 15))
    with pytest.raises(ValidationError) as error:
        _step(district, project, stage, date(2026, 8, 1))
    assert _messages(error) == f"“{stage.label}”节点须先上传佐证材料。"
    _evidence(district, project, stage)
    assert _step(district, project, stage, date(2026, 8, 1)).stage == stage


def test_registration_needs_no_evidence(district):
    project = _step(district, _signed(district), Stage.REGISTERED, date(2026, 3, 20))
    assert project.stage == Stage.REGISTERED


def test_a_template_without_evidence_lets_land_pass_without_it(district):
    MilestoneTemplate.objects.filter(stage=Stage.LAND).update(requires_evidence=False)
    project = _step(district, _signed(district), Stage.REGISTERED, date(2026, 3, 20))
    assert not project.milestones.get(stage=Stage.LAND).requires_evidence
    assert _step(district, project, Stage.LAND, date(2026, 6, 15)).stage == Stage.LAND


# Going back, terminating and resuming --------------------------------------------------------


def test_going_back_needs_a_reason(district):
    project = _step(district, _create(district), Stage.NEGOTIATING, date(2026, 2, 1))
    with pytest.raises(ValidationError) as error:
        _step(district, project, Stage.LEAD, date(2026, 3, 1), reason="  ")
    assert error.value.message_dict == {"reason": ["退回到之前的阶段须说明原因。"]}


def test_going_back_clears_the_later_dates_and_keeps_the_count_and_roadmap(district):
    project = _started(district)
    project = _step(district, project, Stage.REGISTERED, date(2026, 9, 1), reason="土地被收回")
    assert project.stage == Stage.REGISTERED
    assert (project.land_on, project.started_on) == (None, None)
    assert project.registered_on == date(2026, 3, 20)
    actual = dict(project.milestones.values_list("stage", "actual_on"))
    assert actual[Stage.LAND] is None and actual[Stage.STARTED] is None
    assert (project.counting_year, project.counting_unit) == (2026, district.town_a)
    assert Project.objects.counted(2026, district.town_a).get() == project


def test_going_back_before_signing_uncounts_the_project_and_removes_its_roadmap(district):
    project = _step(district, _signed(district), Stage.REGISTERED, date(2026, 3, 20))
    project = _step(district, project, Stage.NEGOTIATING, date(2026, 4, 1), reason="签约主体变更")
    assert project.stage == Stage.NEGOTIATING
    assert (project.signed_on, project.registered_on) == (None, None)
    assert (project.counting_year, project.counting_unit) == (None, None)
    assert not Milestone.objects.filter(project=project).exists()
    assert not Project.objects.counted(2026).exists()


def test_a_project_sent_back_and_signed_again_counts_in_the_year_of_the_new_signing(district):
    project = _create(district, stage=Stage.NEGOTIATING, on=date(2025, 10, 8))
    project = _step(district, project, Stage.SIGNED, date(2025, 11, 20))
    project = _step(district, project, Stage.NEGOTIATING, date(2025, 12, 1), reason="协议作废")
    project = _step(district, project, Stage.SIGNED, date(2026, 2, 10))
    assert project.counting_year == 2026
    assert not Project.objects.counted(2025).exists()
    assert project.milestones.get(stage=Stage.REGISTERED).planned_on == date(2026, 3, 10)


def test_terminating_needs_a_reason(district):
    project = _create(district)
    with pytest.raises(ValidationError) as error:
        _step(district, project, Stage.TERMINATED, date(2026, 2, 1))
    assert error.value.message_dict == {"reason": ["终止项目须说明原因。"]}


def test_terminating_records_its_date_and_reason_and_the_project_stops_counting(district):
    project = _signed(district)
    project = _step(district, project, Stage.TERMINATED, date(2026, 5, 1), reason="投资方撤资")
    assert (project.stage, project.terminated_on) == (Stage.TERMINATED, date(2026, 5, 1))
    assert project.termination_reason == "投资方撤资"
    assert project.signed_on == date(2026, 3, 2)  # what it reached stays on record
    assert not Project.objects.counted(2026, district.town_a).exists()


def test_a_terminated_project_resumes_only_at_the_stage_it_had_reached(district):
    project = _signed(district)
    project = _step(district, project, Stage.TERMINATED, date(2026, 5, 1), reason="投资方撤资")
    for stage in (Stage.NEGOTIATING, Stage.REGISTERED):
        with pytest.raises(ValidationError) as error:
            _step(district, project, stage, date(2026, 6, 1), reason="重新启动")
        assert _messages(error) == "已终止的项目只能恢复到终止前的阶段“签约”。"
    project = _step(district, project, Stage.SIGNED, date(2026, 6, 1), reason="投资方恢复投资")
    assert project.stage == Stage.SIGNED
    assert (project.terminated_on, project.termination_reason) == (None, "")
    assert Project.objects.counted(2026, district.town_a).get() == project


def test_resuming_needs_a_reason(district):
    project = _step(district, _create(district), Stage.TERMINATED, date(2026, 2, 1), "撤资")
    with pytest.raises(ValidationError) as error:
        _step(district, project, Stage.LEAD, date(2026, 3, 1))
    assert error.value.message_dict == {"reason": ["恢复已终止的项目须说明原因。"]}


# Roadmaps -----------------------------------------------------------------------------------


def test_the_roadmap_is_laid_from_the_template_when_a_project_is_signed(district):
    project = _step(
        district, _create(district, stage=Stage.NEGOTIATING), Stage.SIGNED, date(2026, 3, 2)
    )
    planned = {
        m.stage: (m.planned_on, m.requires_evidence, m.actual_on) for m in project.milestones.all()
    }
    assert planned == {
        Stage.REGISTERED: (date(2026, 4, 2), False, None),  # 1 month after signing
        Stage.LAND: (date(2026, 9, 2), True, None),  # 6 months after signing
        Stage.STARTED: (date(2026, 12, 2), True, None),  # 3 months after land
        Stage.PRODUCING: (date(2028, 6, 2), False, None),  # 18 months after the start
        Stage.AT_CAPACITY: (date(2029, 6, 2), False, None),  # 12 months after production
    }


def test_a_roadmap_signed_on_a_months_last_day_keeps_to_month_ends(district):
    project = _signed(district, on=date(2025, 8, 31))
    planned = dict(project.milestones.values_list("stage", "planned_on"))
    assert planned[Stage.REGISTERED] == date(2025, 9, 30)
    assert planned[Stage.LAND] == date(2026, 2, 28)
    assert planned[Stage.STARTED] == date(2026, 5, 28)  # 3 months after the planned land


def test_the_template_as_it_is_at_signing_lays_the_roadmap(district):
    MilestoneTemplate.objects.filter(stage=Stage.LAND).update(months=4)
    project = _signed(district)
    assert project.milestones.get(stage=Stage.LAND).planned_on == date(2026, 7, 2)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2026, 3, 2), 18, date(2027, 9, 2)),
        (date(2026, 5, 10), 0, date(2026, 5, 10)),
    ],
)
def test_months_are_added_as_calendar_months(day, months, expected):
    assert add_months(day, months) == expected


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)), st.integers(0, 240))
def test_adding_months_keeps_the_day_or_takes_the_months_last_day(day, months):
    import calendar

    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)


def test_replanning_a_milestone_needs_a_reason(district):
    milestone = _signed(district).milestones.get(stage=Stage.LAND)
    with pytest.raises(ValidationError) as error:
        actions.do_replan_milestone(
            milestone, planned_on=date(2026, 12, 31), actor=district.supervisor, reason=" "
        )
    assert error.value.message_dict == {"reason": ["调整计划日期须说明原因。"]}
    milestone.refresh_from_db()
    assert milestone.planned_on == date(2026, 9, 2)


def test_a_replanned_milestone_is_due_on_its_new_date(district):
    project = _signed(district)
    milestone = project.milestones.get(stage=Stage.REGISTERED)
    assert milestone.is_overdue(date(2026, 5, 1))
    actions.do_replan_milestone(
        milestone, planned_on=date(2026, 6, 30), actor=district.supervisor, reason="工商窗口调整"
    )
    milestone.refresh_from_db()
    assert milestone.planned_on == date(2026, 6, 30)
    assert not milestone.is_overdue(date(2026, 5, 1))
    latest = milestone.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        district.supervisor,
        "工商窗口调整",
    )


# Evidence -----------------------------------------------------------------------------------


def test_evidence_is_stored_under_its_project_and_milestone(district):
    project = _signed(district)
    evidence = _evidence(district, project, Stage.LAND, name="供地合同.pdf")
    assert evidence.file.name == f"evidence/{project.pk}/land/供地合同.pdf"
    assert evidence.file.read() == PDF
    assert (evidence.name, evidence.uploaded_by) == ("供地合同.pdf", district.supervisor)


@pytest.mark.parametrize(("name", "shown"), [("setup.exe", ".exe"), ("合同", "—")])
def test_evidence_of_another_type_is_refused_saying_which_types_are_allowed(district, name, shown):
    milestone = _signed(district).milestones.get(stage=Stage.LAND)
    with pytest.raises(ValidationError) as error:
        actions.do_add_evidence(
            milestone, upload=SimpleUploadedFile(name, b"MZ"), actor=district.supervisor
        )
    assert _messages(error) == (
        f"不支持的文件类型“{shown}”，允许：.doc、.docx、.jpeg、.jpg、.ofd、.pdf、.png、.xls、.xlsx。"
    )
    assert not Evidence.objects.exists()


def test_evidence_over_the_size_limit_is_refused(district, settings):
    settings.BIPIN_UPLOAD_MAX_MB = 1
    milestone = _signed(district).milestones.get(stage=Stage.LAND)
    too_big = SimpleUploadedFile("供地合同.pdf", b"0" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError) as error:
        actions.do_add_evidence(milestone, upload=too_big, actor=district.supervisor)
    assert _messages(error) == "文件超过 1 MB。"
    just_fits = SimpleUploadedFile("供地合同.PDF", b"0" * (1024 * 1024))
    actions.do_add_evidence(milestone, upload=just_fits, actor=district.supervisor)
    assert Evidence.objects.count() == 1


# The negative list --------------------------------------------------------------------------


@pytest.fixture
def negative_list(district):
    actions.do_load_negative_list(
        [
            {
                "code": "J01",
                "text": "禁止新建、扩建钢铁冶炼产能项目",
                "kind": NegativeKind.PROHIBITED,
                "industries": [_industry("31")],
            },
            {
                "code": "J02",
                "text": "禁止在生态保护红线内开展矿产资源开发",
                "kind": NegativeKind.PROHIBITED,
                "industries": [_industry("B")],
            },
            {
                "code": "X01",
                "text": "从事药品生产须取得药品生产许可证",
                "kind": NegativeKind.LICENSED,
                "industries": [_industry("27")],
            },
        ],
        actor=district.supervisor,
    )


def test_a_prohibited_industry_is_refused_at_entry_with_the_items_text(district, negative_list):
    with pytest.raises(ValidationError) as error:
        _create(district, name="钢铁冶炼项目", industry=_industry("31"))
    assert error.value.message_dict == {
        "industry": [
            "该行业属于市场准入负面清单禁止准入事项（J01）：禁止新建、扩建钢铁冶炼产能项目"
        ]
    }
    assert not Project.objects.exists()


def test_an_item_covering_a_section_covers_its_divisions(district, negative_list):
    with pytest.raises(ValidationError) as error:
        _create(district, name="萤石矿开采项目", industry=_industry("10"))
    assert "J02" in _messages(error)


def test_changing_a_project_into_a_prohibited_industry_is_refused(district, negative_list):
    project = _create(district)
    before = _snapshot()
    with pytest.raises(ValidationError) as error:
        actions.do_update_project(
            project, actor=district.supervisor, reason="改行业", industry=_industry("31")
        )
    assert "禁止新建、扩建钢铁冶炼产能项目" in _messages(error)
    assert _snapshot() == before


def test_signing_a_project_whose_industry_became_prohibited_is_refused(district):
    project = _step(
        district, _create(district, industry=_industry("32")), Stage.NEGOTIATING, date(2026, 2, 1)
    )
    actions.do_load_negative_list(
        [
            {
                "code": "J09",
                "text": "禁止新建电解铝产能",
                "kind": NegativeKind.PROHIBITED,
                "industries": [_industry("32")],
            }
        ],
        actor=district.supervisor,
    )
    with pytest.raises(ValidationError) as error:
        _step(district, project, Stage.SIGNED, date(2026, 3, 1))
    assert "（J09）：禁止新建电解铝产能" in _messages(error)
    project.refresh_from_db()
    assert (project.stage, project.signed_on, project.counting_year) == (
        Stage.NEGOTIATING,
        None,
        None,
    )


def test_an_import_in_a_prohibited_industry_is_refused(district, negative_list):
    with pytest.raises(ValidationError) as error:
        actions.do_import_project(
            actor=district.supervisor,
            code="LA-009",
            stage=Stage.SIGNED,
            stage_dates={Stage.SIGNED: date(2026, 3, 1)},
            reason="台账导入",
            name="钢铁冶炼项目",
            investor_name="某钢铁公司",
            industry=_industry("31"),
            contracted_investment=Decimal(90000),
            responsible_unit=district.town_b,
        )
    assert "J01" in _messages(error)
    assert not Project.objects.exists()


def test_a_licensed_industry_is_allowed_and_names_the_licence_it_needs(district, negative_list):
    items = actions.check_negative_list(_industry("27"))
    assert [(item.code, item.text) for item in items] == [
        ("X01", "从事药品生产须取得药品生产许可证")
    ]
    project = _signed(district, name="生物制剂项目", industry=_industry("27"))
    assert project.stage == Stage.SIGNED
    assert actions.check_negative_list(_industry("39")) == []


def test_reloading_the_negative_list_updates_its_items(district, negative_list):
    created, updated = actions.do_load_negative_list(
        [
            {
                "code": "J01",
                "text": "禁止新建钢铁产能",
                "kind": NegativeKind.PROHIBITED,
                "industries": [_industry("31"), _industry("30")],
            }
        ],
        actor=district.supervisor,
    )
    assert (created, updated) == (0, 1)
    item = NegativeListItem.objects.get(code="J01")
    assert item.text == "禁止新建钢铁产能"
    assert set(item.industries.values_list("code", flat=True)) == {"30", "31"}
    assert NegativeListItem.objects.count() == 3


# What counts (甄别) -------------------------------------------------------------------------


def test_a_project_counts_in_its_signing_year_for_the_signing_unit_and_the_units_above(district):
    project = _create(district, on=date(2025, 10, 8))
    project = _step(district, project, Stage.NEGOTIATING, date(2025, 11, 1))
    project = _step(district, project, Stage.SIGNED, date(2026, 1, 15))
    assert list(Project.objects.counted(2026, district.town_a)) == [project]
    assert list(Project.objects.counted(2026, district.district)) == [project]
    assert list(Project.objects.counted(2026, district.district.pk)) == [project]
    assert list(Project.objects.counted(2026)) == [project]
    assert not Project.objects.counted(2025, district.town_a).exists()
    assert not Project.objects.counted(2026, district.town_b).exists()
    assert not Project.objects.counted(2026, district.village_a).exists()


def test_a_project_signed_by_a_unit_below_a_town_counts_for_the_town(district):
    project = _signed(district, responsible_unit=district.village_a)
    assert list(Project.objects.counted(2026, district.town_a)) == [project]
    assert list(Project.objects.counted(2026, district.village_a)) == [project]


def test_the_signing_unit_keeps_the_count_when_another_unit_takes_the_project_over(district):
    project = _signed(district)
    actions.do_update_project(
        project, actor=district.supervisor, reason="移交於潜镇", responsible_unit=district.town_b
    )
    project.refresh_from_db()
    assert project.responsible_unit == district.town_b
    assert project.counting_unit == district.town_a
    assert list(Project.objects.counted(2026, district.town_a)) == [project]
    assert not Project.objects.counted(2026, district.town_b).exists()


def test_a_merged_project_does_not_count(district):
    first = _signed(district)
    second = _signed(
        district, name="年产5000万片MEMS传感器芯片(一期)项目", responsible_unit=district.town_b
    )
    check = DuplicateCheck.objects.get(project=second)
    actions.do_decide_duplicate(
        check, decision=DuplicateStatus.MERGED, actor=district.supervisor, note="重复录入"
    )
    assert list(Project.objects.counted(2026)) == [first]


def test_a_project_waiting_for_its_duplicate_screening_does_not_count_until_screened(district):
    first = _signed(district)
    second = _signed(district, name="年产5000万片MEMS传感器芯片二期项目")
    assert list(Project.objects.counted(2026)) == [first]
    check = DuplicateCheck.objects.get(project=second)
    actions.do_decide_duplicate(
        check, decision=DuplicateStatus.DISTINCT, actor=district.supervisor, note="二期另行签约"
    )
    assert set(Project.objects.counted(2026)) == {first, second}


def test_a_capital_increase_counts_in_the_amount_but_not_as_a_new_project(district):
    _signed(district, contracted_investment=Decimal(30000))
    _signed(
        district,
        name="增资扩产项目",
        investor_name="杭州临安精工机械有限公司",
        contracted_investment=Decimal(8000),
        is_capital_increase=True,
    )
    totals = Project.objects.counted(2026, district.town_a).totals()
    assert totals["count"] == 1
    assert totals["capital_increases"] == 1
    assert totals["contracted_investment"] == Decimal(38000)


def test_totals_of_nothing_are_zero(district):
    totals = Project.objects.counted(2026).totals()
    assert totals == {
        "count": 0,
        "capital_increases": 0,
        "contracted_investment": Decimal(0),
        "foreign_capital": Decimal(0),
    }


# Duplicate screening ------------------------------------------------------------------------


def test_the_same_company_code_in_another_unit_is_a_possible_duplicate(district):
    first = _signed(district, uscc=USCC)
    second = _create(
        district,
        name="微芯传感器生产基地",
        investor_name="微芯智造科技(杭州)有限公司",
        responsible_unit=district.town_b,
        uscc=USCC,
    )
    check = DuplicateCheck.objects.get()
    assert (check.project, check.candidate, check.reason) == (
        second,
        first,
        DuplicateReason.USCC,
    )
    assert check.status == DuplicateStatus.OPEN


@pytest.mark.parametrize(
    "name",
    [
        "年产5000万片MEMS传感器芯片(一期)项目",
        "年产5000万片MEMS传感器芯片建设项目",
        "MEMS传感器芯片项目",  # contained in the first one's name
        "年产5000万片MEMS传感器芯片项目",
    ],
)
def test_the_same_investor_with_a_like_named_project_in_any_unit_is_a_possible_duplicate(
    district, name
):
    first = _signed(district)
    second = _create(district, name=name, responsible_unit=district.town_b)
    check = DuplicateCheck.objects.get()
    assert (check.project, check.candidate, check.reason) == (
        second,
        first,
        DuplicateReason.INVESTOR_NAME,
    )


def test_the_same_investor_with_an_unrelated_project_is_not_a_duplicate(district):
    _signed(district)
    _create(district, name="天目山康养度假综合体", industry=_industry("84"))
    assert not DuplicateCheck.objects.exists()


def test_a_like_named_project_of_another_investor_is_not_a_duplicate(district):
    _signed(district)
    _create(district, investor_name="深圳锐思电子有限公司", responsible_unit=district.town_b)
    assert not DuplicateCheck.objects.exists()


def test_changing_a_projects_company_code_to_anothers_records_a_possible_duplicate(district):
    first = _signed(district, uscc=USCC)
    second = _create(district, name="康养综合体", investor_name="另一家公司")
    actions.do_update_project(second, actor=district.supervisor, reason="补充代码", uscc=USCC)
    check = DuplicateCheck.objects.get()
    assert (check.project, check.candidate, check.reason) == (second, first, DuplicateReason.USCC)


def test_a_pair_already_screened_is_not_screened_again(district):
    _signed(district)
    second = _create(district, name="年产5000万片MEMS传感器芯片二期项目")
    actions.do_decide_duplicate(
        DuplicateCheck.objects.get(),
        decision=DuplicateStatus.DISTINCT,
        actor=district.supervisor,
        note="二期",
    )
    actions.do_update_project(
        second,
        actor=district.supervisor,
        reason="更名",
        name="年产5000万片MEMS传感器芯片(二期)项目",
    )
    assert DuplicateCheck.objects.get().status == DuplicateStatus.DISTINCT


def test_merging_folds_the_later_project_into_the_earlier_and_closes_its_other_checks(district):
    first = _signed(district, uscc=USCC)
    other = _signed(district, name="MEMS传感器芯片项目", responsible_unit=district.town_b)
    DuplicateCheck.objects.all().delete()  # the second's own check is not the point here
    third = _signed(district, name="年产5000万片MEMS传感器芯片(一期)项目", uscc=USCC)
    checks = {check.candidate: check for check in DuplicateCheck.objects.filter(project=third)}
    assert set(checks) == {first, other}
    actions.do_decide_duplicate(
        checks[first], decision=DuplicateStatus.MERGED, actor=district.supervisor, note="重复录入"
    )
    third.refresh_from_db()
    assert third.merged_into == first
    assert DuplicateCheck.objects.get(pk=checks[other].pk).status == DuplicateStatus.MERGED
    assert third not in Project.objects.current()
    # A merged project is no candidate for later duplicates.
    _create(district, name="年产5000万片MEMS传感器芯片(一期)项目", responsible_unit=district.town_b)
    assert not DuplicateCheck.objects.filter(candidate=third).exists()


def test_deciding_a_screened_duplicate_again_is_refused(district):
    _signed(district)
    _signed(district, name="年产5000万片MEMS传感器芯片二期项目")
    check = DuplicateCheck.objects.get()
    actions.do_decide_duplicate(
        check, decision=DuplicateStatus.DISTINCT, actor=district.supervisor, note="二期"
    )
    for again in (check, DuplicateCheck.objects.get(pk=check.pk)):
        before = _snapshot()
        with pytest.raises(ValidationError) as error:
            actions.do_decide_duplicate(
                again, decision=DuplicateStatus.MERGED, actor=district.supervisor, note="改判"
            )
        assert _messages(error).startswith("该疑似重复已于 ")
        assert _snapshot() == before


def test_a_decision_other_than_distinct_or_merged_is_refused(district):
    _signed(district)
    _signed(district, name="年产5000万片MEMS传感器芯片二期项目")
    with pytest.raises(ValidationError) as error:
        actions.do_decide_duplicate(
            DuplicateCheck.objects.get(), decision=DuplicateStatus.OPEN, actor=district.supervisor
        )
    assert error.value.message_dict == {"decision": ["甄别结果只能是“确认不重复”或“合并”。"]}
    assert DuplicateCheck.objects.get().status == DuplicateStatus.OPEN


# History ------------------------------------------------------------------------------------


def test_entering_a_project_records_who_and_why(district):
    project = _create(district, stage=Stage.NEGOTIATING, on=date(2026, 2, 1))
    record = project.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        district.supervisor,
        "录入项目",
    )
    event = project.stage_events.get()
    assert (event.from_stage, event.to_stage, event.happened_on, event.actor) == (
        "",
        Stage.NEGOTIATING,
        date(2026, 2, 1),
        district.supervisor,
    )


def test_every_stage_change_records_who_when_and_why(district):
    project = _create(district)
    project = _step(district, project, Stage.NEGOTIATING, date(2026, 2, 1))
    project = _step(district, project, Stage.SIGNED, date(2026, 3, 2), reason="集中签约")
    project = _step(district, project, Stage.NEGOTIATING, date(2026, 3, 9), reason="协议作废")
    project = _step(district, project, Stage.TERMINATED, date(2026, 4, 1), reason="投资方撤资")
    project = _step(district, project, Stage.NEGOTIATING, date(2026, 5, 1), reason="重新洽谈")
    events = [
        (e.from_stage, e.to_stage, e.happened_on, e.actor, e.reason, e.is_backward)
        for e in project.stage_events.order_by("pk")
    ]
    supervisor = district.supervisor
    assert events == [
        ("", Stage.LEAD, date(2026, 1, 5), supervisor, "", False),
        (Stage.LEAD, Stage.NEGOTIATING, date(2026, 2, 1), supervisor, "", False),
        (Stage.NEGOTIATING, Stage.SIGNED, date(2026, 3, 2), supervisor, "集中签约", False),
        (Stage.SIGNED, Stage.NEGOTIATING, date(2026, 3, 9), supervisor, "协议作废", True),
        (Stage.NEGOTIATING, Stage.TERMINATED, date(2026, 4, 1), supervisor, "投资方撤资", False),
        (Stage.TERMINATED, Stage.NEGOTIATING, date(2026, 5, 1), supervisor, "重新洽谈", False),
    ]
    reasons = list(
        project.history.order_by("history_id").values_list("history_user", "history_change_reason")
    )
    assert reasons == [
        (supervisor.pk, "录入项目"),
        (supervisor.pk, "阶段变更：洽谈"),
        (supervisor.pk, "集中签约"),
        (supervisor.pk, "协议作废"),
        (supervisor.pk, "投资方撤资"),
        (supervisor.pk, "重新洽谈"),
    ]
    # The roadmap laid at signing went with the reason it went for.
    removed = Milestone.history.filter(history_type="-")
    assert removed.count() == 5
    assert set(removed.values_list("history_user", "history_change_reason")) == {
        (supervisor.pk, "协议作废")
    }


def test_reaching_a_milestone_is_in_its_history(district):
    project = _step(district, _signed(district), Stage.REGISTERED, date(2026, 3, 20))
    latest = project.milestones.get(stage=Stage.REGISTERED).history.latest()
    assert (latest.actual_on, latest.history_user, latest.history_change_reason) == (
        date(2026, 3, 20),
        district.supervisor,
        "节点完成",
    )


def test_changing_a_project_records_who_and_why(district):
    project = _create(district)
    actions.do_update_project(
        project,
        actor=district.supervisor,
        reason="核实投资额",
        contracted_investment=Decimal(25000),
    )
    latest = project.history.latest()
    assert (latest.contracted_investment, latest.history_user, latest.history_change_reason) == (
        Decimal(25000),
        district.supervisor,
        "核实投资额",
    )


def test_screening_a_duplicate_records_the_screener_and_the_note(district):
    first = _signed(district)
    second = _signed(district, name="年产5000万片MEMS传感器芯片(一期)项目")
    check = DuplicateCheck.objects.get()
    actions.do_decide_duplicate(
        check, decision=DuplicateStatus.MERGED, actor=district.clerk_a, note="同一项目重复录入"
    )
    check.refresh_from_db()
    assert (check.decided_by, check.note) == (district.clerk_a, "同一项目重复录入")
    assert check.decided_at is not None
    latest = check.history.latest()
    assert (latest.status, latest.history_user, latest.history_change_reason) == (
        DuplicateStatus.MERGED,
        district.clerk_a,
        "同一项目重复录入",
    )
    merged = second.history.latest()
    assert merged.history_change_reason == f"与 {first.code} 合并：同一项目重复录入"
    assert merged.history_user == district.clerk_a


def test_loading_the_negative_list_records_who(district, negative_list):
    record = NegativeListItem.objects.get(code="J01").history.get()
    assert (record.history_user, record.history_change_reason) == (
        district.supervisor,
        "导入负面清单",
    )


# A refused or failed action changes nothing --------------------------------------------------


@pytest.mark.parametrize(
    "refused",
    [
        pytest.param(lambda d, p: _step(d, p, Stage.LAND, date(2026, 6, 1)), id="a jump"),
        pytest.param(
            lambda d, p: _step(d, p, Stage.REGISTERED, timezone.localdate() + timedelta(days=2)),
            id="a future date",
        ),
        pytest.param(lambda d, p: _step(d, p, Stage.REGISTERED, date(2026, 3, 1)), id="too early"),
        pytest.param(lambda d, p: _step(d, p, Stage.NEGOTIATING, date(2026, 4, 1)), id="back"),
        pytest.param(lambda d, p: _step(d, p, Stage.TERMINATED, date(2026, 4, 1)), id="terminate"),
        pytest.param(
            lambda d, p: actions.do_update_project(
                p, actor=d.supervisor, reason="x", contracted_investment=Decimal(-5)
            ),
            id="a negative amount",
        ),
        pytest.param(
            lambda d, p: actions.do_update_project(p, actor=d.supervisor, uscc="9133018"),
            id="a short code",
        ),
        pytest.param(
            lambda d, p: actions.do_replan_milestone(
                p.milestones.get(stage=Stage.LAND),
                planned_on=date(2027, 1, 1),
                actor=d.supervisor,
                reason="",
            ),
            id="a replan without reason",
        ),
        pytest.param(
            lambda d, p: actions.do_import_project(
                actor=d.supervisor,
                code=p.code,
                stage=Stage.REGISTERED,
                stage_dates={Stage.SIGNED: date(2026, 3, 2), Stage.REGISTERED: date(2026, 2, 1)},
                reason="台账导入",
            ),
            id="an import with dates running backwards",
        ),
    ],
)
def test_a_refused_action_changes_nothing(district, refused: Callable[[District, Project], Any]):
    project = _signed(district, uscc=USCC)
    before = _snapshot()
    with pytest.raises(ValidationError):
        refused(district, project)
    assert _snapshot() == before


def test_an_entry_failing_after_its_first_writes_leaves_nothing_behind(district, monkeypatch):
    def broken(project: Project) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "lay_roadmap", broken)
    before = _snapshot()
    with pytest.raises(RuntimeError):
        _signed(district)
    assert _snapshot() == before


def test_a_stage_change_failing_after_its_first_writes_leaves_nothing_behind(district, monkeypatch):
    project = _create(district, stage=Stage.NEGOTIATING)

    def broken(project: Project) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "lay_roadmap", broken)
    before = _snapshot()
    with pytest.raises(RuntimeError):
        _step(district, project, Stage.SIGNED, date(2026, 3, 2))
    assert _snapshot() == before


def test_a_merge_failing_halfway_leaves_the_check_open(district, monkeypatch):
    _signed(district)
    _signed(district, name="年产5000万片MEMS传感器芯片(一期)项目")
    check = DuplicateCheck.objects.get()
    saves = []
    real = actions.save_with_history

    def fails_on_the_project(obj: Any, **kwargs: Any) -> None:
        saves.append(obj)
        if isinstance(obj, Project):
            raise RuntimeError("disk full")
        real(obj, **kwargs)

    monkeypatch.setattr(actions, "save_with_history", fails_on_the_project)
    before = _snapshot()
    with pytest.raises(RuntimeError):
        actions.do_decide_duplicate(
            check, decision=DuplicateStatus.MERGED, actor=district.supervisor, note="重复"
        )
    assert isinstance(saves[0], DuplicateCheck)  # the check was written before it failed
    assert _snapshot() == before


def test_a_negative_list_failing_on_a_later_row_loads_none_of_it(district):
    rows = [
        {"code": "J01", "text": "禁止钢铁", "kind": NegativeKind.PROHIBITED, "industries": []},
        {"code": "J02", "kind": NegativeKind.PROHIBITED, "industries": []},  # no text
    ]
    with pytest.raises(KeyError):
        actions.do_load_negative_list(rows, actor=district.supervisor)
    assert not NegativeListItem.objects.exists()
    assert not NegativeListItem.history.exists()


# The ledger import ---------------------------------------------------------------------------


def _import(district: District, **changes: Any) -> tuple[Project, bool]:
    row: dict[str, Any] = {
        "actor": district.supervisor,
        "code": "LA-001",
        "stage": Stage.STARTED,
        "stage_dates": {
            Stage.SIGNED: date(2026, 1, 9),
            Stage.REGISTERED: date(2026, 2, 1),
            Stage.LAND: date(2026, 5, 6),
            Stage.STARTED: date(2026, 7, 1),
        },
        "reason": "台账导入",
        "name": "生物医药CDMO研发生产基地",
        "investor_name": "浙江天目生物医药有限公司",
        "investor_origin": "江苏省苏州市",
        "industry": _industry("27"),
        "contracted_investment": Decimal(260000),
        "foreign_capital": Decimal(3000),
        "responsible_unit": district.town_a,
    }
    row.update(changes)
    return actions.do_import_project(**row)


def test_an_imported_project_has_its_stage_dates_roadmap_and_count(district):
    project, changed = _import(district)
    assert changed
    assert (project.stage, project.counting_year, project.counting_unit) == (
        Stage.STARTED,
        2026,
        district.town_a,
    )
    actual = dict(project.milestones.values_list("stage", "actual_on"))
    assert actual == {
        Stage.REGISTERED: date(2026, 2, 1),
        Stage.LAND: date(2026, 5, 6),
        Stage.STARTED: date(2026, 7, 1),
        Stage.PRODUCING: None,
        Stage.AT_CAPACITY: None,
    }
    assert project.milestones.get(stage=Stage.PRODUCING).planned_on == date(2028, 1, 1)


def test_importing_the_same_row_again_changes_nothing(district):
    _import(district)
    before = _snapshot()
    _project, changed = _import(district)
    assert not changed
    assert _snapshot() == before


def test_an_imported_stage_after_signing_needs_a_signing_date(district):
    with pytest.raises(ValidationError) as error:
        _import(district, stage=Stage.REGISTERED, stage_dates={Stage.REGISTERED: date(2026, 2, 1)})
    assert error.value.message_dict == {"signed_on": ["“注册”阶段的项目须有签约日期。"]}


def test_imported_dates_running_backwards_are_refused(district):
    with pytest.raises(ValidationError) as error:
        _import(
            district,
            stage_dates={
                Stage.SIGNED: date(2026, 1, 9),
                Stage.REGISTERED: date(2026, 2, 1),
                Stage.LAND: date(2026, 1, 6),
                Stage.STARTED: date(2026, 7, 1),
            },
        )
    assert error.value.message_dict == {"land_on": ["“供地”日期早于“注册”日期。"]}
    assert not Project.objects.exists()


# Regressions found while writing the suite ---------------------------------------------------


def test_going_back_does_not_complete_the_milestone_of_the_stage_it_returns_to(
    district: District,
) -> None:
    project = _signed(district)
    _step(district, project, Stage.REGISTERED, date(2026, 3, 20))
    _evidence(district, project, Stage.LAND)
    _step(district, project, Stage.LAND, date(2026, 5, 1))
    _step(district, project, Stage.REGISTERED, date(2026, 9, 1), reason="供地合同撤销")
    registered = Milestone.objects.get(project=project, stage=Stage.REGISTERED)
    assert registered.actual_on == date(2026, 3, 20)
    assert Milestone.objects.get(project=project, stage=Stage.LAND).actual_on is None


def test_a_project_sent_back_to_a_stage_without_a_date_can_move_on_again(
    district: District,
) -> None:
    project = _signed(district)
    _step(district, project, Stage.NEGOTIATING, date(2026, 4, 1), reason="对方重新谈判")
    project.refresh_from_db()
    assert project.negotiating_on == date(2026, 4, 1)
    _step(district, project, Stage.SIGNED, date(2026, 4, 10))
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED and project.counting_year == 2026


def test_a_duplicate_decided_on_a_stale_copy_is_refused(district: District) -> None:
    _signed(district)
    later = _signed(
        district, responsible_unit=district.town_b, name="年产5000万片MEMS传感器芯片二期项目"
    )
    check = DuplicateCheck.objects.get(project=later)
    stale = DuplicateCheck.objects.get(pk=check.pk)
    actions.do_decide_duplicate(check, decision=DuplicateStatus.DISTINCT, actor=district.supervisor)
    with pytest.raises(ValidationError):
        actions.do_decide_duplicate(
            stale, decision=DuplicateStatus.MERGED, actor=district.supervisor
        )
    assert DuplicateCheck.objects.get(pk=check.pk).status == DuplicateStatus.DISTINCT


def _imported(district: District, stage: str, dates: dict[str, date], **fields: Any) -> Project:
    particulars: dict[str, Any] = {
        "name": "导入项目",
        "investor_name": "导入投资方",
        "industry": _industry(),
        "contracted_investment": Decimal(30000),
        "responsible_unit": district.town_a,
    }
    particulars.update(fields)
    project, _changed = actions.do_import_project(
        actor=district.supervisor,
        code="ZS2026-9001",
        stage=stage,
        stage_dates=dates,
        reason="导入",
        **particulars,
    )
    return project


def test_reimporting_a_corrected_signing_date_keeps_the_unit_that_signed(
    district: District,
) -> None:
    _imported(district, Stage.SIGNED, {Stage.SIGNED: date(2026, 2, 1)})
    project = _imported(
        district, Stage.SIGNED, {Stage.SIGNED: date(2026, 2, 3)}, responsible_unit=district.town_b
    )
    assert project.counting_unit == district.town_a
    assert project.signed_on == date(2026, 2, 3)


def test_reimporting_an_earlier_stage_takes_back_the_roadmap(district: District) -> None:
    _imported(
        district,
        Stage.LAND,
        {
            Stage.SIGNED: date(2026, 2, 1),
            Stage.REGISTERED: date(2026, 2, 20),
            Stage.LAND: date(2026, 6, 1),
        },
    )
    project = _imported(
        district,
        Stage.REGISTERED,
        {Stage.SIGNED: date(2026, 2, 1), Stage.REGISTERED: date(2026, 2, 20)},
    )
    assert Milestone.objects.get(project=project, stage=Stage.LAND).actual_on is None
    project = _imported(district, Stage.NEGOTIATING, {Stage.NEGOTIATING: date(2026, 1, 10)})
    assert not Milestone.objects.filter(project=project).exists()
    assert project.counting_year is None


def test_an_imported_termination_carries_its_reason(district: District) -> None:
    with pytest.raises(ValidationError) as refused:
        _imported(
            district,
            Stage.TERMINATED,
            {Stage.SIGNED: date(2026, 2, 1), Stage.TERMINATED: date(2026, 5, 1)},
        )
    assert "termination_reason" in refused.value.message_dict
    project, _ = actions.do_import_project(
        actor=district.supervisor, code="ZS2026-9002", stage=Stage.TERMINATED,
        stage_dates={Stage.SIGNED: date(2026, 2, 1), Stage.TERMINATED: date(2026, 5, 1)},
        reason="导入", termination_reason="投资方资金链断裂", name="终止项目", investor_name="某方",
        industry=_industry(), contracted_investment=Decimal(1000), responsible_unit=district.town_a,
    )  # fmt: skip
    assert project.termination_reason == "投资方资金链断裂"


# The ledger import in batches ----------------------------------------------------------------


def _ledger_row(district: District, number: int, **fields: Any) -> actions.LedgerRow:
    particulars: dict[str, Any] = {
        "name": f"批量导入项目{number}",
        "investor_name": f"批量投资方{number}",
        "industry": _industry(),
        "contracted_investment": Decimal(10000),
        "responsible_unit": district.town_a,
    }
    particulars.update(fields)
    return actions.LedgerRow(
        code=f"PL-{number:03d}",
        stage=Stage.LAND,
        stage_dates={
            Stage.SIGNED: date(2026, 1, 9),
            Stage.REGISTERED: date(2026, 2, 1),
            Stage.LAND: date(2026, 5, 6),
        },
        fields=particulars,
    )


def _batch_queries(district: District, rows: list[actions.LedgerRow]) -> tuple[int, int]:
    """The queries of a batch: reads and updates, and inserts (which the database may split
    by its limit of parameters per statement)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        actions.do_import_projects(rows, actor=district.supervisor, reason="台账导入")
    inserts = sum(query["sql"].startswith("INSERT") for query in queries.captured_queries)
    return len(queries) - inserts, inserts


def test_a_batch_of_ledger_rows_does_not_query_per_row(district):
    reads, inserts = _batch_queries(district, [_ledger_row(district, n) for n in range(3)])
    more_reads, more_inserts = _batch_queries(
        district, [_ledger_row(district, n) for n in range(100, 160)]
    )
    assert more_reads == reads
    assert more_inserts < inserts + 10  # 60 projects, 300 milestones and their history
    unchanged_reads, unchanged_inserts = _batch_queries(
        district, [_ledger_row(district, n) for n in range(100, 160)]
    )
    assert unchanged_inserts == 0 and unchanged_reads < reads  # unchanged rows write nothing


def test_a_batch_writes_projects_roadmaps_and_their_history_with_actor_and_reason(district):
    results = actions.do_import_projects(
        [_ledger_row(district, 1), _ledger_row(district, 2)],
        actor=district.supervisor,
        reason="台账导入",
    )
    assert [outcome for _project, outcome in results] == ["created", "created"]
    project = Project.objects.get(code="PL-002")
    assert (project.counting_year, project.counting_unit) == (2026, district.town_a)
    assert dict(project.milestones.values_list("stage", "actual_on")) == {
        Stage.REGISTERED: date(2026, 2, 1),
        Stage.LAND: date(2026, 5, 6),
        Stage.STARTED: None,
        Stage.PRODUCING: None,
        Stage.AT_CAPACITY: None,
    }
    assert StageEvent.objects.filter(project=project, to_stage=Stage.LAND).count() == 1
    for history in (project.history.get(), *(m.history.get() for m in project.milestones.all())):
        assert (history.history_user, history.history_change_reason) == (
            district.supervisor,
            "台账导入",
        )


def test_a_batch_names_every_refused_row_and_writes_nothing(district, negative_list):
    before = _snapshot()
    rows = [
        _ledger_row(district, 1),
        _ledger_row(district, 2, contracted_investment=Decimal(-1)),
        _ledger_row(district, 3, industry=_industry("31")),  # prohibited (J01)
        _ledger_row(district, 1, name="同一编号"),
        _ledger_row(district, 5, industry=_industry("C")),  # a section, not a division
        _ledger_row(district, 6, industry=_industry("09")),  # in section B (J02)
    ]
    with pytest.raises(actions.RowErrors) as refused:
        actions.do_import_projects(rows, actor=district.supervisor, reason="台账导入")
    assert {index: sorted(e.message_dict) for index, e in refused.value.errors.items()} == {
        1: ["contracted_investment"],
        2: ["industry"],
        3: ["code"],
        4: ["industry"],
        5: ["industry"],
    }
    assert "J01" in " ".join(refused.value.errors[2].messages)
    assert "J02" in " ".join(refused.value.errors[5].messages)
    assert _snapshot() == before


def test_a_batch_screens_its_rows_against_each_other_and_the_stored_projects(district):
    stored = _signed(district, uscc=USCC)
    actions.do_import_projects(
        [
            _ledger_row(district, 1, investor_name="同一投资方", name="智能装备产业园一期"),
            _ledger_row(district, 2, uscc=USCC),
            _ledger_row(district, 3, investor_name="同一投资方", name="智能装备产业园二期"),
        ],
        actor=district.supervisor,
        reason="台账导入",
    )
    checks = {
        (check.project.code, check.candidate.code, check.reason)
        for check in DuplicateCheck.objects.select_related("project", "candidate")
    }
    assert checks == {
        ("PL-002", stored.code, DuplicateReason.USCC),
        ("PL-003", "PL-001", DuplicateReason.INVESTOR_NAME),
    }
