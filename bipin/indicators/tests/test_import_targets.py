"""The supervision office's target sheet, in and out: targets set by the supervisor only, a
blank cell changing nothing, a change after 1 January needing a reason, every bad cell
named with nothing written, and an export that reads back (in another library) and
imports back unchanged."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from bipin.conftest import District
from bipin.core.excel import Outcome, excel_kinds, jobs
from bipin.indicators import actions
from bipin.indicators.imports.targets import (
    TARGETS_EXCEL,
    export_queryset,
    export_targets,
    import_targets,
    targets_template,
)
from bipin.indicators.models import Target
from bipin.indicators.tests.conftest import Catalogue
from bipin.org.models import User

BEFORE_THE_YEAR = date(2025, 12, 1)
IN_THE_YEAR = date(2026, 3, 1)
HEADER = ["固定资产投资（万元）", "地区生产总值增速（%）", "引进市外内资"]


def target_sheet(
    rows: list[tuple[str, list[Any]]],
    *,
    title: str = "2026年度各镇街主要经济指标目标任务",
    header: list[str] = HEADER,
    name: str = "目标任务.xlsx",
) -> io.BytesIO:
    """A target sheet as the supervision office keeps it: a merged title, the header with
    units of measure, group rows, the units, a 合计 row and a 注 line."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "目标"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2 + len(header))
    sheet.append(["序号", "单位", *header])
    groups = {"锦城街道": "街道"}
    shown = ""
    for number, (unit, values) in enumerate(rows, start=1):
        group = groups.get(unit.strip(), "乡镇")
        if group != shown:
            sheet.append(["一" if group == "街道" else "二", group])
            shown = group
        sheet.append([number, unit, *values])
    sheet.append(["合计", None, "=SUM(C4:C8)"])
    sheet.append(["注：目标为全年目标。"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def _errors(result: Any) -> list[tuple[int | None, str | None, str | None, str]]:
    return [(error.row, error.column, error.header, error.message) for error in result.errors]


def _targets() -> list[tuple[Any, ...]]:
    return list(
        Target.objects.order_by("indicator__code", "unit__code").values_list(
            "indicator__code", "unit__name", "year", "amount", "phasing"
        )
    )


def _set(district: District, catalogue: Catalogue) -> None:
    """The targets of 2026 as set before the year."""
    for indicator, unit, amount in [
        (catalogue.fai, district.town_a, "120000"),
        (catalogue.fai, district.town_b, "80000"),
        (catalogue.gdp_growth, district.town_a, "8.0"),
    ]:
        actions.do_set_target(
            indicator=indicator, unit=unit, year=2026, amount=amount,
            actor=district.supervisor, today=BEFORE_THE_YEAR,
        )  # fmt: skip


# The import ------------------------------------------------------------------------------------


def test_the_supervisor_imports_the_target_sheet(district: District, catalogue: Catalogue) -> None:
    sheet = target_sheet(
        [("锦城街道 ", ["１２００００", "8.0%", 5000]), ("於潜", [80000, -2, None])]
    )

    result = import_targets(sheet, actor=district.supervisor, today=BEFORE_THE_YEAR)

    assert result.errors == []
    assert result.written
    assert [(row.row, row.unit, row.group, row.outcome) for row in result.rows] == [
        (4, "锦城街道", "街道", Outcome.CREATED),
        (6, "於潜镇", "乡镇", Outcome.CREATED),
    ]
    assert _targets() == [
        ("FAI", "锦城街道", 2026, Decimal("120000"), None),
        ("FAI", "於潜镇", 2026, Decimal("80000"), None),
        ("GDP_G", "锦城街道", 2026, Decimal("8.0"), None),
        ("GDP_G", "於潜镇", 2026, Decimal("-2"), None),  # a growth target may be negative
        ("OUTSIDE", "锦城街道", 2026, Decimal("5000"), None),
    ]


def test_a_blank_cell_changes_nothing_and_a_reimport_writes_nothing(
    district: District, catalogue: Catalogue
) -> None:
    _set(district, catalogue)
    before, versions = _targets(), Target.history.count()
    sheet = target_sheet([("锦城街道", [120000, None, None]), ("於潜镇", [None, None, None])])

    result = import_targets(sheet, actor=district.supervisor, today=IN_THE_YEAR)

    assert result.errors == []
    assert [row.outcome for row in result.rows] == [Outcome.UNCHANGED]
    assert _targets() == before
    assert Target.history.count() == versions


def test_a_change_after_the_year_began_needs_a_reason(
    district: District, catalogue: Catalogue
) -> None:
    _set(district, catalogue)
    before = _targets()
    sheet = target_sheet([("锦城街道", [130000, 8.5, 6000]), ("於潜镇", [90000, None, None])])

    refused = import_targets(sheet, actor=district.supervisor, today=IN_THE_YEAR)
    sheet.seek(0)
    accepted = import_targets(
        sheet, actor=district.supervisor, today=IN_THE_YEAR, reason="区委调整全年目标"
    )

    assert [error.message for error in refused.errors] == [
        "2026 年已开始，修改已有的目标须说明原因（C4、D4、C6）：命令行用 --reason，页面上填写“修改原因”。"
    ]
    assert accepted.errors == []
    assert [row.outcome for row in accepted.rows] == [Outcome.UPDATED, Outcome.UPDATED]
    assert "C4 固定资产投资：120,000.0 万元 → 130,000.0 万元" in [
        remark.text for remark in accepted.rows[0].remarks
    ]
    assert _targets() != before
    target = Target.objects.get(indicator=catalogue.fai, unit=district.town_a)
    assert target.amount == 130000
    assert target.history.first().history_change_reason == (
        "区委调整全年目标（Excel 导入：目标任务.xlsx）"
    )


def test_a_negative_target_is_refused_naming_the_cell(
    district: District, catalogue: Catalogue
) -> None:
    sheet = target_sheet([("锦城街道", [-100, -1, None]), ("於潜镇", [5, None, "多"])])

    result = import_targets(sheet, actor=district.supervisor, today=BEFORE_THE_YEAR)

    assert _errors(result) == [
        (4, "C", "固定资产投资（万元）", "“固定资产投资”的目标不能为负数：-100。"),
        (6, "E", "引进市外内资", "无法识别的数值“多”，应写作 12.5、12.5% 或 1,234.5"),
    ]
    assert result.rows == []
    assert Target.objects.count() == 0


@pytest.mark.parametrize("who", ["provider", "clerk_a", "manager_a", "leader"])
def test_only_the_supervisor_may_import_targets(
    district: District, catalogue: Catalogue, who: str
) -> None:
    sheet = target_sheet([("锦城街道", [100, None, None])])

    result = import_targets(sheet, actor=getattr(district, who), today=BEFORE_THE_YEAR)

    assert [error.message for error in result.errors] == [
        "只有督查室可以导入目标任务：年度目标由督查室设置。"
    ]
    assert Target.objects.count() == 0


def test_a_unit_that_does_not_report_the_indicator_is_named(
    district: District, catalogue: Catalogue
) -> None:
    sheet = target_sheet([("锦城街道", [100, None, None]), ("区统计局", [5, None, None])])

    result = import_targets(sheet, actor=district.supervisor, today=BEFORE_THE_YEAR)

    assert _errors(result) == [
        (6, "C", "固定资产投资（万元）", "区统计局不报送“固定资产投资”，不能设置目标。")
    ]
    assert Target.objects.count() == 0


def test_a_target_phased_by_month_keeps_its_annual_amount(
    district: District, catalogue: Catalogue
) -> None:
    phasing = [str(10000 * month) for month in range(1, 13)]
    actions.do_set_target(
        indicator=catalogue.fai, unit=district.town_a, year=2026, amount="120000",
        phasing=phasing, actor=district.supervisor, today=BEFORE_THE_YEAR,
    )  # fmt: skip

    same = import_targets(
        target_sheet([("锦城街道", [120000, None, None])]), actor=district.supervisor
    )
    changed = import_targets(
        target_sheet([("锦城街道", [150000, None, None])]),
        actor=district.supervisor,
        reason="调整",
    )

    assert same.errors == [] and same.unchanged == 1
    assert _errors(changed) == [
        (
            4, "C", "固定资产投资（万元）",
            "该目标已按月分解（12 月末为 120,000.0 万元），改为 150,000.0 万元 须先在目标页面调整分月目标。",
        )
    ]  # fmt: skip
    assert Target.objects.get().phasing == phasing


def test_a_title_without_a_year_and_an_unknown_indicator_are_named(
    district: District, catalogue: Catalogue
) -> None:
    no_year = import_targets(
        target_sheet([("锦城街道", [1, None, None])], title="各镇街主要经济指标目标任务"),
        actor=district.supervisor,
    )
    unknown = import_targets(
        target_sheet([("锦城街道", [1])], header=["社会消费品零售总额（万元）"]),
        actor=district.supervisor,
    )

    assert _errors(no_year) == [
        (
            1, "A", "标题",
            "无法从标题读出年度：标题应写明年度，如“2026年度各镇街主要经济指标目标任务”。",
        )
    ]  # fmt: skip
    assert _errors(unknown) == [
        (
            2, "C", "社会消费品零售总额（万元）",
            "未知指标“社会消费品零售总额（万元）”：表头应为指标目录中的指标名称，可带计量单位，如“固定资产投资（万元）”。",
        )
    ]  # fmt: skip


# Export, template, round trip -------------------------------------------------------------------


def _export(user: User, path: Path, **filters: str) -> Path:
    export_targets(export_queryset(user, filters), path)
    return path


def test_an_export_reads_back_and_imports_back_unchanged(
    district: District, catalogue: Catalogue, tmp_path: Path
) -> None:
    _set(district, catalogue)
    path = _export(district.supervisor, tmp_path / "目标.xlsx", year="2026")
    before, versions = _targets(), Target.history.count()

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("2026年目标").to_python()
    result = import_targets(path, actor=district.supervisor, today=IN_THE_YEAR)

    header = rows[2]
    growth = header.index("地区生产总值增速（%）")
    assert rows[0][0] == "2026年度各镇街主要经济指标目标任务"
    assert header[:3] == ["序号", "单位", "固定资产投资（万元）"]
    # Every indicator the towns report, derived ones too (they have targets as well).
    assert "引进市外内资（万元）" in header and "新签约亿元以上项目数（个）" in header
    assert rows[3][:2] == ["一", "街道"]
    assert rows[4][:3] == [1, "锦城街道", 120000] and rows[4][growth] == 8
    assert rows[5][:2] == ["二", "乡镇"]
    assert rows[6][:3] == [1, "於潜镇", 80000]
    assert rows[7][:3] == ["合计", "", 200000]
    assert rows[7][growth] == ""  # growths do not add up
    assert str(rows[9][0]).startswith("注：")
    assert result.errors == []
    assert {row.outcome for row in result.rows} == {Outcome.UNCHANGED}
    assert _targets() == before
    assert Target.history.count() == versions


def test_an_export_holds_what_its_user_may_see(
    district: District, catalogue: Catalogue, tmp_path: Path
) -> None:
    _set(district, catalogue)

    figures = export_queryset(district.clerk_b, {"period": "2026", "indicators": "FAI"})

    assert [unit.name for _label, units in figures.groups for unit in units] == ["於潜镇"]
    assert figures.amounts == {(catalogue.fai.pk, district.town_b.pk): Decimal("80000")}
    with pytest.raises(ValueError, match="无法识别的年度“明年”"):
        export_queryset(district.supervisor, {"year": "明年"})
    with pytest.raises(ValueError, match="不能按 unit 筛选"):
        export_queryset(district.supervisor, {"unit": "x"})


def test_the_template_lists_the_indicators_and_imports_nothing(
    district: District, catalogue: Catalogue
) -> None:
    content = targets_template()
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    rows = workbook.get_sheet_by_index(0).to_python()

    assert str(rows[0][0]).endswith("年度各镇街主要经济指标目标任务")
    assert "固定资产投资（万元）" in rows[2]
    assert "说明" in workbook.sheet_names
    source = io.BytesIO(content)
    source.name = "模板.xlsx"
    result = import_targets(source, actor=district.supervisor)
    assert result.errors == [] and result.rows == []


# Commands and pages ------------------------------------------------------------------------------


def test_the_commands_import_with_a_reason_and_export_a_year(
    district: District, catalogue: Catalogue, tmp_path: Path
) -> None:
    source = tmp_path / "目标.xlsx"
    source.write_bytes(target_sheet([("锦城街道", [100, None, None])]).getvalue())
    out = io.StringIO()
    call_command("import", "targets", str(source), "--reason", "年初下达", stdout=out)
    assert "已导入：新增 1 行" in out.getvalue()
    assert Target.objects.get().amount == 100

    path = tmp_path / "导出.xlsx"
    out = io.StringIO()
    call_command("export", "targets", "2026", str(path), "--indicators", "FAI", stdout=out)
    assert "已导出 2 行" in out.getvalue()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[2][2:] == ["固定资产投资（万元）"]
    err = io.StringIO()
    with pytest.raises(CommandError, match="发现 1 处错误"):
        call_command(
            "import", "targets", str(source), "--user", "provider", stdout=io.StringIO(),
            stderr=err,
        )  # fmt: skip
    assert "只有督查室可以导入目标任务" in err.getvalue()


def test_the_kind_takes_a_year_and_asks_for_a_reason() -> None:
    assert excel_kinds.get("targets") is TARGETS_EXCEL
    assert TARGETS_EXCEL.period_argument == "YEAR"
    assert TARGETS_EXCEL.reason_help
    assert not excel_kinds.get("projects").reason_help


@pytest.fixture
def inline_imports(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(jobs, "RUN_IN_BACKGROUND", False)


def test_the_page_asks_the_reason_and_imports_with_it(
    district: District, catalogue: Catalogue, login: Any, inline_imports: None
) -> None:
    _set(district, catalogue)
    client = login(district.supervisor)
    page = client.get("/excel/targets/import/").content.decode()
    assert 'name="reason"' in page
    assert 'name="reason"' not in client.get("/excel/projects/import/").content.decode()
    sheet = target_sheet([("锦城街道", [125000, None, None])]).getvalue()

    without = client.post(
        "/excel/targets/import/", {"upload": SimpleUploadedFile("目标.xlsx", sheet)}
    )
    assert "修改已有的目标须说明原因（C4）" in client.get(without["Location"]).content.decode()
    preview = client.post(
        "/excel/targets/import/",
        {"upload": SimpleUploadedFile("目标.xlsx", sheet), "reason": "年中调整"},
    )
    assert "125,000.0 万元" in client.get(preview["Location"]).content.decode()
    confirmed = client.post(preview["Location"] + "confirm/")
    assert "导入完成" in client.get(confirmed["Location"]).content.decode()
    target = Target.objects.get(indicator=catalogue.fai, unit=district.town_a)
    assert target.amount == 125000
    assert target.history.first().history_change_reason.startswith("年中调整")


def test_the_pages_are_the_supervisors(
    district: District, catalogue: Catalogue, login: Any
) -> None:
    assert login(district.clerk_a).get("/excel/targets/import/").status_code == 403
    assert login(district.provider).get("/excel/targets/template/").status_code == 403
    assert login(district.viewer).get("/excel/targets/export/").status_code == 403
    response = login(district.clerk_a).get("/excel/targets/export/", {"year": "2026"})
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    assert [row[1] for row in rows.to_python() if row[0] == 1] == ["锦城街道"]


def test_an_export_made_in_an_english_session_imports_back_unchanged(
    district: District, catalogue: Catalogue, tmp_path: Path
) -> None:
    _set(district, catalogue)
    with translation.override("en"):
        path = _export(district.supervisor, tmp_path / "targets.xlsx", year="2026")
        result = import_targets(path, actor=district.supervisor, today=IN_THE_YEAR)
    assert result.errors == []
    assert {row.outcome for row in result.rows} == {Outcome.UNCHANGED}
