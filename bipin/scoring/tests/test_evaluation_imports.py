"""The 亩均 figures sheet in and out: a sheet written with openpyxl imports into the year
of its title; every bad cell is named by row and column and nothing is written; an
enterprise is found by its code and its name must match; an export reads back in another
library (python_calamine) and imports back unchanged; the template; the kind's pages."""

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from bipin.conftest import District
from bipin.core.excel import Outcome, excel_kinds, jobs
from bipin.enterprises.choices import Size
from bipin.enterprises.models import Enterprise
from bipin.enterprises.tests.test_enterprise_views import make_enterprise
from bipin.scoring.imports import (
    FIGURES_EXCEL,
    export_figures,
    export_queryset,
    figures_template,
    import_figures,
)
from bipin.scoring.models import EnterpriseFigures
from bipin.scoring.tests.test_evaluation_actions import Evaluated, build_evaluated

HEADER = [
    "统一社会信用代码", "企业名称", "企业类别（规上/规下）", "用地面积（亩）", "实缴税收（万元）",
    "工业增加值（万元）", "营业收入（万元）", "年平均职工人数", "综合能耗（吨标煤）",
    "主要污染物排放量（吨）", "R&D 经费支出（万元）", "用电量（万千瓦时）", "投产年份",
    "不参评原因", "否决事项",
]  # fmt: skip


@pytest.fixture
def evaluated(district: District) -> Evaluated:
    return build_evaluated(district)


@pytest.fixture
def factories(district: District) -> dict[str, Enterprise]:
    return {
        "above": make_enterprise(district, name="杭州临安微芯电子有限公司", size=Size.ABOVE_SCALE),
        "below": make_enterprise(
            district, district.town_b, name="杭州於潜竹木制品有限公司", size=Size.BELOW_SCALE
        ),
    }


def above_row(enterprise: Enterprise, **changes: Any) -> list[Any]:
    values: dict[str, Any] = {
        "uscc": enterprise.uscc, "name": enterprise.name, "size": "规上", "land": 20,
        "tax": 500, "va": 2600, "revenue": "10,000", "staff": 130, "energy": 1000,
        "emissions": 0.5, "rd": 300, "power": 820.5, "started": 2015, "unrated": None,
        "veto": None,
    }  # fmt: skip
    values.update(changes)
    return list(values.values())


def below_row(enterprise: Enterprise, **changes: Any) -> list[Any]:
    values: dict[str, Any] = {
        "uscc": enterprise.uscc, "name": enterprise.name, "size": "规下", "land": "8亩",
        "tax": 96.5, "va": None, "revenue": None, "staff": 30, "energy": None,
        "emissions": None, "rd": None, "power": 400, "started": "2012年", "unrated": None,
        "veto": None,
    }  # fmt: skip
    values.update(changes)
    return list(values.values())


def sheet(*rows: list[Any], title: str = "2025年度亩均效益评价数据表") -> io.BytesIO:
    """The sheet as the office keeps it: a title row, the header, the rows."""
    book = Workbook()
    worksheet = book.active
    assert worksheet is not None
    worksheet.title = "亩均数据"
    if title:
        worksheet.append([title])
        worksheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    worksheet.append(HEADER)
    for values in rows:
        worksheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "亩均数据.xlsx"
    return buffer


def errors_of(report: Any) -> list[str]:
    return [str(error) for error in report.errors]


def test_a_sheet_imports_into_the_year_of_its_title(district, factories):
    report = import_figures(
        sheet(above_row(factories["above"]), below_row(factories["below"])),
        actor=district.supervisor,
    )
    assert errors_of(report) == []
    assert report.written
    assert [row.outcome for row in report.rows] == [Outcome.CREATED, Outcome.CREATED]
    assert report.rows[1].unit == "於潜镇"
    above = EnterpriseFigures.objects.get(enterprise=factories["above"])
    assert above.year == 2025
    assert (above.land_area, above.tax, above.revenue, above.emissions) == (
        Decimal(20), Decimal(500), Decimal(10000), Decimal("0.5"),
    )  # fmt: skip
    assert (above.electricity, above.production_started) == (Decimal("820.5"), 2015)
    below = EnterpriseFigures.objects.get(enterprise=factories["below"])
    assert (below.size, below.land_area, below.value_added) == (Size.BELOW_SCALE, Decimal(8), None)
    assert below.production_started == 2012
    assert EnterpriseFigures.history.filter(history_change_reason="录入亩均数据").count() == 2


def test_a_dry_run_writes_nothing(district, factories):
    report = import_figures(
        sheet(above_row(factories["above"])), actor=district.supervisor, dry_run=True
    )
    assert report.ok and not report.written
    assert report.rows[0].outcome == Outcome.CREATED
    assert not EnterpriseFigures.objects.exists()


def test_every_bad_cell_is_named_by_row_and_column_and_nothing_is_written(district, factories):
    report = import_figures(
        sheet(
            above_row(factories["above"], land=-3, staff="很多"),
            below_row(factories["below"], size="中型", tax=None),
            above_row(factories["above"], uscc="91330185MA2H0AB10X"),
        ),
        actor=district.supervisor,
    )
    assert not report.written
    errors = errors_of(report)
    assert "亩均数据 第 3 行 D 列（用地面积（亩））：不能为负数（-3）。" in errors
    assert "亩均数据 第 3 行 H 列（年平均职工人数）：“很多”不是整数。" in errors
    assert any(
        e.startswith("亩均数据 第 4 行 C 列（企业类别（规上/规下））：“中型”不是允许的值")
        for e in errors
    )
    assert "亩均数据 第 4 行 E 列（实缴税收（万元））：必填，不能为空。" in errors
    assert any(e.startswith("亩均数据 第 5 行 A 列（统一社会信用代码）") for e in errors)
    assert not EnterpriseFigures.objects.exists()


def test_the_rules_of_the_figures_are_named_at_their_cells(district, factories):
    report = import_figures(
        sheet(
            above_row(factories["above"], land=0, started=2031, emissions=0.123456),
            below_row(factories["below"]),
        ),
        actor=district.supervisor,
    )
    errors = errors_of(report)
    assert "亩均数据 第 3 行 D 列（用地面积（亩））：用地面积须大于 0（0）。" in errors
    assert "亩均数据 第 3 行 M 列（投产年份）：投产年份应在 1900 至 2025 年之间（2031）。" in errors
    assert "亩均数据 第 3 行 J 列（主要污染物排放量（吨））：最多 4 位小数（0.123456）。" in errors
    assert not EnterpriseFigures.objects.exists()  # the good 规下 row neither


def test_an_enterprise_is_found_by_its_code_and_its_name_must_match(district, factories):
    unknown = make_enterprise(district, name="临时企业")
    code = unknown.uscc
    Enterprise.objects.filter(pk=unknown.pk).delete()
    report = import_figures(
        sheet(
            above_row(factories["above"], name="杭州临安微芯科技有限公司"),
            above_row(factories["below"], uscc=code, name="临时企业"),
        ),
        actor=district.supervisor,
    )
    errors = errors_of(report)
    assert (
        "亩均数据 第 3 行 B 列（企业名称）：企业名称“杭州临安微芯科技有限公司”与企业名录不符："
        f"代码“{factories['above'].uscc}”是“杭州临安微芯电子有限公司”。请核对代码或名称。"
    ) in errors
    assert (
        f"亩均数据 第 4 行 A 列（统一社会信用代码）：企业名录中没有统一社会信用代码为“{code}”的企业：请先录入该企业。"
    ) in errors
    assert not EnterpriseFigures.objects.exists()


def test_a_name_matches_whatever_its_spaces_and_full_width_characters(district, factories):
    report = import_figures(
        sheet(above_row(factories["above"], name=" 杭州临安微芯电子有限公司　")),
        actor=district.supervisor,
    )
    assert report.ok


def test_the_same_enterprise_twice_is_named_with_both_rows(district, factories):
    report = import_figures(
        sheet(above_row(factories["above"]), above_row(factories["above"], tax=1)),
        actor=district.supervisor,
    )
    assert (
        f"亩均数据 第 4 行 A 列（统一社会信用代码）：统一社会信用代码“{factories['above'].uscc}”在第 3 行和第 4 行重复出现：每家企业每年只有一行。"
    ) in errors_of(report)
    assert not EnterpriseFigures.objects.exists()


def test_a_sheet_without_a_year_in_its_title_is_refused(district, factories):
    report = import_figures(
        sheet(above_row(factories["above"]), title="亩均效益评价数据表"), actor=district.supervisor
    )
    assert errors_of(report) == [
        "亩均数据 第 1 行：无法读出年度：表头上方的标题应写明年度，如“2025年度亩均效益评价数据表”。"
    ]
    report = import_figures(
        sheet(above_row(factories["above"]), title=""), actor=district.supervisor
    )
    assert "无法读出年度" in errors_of(report)[0]
    assert not EnterpriseFigures.objects.exists()


def test_only_the_supervisor_imports_figures(district, factories):
    for user in (district.clerk_a, district.leader, district.manager_a):
        report = import_figures(sheet(above_row(factories["above"])), actor=user)
        assert errors_of(report) == ["只有督查室可以导入亩均数据。"]
    assert not EnterpriseFigures.objects.exists()


def test_a_published_years_figures_are_refused_when_they_change(evaluated: Evaluated):
    high = evaluated.enterprises["锦城高新"]
    row = above_row(high, land=20, tax=1001, va=2600, revenue=10000, power=None)
    report = import_figures(sheet(row), actor=evaluated.district.supervisor)
    assert errors_of(report) == ["亩均数据：2025 年度的亩均评价已发布，其亩均数据不能再修改。"]


# Export, round trip, template --------------------------------------------------------------


def _exported(user: Any, **filters: str) -> bytes:
    buffer = io.BytesIO()
    export_figures(export_queryset(user, filters), buffer)
    return buffer.getvalue()


def test_an_export_reads_back_with_its_title_rows_and_totals(evaluated: Evaluated):
    content = _exported(evaluated.district.supervisor, period="2025")
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(content))
        .get_sheet_by_name("2025年亩均数据")
        .to_python()
    )
    assert rows[0][0] == "2025年度亩均效益评价数据表"
    assert rows[1][:5] == HEADER[:5]
    names = [row[1] for row in rows[2:-1]]
    # By town (锦城 before 於潜), then by name.
    assert set(names[:3]) == {
        "杭州锦城高新科技有限公司",
        "杭州锦城精工机械有限公司",
        "杭州锦城竹制品有限公司",
    }
    assert set(names[3:]) == {"杭州於潜茶叶有限公司", "杭州於潜机械制造有限公司"}
    assert names[:3] == sorted(names[:3])
    first = rows[2 + names.index("杭州锦城高新科技有限公司")]
    assert first[2] == "规上"
    assert first[3:5] == [20.0, 1000.0]
    assert rows[-1][0] == "合计"
    assert rows[-1][1] == "5 家企业"
    assert rows[-1][3] == 100.0  # 5 × 20 亩


def test_an_export_imports_back_unchanged(evaluated: Evaluated):
    content = _exported(evaluated.district.supervisor)
    upload = io.BytesIO(content)
    upload.name = "亩均数据.xlsx"
    report = import_figures(upload, actor=evaluated.district.supervisor)
    assert errors_of(report) == []
    assert [row.outcome for row in report.rows] == [Outcome.UNCHANGED] * 5
    assert EnterpriseFigures.history.count() == 5


def test_a_clerks_export_holds_their_towns_figures_only(evaluated: Evaluated):
    content = _exported(evaluated.district.clerk_a, period="2025", size="above_scale")
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(content))
        .get_sheet_by_name("2025年亩均数据")
        .to_python()
    )
    assert {row[1] for row in rows[2:-1]} == {
        "杭州锦城高新科技有限公司",
        "杭州锦城精工机械有限公司",
    }


def test_an_export_refuses_a_filter_it_does_not_have(evaluated: Evaluated):
    with pytest.raises(ValueError, match="亩均数据没有这些筛选条件：colour"):
        export_queryset(evaluated.district.supervisor, {"colour": "red"})
    with pytest.raises(ValueError, match="无法识别的年度"):
        export_queryset(evaluated.district.supervisor, {"period": "2025-10"})


def test_the_template_has_the_header_a_title_and_the_instructions(district):
    book = CalamineWorkbook.from_filelike(io.BytesIO(figures_template()))
    data = next(name for name in book.sheet_names if name.endswith("年亩均数据"))
    rows = book.get_sheet_by_name(data).to_python()
    assert "亩均效益评价数据表" in str(rows[0][0])
    assert rows[1] == HEADER
    instructions = book.get_sheet_by_name("说明").to_python()
    assert any("统一社会信用代码" in str(row[0]) for row in instructions)


def test_the_blank_template_imports_nothing(district):
    upload = io.BytesIO(figures_template())
    upload.name = "模板.xlsx"
    report = import_figures(upload, actor=district.supervisor)
    assert report.ok and report.rows == []


def test_the_import_page_previews_and_commits_a_figures_sheet(
    district: District,
    factories: dict[str, Enterprise],
    login: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    settings: Any,
) -> None:
    assert excel_kinds.get("figures") is FIGURES_EXCEL
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(jobs, "RUN_IN_BACKGROUND", False)
    cache.clear()
    client = login(district.supervisor)
    upload = SimpleUploadedFile("亩均数据.xlsx", sheet(above_row(factories["above"])).getvalue())
    response = client.post("/excel/figures/import/", {"upload": upload})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert "杭州临安微芯电子有限公司" in preview.content.decode()
    assert not EnterpriseFigures.objects.exists()  # a preview writes nothing
    confirmed = client.post(f"{response['Location']}confirm/")
    assert confirmed.status_code == 302
    assert EnterpriseFigures.objects.get().enterprise == factories["above"]
    cache.clear()


def test_only_the_supervisor_opens_the_import_page_and_the_viewer_exports_nothing(district, login):
    assert login(district.supervisor).get("/excel/figures/template/").status_code == 200
    for user in (district.clerk_a, district.leader):
        assert login(user).get("/excel/figures/import/").status_code == 403
    assert login(district.clerk_a).get("/excel/figures/export/?period=2025").status_code == 200
    assert login(district.viewer).get("/excel/figures/export/").status_code == 403


def test_the_commands_export_a_year_and_import_it_back(evaluated: Evaluated, tmp_path: Path):
    path = tmp_path / "亩均数据.xlsx"
    call_command("export", "figures", "2025", str(path), stdout=io.StringIO())
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("2025年亩均数据").to_python()
    assert len(rows) == 2 + 5 + 1
    out = io.StringIO()
    call_command("import", "figures", str(path), "--user", "supervisor", stdout=out)
    assert EnterpriseFigures.history.count() == 5
