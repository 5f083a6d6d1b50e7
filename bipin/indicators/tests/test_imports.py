"""The statistics bureau's monthly report, in and out: the bureau's own sample imports as
submitted values; every bad input is refused naming its cell with nothing written; a
re-import changes nothing; bipin's own growth is set beside the bureau's; an export reads
back (in another library) in the bureau's layout and imports back unchanged."""

import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from bipin.conftest import District
from bipin.core.excel import Outcome, excel_kinds, jobs
from bipin.core.periods import Period
from bipin.indicators import actions
from bipin.indicators.actions import Entry
from bipin.indicators.choices import IndicatorKind, ValueStatus
from bipin.indicators.imports.values import VALUES_EXCEL, import_values
from bipin.indicators.imports.values_export import export_queryset, export_values, values_template
from bipin.indicators.models import Indicator, Value
from bipin.indicators.tests.conftest import PERIOD, Catalogue
from bipin.org.choices import UnitKind
from bipin.org.models import Unit, User

SAMPLE = Path(settings.BASE_DIR).parent / "shared" / "samples" / "统计局月报_2026年1-10月.xlsx"
OCTOBER = Period(2026, 10)
#: The sample's units besides 锦城街道 and 於潜镇 (the district fixture's), in its order.
SUBDISTRICTS = ["锦北街道", "锦南街道", "玲珑街道", "青山湖街道"]
TOWNS = [
    "太湖源镇", "天目山镇", "太阳镇", "潜川镇", "昌化镇", "河桥镇", "湍口镇", "清凉峰镇",
    "岛石镇", "龙岗镇", "板桥镇", "高虹镇",
]  # fmt: skip
INDICATORS = ["固定资产投资", "工业投资", "民间投资", "规上工业增加值", "财政总收入"]


class Report:
    """The test district with the sample's 18 units and five indicators (固定资产投资 from
    the shared catalogue, four more), all reported by 区统计局."""

    def __init__(self, district: District, catalogue: Catalogue) -> None:
        self.district = district
        self.catalogue = catalogue
        for position, name in enumerate(SUBDISTRICTS, start=2):
            Unit.objects.create(
                kind=UnitKind.SUBDISTRICT, code=f"330112{position:03d}", name=name,
                short_name=name.removesuffix("街道"), parent=district.district, order=position,
            )  # fmt: skip
        for position, name in enumerate(TOWNS, start=103):
            Unit.objects.create(
                kind=UnitKind.TOWN, code=f"330112{position:03d}", name=name,
                short_name=name.removesuffix("镇"), parent=district.district, order=position,
            )  # fmt: skip
        self.fai = catalogue.fai
        made = [
            actions.do_save_indicator(
                None, actor=district.supervisor, reason="测试指标", code=code, name=name,
                unit_of_measure="万元", kind=IndicatorKind.CUMULATIVE,
                provider=district.statistics, decimals=1, order=order,
            )
            for order, (code, name) in enumerate(
                [("IND", "工业投资"), ("PRIV", "民间投资"), ("IVA", "规上工业增加值"), ("REV", "财政总收入")],
                start=11,
            )
        ]  # fmt: skip
        self.industrial, self.private, self.added_value, self.revenue = made

    def unit(self, name: str) -> Unit:
        return Unit.objects.get(name=name)


@pytest.fixture
def report(district: District, catalogue: Catalogue) -> Report:
    return Report(district, catalogue)


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


# Sheets as the bureau keeps them ---------------------------------------------------------------


def bureau_sheet(
    rows: list[tuple[str, list[Any]]],
    *,
    title: str = "临安区各镇街主要经济指标完成情况（2026年1-10月）",
    indicators: list[str] | None = None,
    value_header: str = "1-10月累计",
    totals: list[Any] | None = None,
    name: str = "月报.xlsx",
) -> io.BytesIO:
    """A monthly report in the bureau's layout: title, unit line, two-level merged header
    (indicator → value, growth), a group row, the units' rows (values and growths, in the
    indicators' order), a 合计 row and a 注 line."""
    indicators = indicators or ["固定资产投资"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "1-10月"
    width = 2 + 2 * len(indicators)
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.append([None] * (width - 1) + ["单位：万元、%"])
    upper: list[Any] = ["序号", "单位"]
    lower: list[Any] = [None, None]
    for indicator in indicators:
        upper += [indicator, None]
        lower += [value_header, "同比增长（%）"]
    sheet.append(upper)
    sheet.append(lower)
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:B4")
    for position in range(len(indicators)):
        column = 3 + 2 * position
        sheet.merge_cells(start_row=3, start_column=column, end_row=3, end_column=column + 1)
    sheet.append(["一", "街道"])
    for number, (unit, values) in enumerate(rows, start=1):
        sheet.append([number, unit, *values])
    if totals is not None:
        sheet.append(["合计", None, *totals])
    sheet.append([])
    sheet.append(["注：1.数据来源于区统计局；2.“—”表示上年同期无数据，不计算增速。"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def _errors(result: Any) -> list[tuple[int | None, str | None, str | None, str]]:
    return [(error.row, error.column, error.header, error.message) for error in result.errors]


def _values() -> list[tuple[Any, ...]]:
    return list(
        Value.objects.order_by("pk").values_list(
            "indicator__code", "unit__name", "year", "month", "amount", "status", "reported_growth"
        )
    )


def _last_year(report: Report, amounts: dict[tuple[Indicator, str], str]) -> None:
    """Last year's October values, as 区统计局 reported them then."""
    actions.do_save_values(
        OCTOBER.same_period_last_year(),
        [
            Entry(indicator, report.unit(unit), amount)
            for (indicator, unit), amount in amounts.items()
        ],
        actor=report.district.provider,
        submit=True,
    )


# The bureau's sample ---------------------------------------------------------------------------


def test_the_bureaus_sample_imports_as_submitted_values(report: Report) -> None:
    result = import_values(SAMPLE, actor=report.district.provider)

    assert result.errors == []
    assert result.written
    assert [row.unit for row in result.rows] == [
        "锦城街道", *SUBDISTRICTS, "太湖源镇", "於潜镇", *TOWNS[1:],
    ]  # fmt: skip
    assert {row.outcome for row in result.rows} == {Outcome.CREATED}
    assert [row.group for row in result.rows[:5]] == ["街道"] * 5
    assert {row.group for row in result.rows[5:]} == {"乡镇"}
    values = Value.objects.for_period(2026, 10)
    assert values.count() == 18 * 5
    assert set(values.values_list("status", flat=True)) == {ValueStatus.SUBMITTED}
    jincheng = values.get(indicator=report.fai, unit=report.district.town_a)
    assert (jincheng.amount, jincheng.reported_growth) == (Decimal("38018.2"), Decimal("7.1"))
    # Full-width digits, a growth typed as text with %, a unit name with a stray space.
    assert values.get(indicator=report.revenue, unit=report.unit("锦北街道")).amount == Decimal(
        "121313.0"
    )
    assert (
        values.get(indicator=report.industrial, unit=report.district.town_a).reported_growth == 25
    )
    assert values.get(indicator=report.fai, unit=report.unit("玲珑街道")).amount == Decimal(
        "93779.4"
    )
    # "—": the bureau had no base.
    assert values.get(indicator=report.private, unit=report.unit("岛石镇")).reported_growth is None
    # No value of last year: bipin cannot compute a growth, and says so beside the bureau's.
    assert any(
        "D6 固定资产投资：报表同比增长 7.1%，系统无法计算（上年同期无数据）" in remark.text
        for remark in result.rows[0].remarks
    )


def test_reimporting_the_sample_changes_nothing(report: Report) -> None:
    import_values(SAMPLE, actor=report.district.provider)
    before, versions = _values(), Value.history.count()

    again = import_values(SAMPLE, actor=report.district.provider)

    assert again.errors == []
    assert len(again.rows) == 18
    assert {row.outcome for row in again.rows} == {Outcome.UNCHANGED}
    assert _values() == before
    assert Value.history.count() == versions


def test_a_dry_run_previews_and_writes_nothing(report: Report) -> None:
    result = import_values(SAMPLE, actor=report.district.provider, dry_run=True)

    assert result.errors == []
    assert not result.written
    assert result.created == 18
    assert "试运行" in result.summary()
    assert Value.objects.count() == 0
    assert result.rows[0].values[0] == "固定资产投资 38,018.2 万元（同比 7.1%）"


def test_a_clerk_may_not_import_the_bureaus_indicators_and_each_cell_is_named(
    report: Report,
) -> None:
    result = import_values(SAMPLE, actor=report.district.clerk_a)

    assert not result.written
    assert len(result.errors) == 18 * 5
    assert _errors(result)[0] == (
        6, "C", "固定资产投资/1-10月累计", "“固定资产投资”由区统计局统一报送，您不能填报。",
    )  # fmt: skip
    assert Value.objects.count() == 0


def test_someone_who_reports_nothing_is_refused(report: Report) -> None:
    result = import_values(SAMPLE, actor=report.district.leader)

    assert [error.message for error in result.errors] == [
        "您的账号不能导入月报数据：需要数据提供部门、单位填报员（负责人）或督查室的权限。"
    ]
    assert Value.objects.count() == 0


# Bad input ---------------------------------------------------------------------------------------


def test_a_value_of_a_locked_month_is_refused_naming_the_cell(report: Report) -> None:
    actions.do_close_period(PERIOD, actor=report.district.supervisor)
    sheet = bureau_sheet(
        [("锦城街道", [100, 5])], title="临安区各镇街主要经济指标完成情况（2025年1-10月）"
    )

    result = import_values(sheet, actor=report.district.provider)

    assert _errors(result) == [
        (6, "C", "固定资产投资/1-10月累计", "2025年1-10月 已锁定，数据只能由督查室说明原因后更正。")
    ]
    assert Value.objects.count() == 0


def test_a_value_of_an_indicator_another_unit_reports_is_refused_naming_the_cell(
    report: Report,
) -> None:
    outside = report.catalogue.outside  # each unit reports its own 引进市外内资
    sheet = bureau_sheet(
        [("锦城街道", [100, None]), ("於潜镇", [200, None])], indicators=["引进市外内资"]
    )

    result = import_values(sheet, actor=report.district.clerk_a)

    assert _errors(result) == [
        (7, "C", "引进市外内资/1-10月累计", "您不能填报於潜镇的“引进市外内资”。")
    ]
    assert not Value.objects.filter(indicator=outside).exists()
    # Without the other town's row the clerk's own value goes in.
    own = bureau_sheet([("锦城", [100, None])], indicators=["引进市外内资"])
    assert import_values(own, actor=report.district.clerk_a).written
    assert Value.objects.get(indicator=outside).unit == report.district.town_a


def test_one_cell_that_is_no_number_imports_nothing_and_is_named(report: Report) -> None:
    sheet = bureau_sheet(
        [("锦城街道", [38018.2, 7.1, 100, 1]), ("於潜镇", ["abc", 3, 200, 2])],
        indicators=["固定资产投资", "工业投资"],
    )

    result = import_values(sheet, actor=report.district.provider)

    assert _errors(result) == [
        (7, "C", "固定资产投资/1-10月累计", "无法识别的数值“abc”，应写作 12.5、12.5% 或 1,234.5")
    ]
    assert str(result.errors[0]) == (
        "1-10月 第 7 行 C 列（固定资产投资/1-10月累计）：无法识别的数值“abc”，应写作 12.5、12.5% 或 1,234.5"
    )
    assert result.rows == []
    assert Value.objects.count() == 0


def test_a_growth_that_is_no_number_is_named(report: Report) -> None:
    sheet = bureau_sheet([("锦城街道", [100, "约5%"])])

    result = import_values(sheet, actor=report.district.provider)

    assert _errors(result) == [
        (
            6,
            "D",
            "固定资产投资/同比增长（%）",
            "无法识别的数值“约5%”，应写作 12.5、12.5% 或 1,234.5",
        )
    ]
    assert Value.objects.count() == 0


def test_percentages_and_full_width_digits_are_read(report: Report) -> None:
    sheet = bureau_sheet([("锦城街道", ["12.5%", "１２．５"]), ("於潜镇", ["１２．５", "12.5%"])])

    result = import_values(sheet, actor=report.district.provider)

    assert result.errors == []
    stored = Value.objects.filter(indicator=report.fai).values_list("amount", "reported_growth")
    assert set(stored) == {(Decimal("12.5"), Decimal("12.5"))}


def test_a_negative_amount_is_refused_where_it_makes_no_sense(report: Report) -> None:
    sheet = bureau_sheet([("锦城街道", [-5, None])])

    result = import_values(sheet, actor=report.district.provider)

    assert _errors(result) == [(6, "C", "固定资产投资/1-10月累计", "“固定资产投资”不能为负数：-5")]


def test_a_header_of_another_month_than_the_title_is_named(report: Report) -> None:
    sheet = bureau_sheet([("锦城街道", [100, 5])], value_header="1-9月累计")

    result = import_values(sheet, actor=report.district.provider)

    assert _errors(result) == [
        (
            4, "C", "固定资产投资/1-9月累计",
            "表头是 1-9 月的数，而标题是 2026年1-10月：请核对标题或表头。",
        )
    ]  # fmt: skip


def test_a_title_without_a_period_is_named(report: Report) -> None:
    sheet = bureau_sheet([("锦城街道", [100, 5])], title="临安区各镇街主要经济指标完成情况")

    result = import_values(sheet, actor=report.district.provider)

    assert _errors(result) == [
        (
            1, "A", "标题",
            "无法从标题读出报表期间：标题应写明年月，如“临安区各镇街主要经济指标完成情况（2026年1-10月）”。",
        )
    ]  # fmt: skip


def test_an_unknown_indicator_is_named_by_its_header_cell(report: Report) -> None:
    sheet = bureau_sheet(
        [("锦城街道", [100, 5, 7, 1])], indicators=["固定资产投资", "社会消费品零售总额"]
    )

    result = import_values(sheet, actor=report.district.provider)

    assert _errors(result) == [
        (
            3, "E", "社会消费品零售总额",
            "未知指标“社会消费品零售总额”：表头应为指标目录中的指标名称（如“固定资产投资”）。",
        )
    ]  # fmt: skip


def test_an_unknown_unit_and_a_unit_twice_are_named(report: Report) -> None:
    sheet = bureau_sheet([("锦城街道", [1, None]), ("青云镇", [2, None]), ("锦城", [3, None])])

    result = import_values(sheet, actor=report.district.provider)

    assert _errors(result) == [
        (7, "B", "单位", "未知单位“青云镇”：应填单位全称、简称或代码，如“锦城街道”或“锦城”。"),
        (8, "B", "单位", "锦城街道与第 6 行重复：每个单位只能有一行。"),
    ]


def test_an_approved_value_that_would_change_is_refused_until_it_is_returned(
    report: Report,
) -> None:
    import_values(bureau_sheet([("锦城街道", [100, None])]), actor=report.district.provider)
    value = Value.objects.select_related("indicator", "unit").get()
    actions.do_approve_values([value], actor=report.district.supervisor)

    same = import_values(bureau_sheet([("锦城街道", [100, None])]), actor=report.district.provider)
    changed = import_values(
        bureau_sheet([("锦城街道", [120, None])]), actor=report.district.provider
    )

    assert same.errors == [] and same.unchanged == 1
    assert _errors(changed) == [
        (
            6, "C", "固定资产投资/1-10月累计",
            "锦城街道的“固定资产投资”已审核，须退回后再导入（现为 100.0 万元，表中为 120.0 万元）。",
        )
    ]  # fmt: skip
    value.refresh_from_db()
    assert (value.amount, value.status) == (100, ValueStatus.APPROVED)


# Growth and totals ------------------------------------------------------------------------------


def test_a_growth_that_differs_from_bipins_by_more_than_a_tenth_of_a_point_is_remarked(
    report: Report,
) -> None:
    _last_year(
        report,
        {
            (report.fai, "锦城街道"): "100",
            (report.fai, "於潜镇"): "100",
            (report.fai, "锦北街道"): "100",
        },
    )
    sheet = bureau_sheet(
        [
            ("锦城街道", [110, 10.1]),  # bipin: 10.0 → within 0.1
            ("於潜镇", [110, "12.0%"]),  # bipin: 10.0 → 2 points apart
            ("锦北街道", [110, "—"]),  # the bureau has no base; bipin has
            ("锦南街道", [110, 5]),  # bipin has no base
        ]
    )

    result = import_values(sheet, actor=report.district.provider)

    assert result.errors == []
    remarks = {row.unit: [remark.text for remark in row.remarks] for row in result.rows}
    assert remarks["锦城街道"] == []
    assert remarks["於潜镇"] == [
        "D7 固定资产投资：报表同比增长 12.0%，系统按上年同期 100.0 万元计算为 10.00%，相差 2.00 个百分点。"
    ]
    assert remarks["锦北街道"] == [
        "D8 固定资产投资：报表为“—”（无上年同期数），系统按上年同期 100.0 万元计算为 10.0%。"
    ]
    assert remarks["锦南街道"] == [
        "D9 固定资产投资：报表同比增长 5.0%，系统无法计算（上年同期无数据）。"
    ]
    assert all(remark.warning for row in result.rows for remark in row.remarks)
    # Remarks warn; they do not stop the import, and the bureau's figure is kept.
    assert result.written
    stored = Value.objects.get(indicator=report.fai, unit=report.district.town_b, year=2026)
    assert stored.reported_growth == 12


def test_a_total_that_is_not_the_sum_of_the_rows_is_remarked(report: Report) -> None:
    rows = [("锦城街道", [100.1, None]), ("於潜镇", [200.2, None])]
    close = import_values(bureau_sheet(rows, totals=[300.4, None]), actor=report.district.provider)
    far = import_values(
        bureau_sheet(rows, totals=[310.3, None]), actor=report.district.provider, dry_run=True
    )

    assert [row.unit for row in close.rows] == ["锦城街道", "於潜镇"]
    total = far.rows[-1]
    assert (total.unit, total.row, total.outcome) == ("合计", 8, "")
    assert [remark.text for remark in total.remarks] == [
        "C8 固定资产投资：合计 310.3 万元，各单位之和 300.3 万元，相差 10.0 万元。"
    ]


# Export, and the round trip ---------------------------------------------------------------------


def _export(user: User, path: Path, **filters: str) -> Path:
    export_values(export_queryset(user, filters), path)
    return path


def test_an_export_reads_back_in_the_bureaus_layout(report: Report, tmp_path: Path) -> None:
    _last_year(report, {(report.fai, "锦城街道"): "35500", (report.private, "岛石镇"): "0"})
    import_values(SAMPLE, actor=report.district.provider)

    path = _export(report.district.supervisor, tmp_path / "月报.xlsx", period="2026-10")

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("1-10月")
    rows = sheet.to_python()
    assert rows[0][0] == "临安区各镇街主要经济指标完成情况（2026年1-10月）"
    assert rows[1][-1] == "单位：万元、%"
    assert rows[2][:4] == ["序号", "单位", "固定资产投资", ""]
    assert rows[3][2:4] == ["1-10月累计", "同比增长（%）"]
    assert rows[2][2::2] == INDICATORS
    assert rows[4][:2] == ["一", "街道"]
    assert rows[5][:4] == [1, "锦城街道", 38018.2, 7.1]  # 38018.2 / 35500 − 1 = 7.09 %
    assert rows[5][4:6] == [136979.3, "—"]  # no value last year
    assert rows[10][:2] == ["二", "乡镇"]
    assert rows[11][:2] == [1, "於潜镇"]  # in the units' order
    daoshi = next(row for row in rows if row[1] == "岛石镇")
    assert daoshi[0] == 10 and daoshi[7] == "—"  # numbered within its group; zero base
    totals = rows[24]
    assert totals[0] == "合计"
    assert totals[2::2] == [1095531.2, 1247820.6, 1320252.4, 1443088.2, 1321288.3]
    assert str(rows[26][0]).startswith("注：")
    merged = set(sheet.merged_cell_ranges or [])
    assert ((0, 0), (0, 11)) in merged  # the title across the table
    assert ((2, 2), (2, 3)) in merged  # 固定资产投资 over its two columns
    assert ((2, 0), (3, 0)) in merged and ((2, 1), (3, 1)) in merged  # 序号, 单位 down


def test_an_export_imports_back_unchanged(report: Report, tmp_path: Path) -> None:
    _last_year(report, {(report.fai, "锦城街道"): "35500", (report.fai, "於潜镇"): "91800"})
    import_values(SAMPLE, actor=report.district.provider)
    # A value typed in the grid, without the bureau's growth.
    actions.do_save_values(
        OCTOBER, [Entry(report.catalogue.outside, report.district.town_a, "321")],
        actor=report.district.clerk_a,
    )  # fmt: skip
    path = _export(
        report.district.supervisor, tmp_path / "月报.xlsx", period="2026-10",
        indicators="FAI,IND,PRIV,IVA,REV,OUTSIDE",
    )  # fmt: skip
    before, versions = _values(), Value.history.count()

    preview = import_values(path, actor=report.district.supervisor, dry_run=True)
    result = import_values(path, actor=report.district.supervisor)

    assert preview.errors == []
    assert len(preview.rows) == 18
    assert {row.outcome for row in preview.rows} == {Outcome.UNCHANGED}
    assert [remark for row in preview.rows for remark in row.remarks] == []
    assert result.errors == [] and result.unchanged == 18
    assert _values() == before
    assert Value.history.count() == versions


def test_an_export_holds_what_its_user_may_see(report: Report, tmp_path: Path) -> None:
    import_values(SAMPLE, actor=report.district.provider)

    rows = (
        CalamineWorkbook.from_path(
            str(_export(report.district.clerk_b, tmp_path / "於潜.xlsx", period="2026-10"))
        )
        .get_sheet_by_index(0)
        .to_python()
    )

    units = [row[1] for row in rows[4:] if isinstance(row[0], int | float)]
    assert units == ["於潜镇"]
    assert rows[4][:2] == ["一", "乡镇"]
    assert rows[5][:3] == [1, "於潜镇", 79984]  # its own value, which the clerk may see


def test_an_export_says_which_filter_it_cannot_take(report: Report) -> None:
    user = report.district.supervisor
    with pytest.raises(ValueError, match="未知的指标代码：NOPE"):
        export_queryset(user, {"indicators": "FAI,NOPE"})
    with pytest.raises(ValueError, match="无法识别的期间“十月”"):
        export_queryset(user, {"period": "十月"})
    with pytest.raises(ValueError, match="不能按 stage 筛选"):
        export_queryset(user, {"stage": "signed"})


def test_an_export_without_a_period_is_of_the_latest_month_with_values(report: Report) -> None:
    import_values(SAMPLE, actor=report.district.provider)

    figures = export_queryset(report.district.leader, {})

    assert figures.period == OCTOBER
    assert [indicator.code for indicator in figures.indicators] == [
        "FAI", "IND", "PRIV", "IVA", "REV",
    ]  # fmt: skip
    assert figures.count() == 18


def test_the_template_is_the_reports_layout_and_imports_nothing(report: Report) -> None:
    content = values_template()
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    rows = workbook.get_sheet_by_index(0).to_python()

    assert "各镇街主要经济指标完成情况" in str(rows[0][0])
    assert rows[2][2::2] == INDICATORS
    assert "说明" in workbook.sheet_names
    source = io.BytesIO(content)
    source.name = "模板.xlsx"
    result = import_values(source, actor=report.district.provider)
    assert result.errors == [] and result.rows == []


# Commands and pages -------------------------------------------------------------------------------


def test_the_commands_import_and_export_a_month(report: Report, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("import", "values", str(SAMPLE), "--dry-run", "--user", "provider", stdout=out)
    assert "试运行：将新增 18 行" in out.getvalue()
    assert "第 6 行：D6 固定资产投资：报表同比增长 7.1%，系统无法计算" in out.getvalue()
    assert Value.objects.count() == 0
    call_command("import", "values", str(SAMPLE), "--user", "provider", stdout=io.StringIO())
    assert Value.objects.count() == 90

    path = tmp_path / "十月.xlsx"
    out = io.StringIO()
    call_command("export", "values", "2026-10", str(path), "--indicators", "FAI,REV", stdout=out)
    assert "已导出 18 行" in out.getvalue()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[2][2::2] == ["固定资产投资", "财政总收入"]

    with pytest.raises(CommandError, match="参数应为：YEAR-MONTH FILE"):
        call_command("export", "values", str(path))
    with pytest.raises(CommandError, match="无法识别的期间"):
        call_command("export", "values", "十月", str(path))
    with pytest.raises(CommandError, match="不需要原因"):
        call_command("import", "values", str(SAMPLE), "--reason", "更正")
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(bureau_sheet([("锦城街道", ["abc", None])]).getvalue())
    err = io.StringIO()
    with pytest.raises(CommandError, match="发现 1 处错误"):
        call_command("import", "values", str(bad), stdout=io.StringIO(), stderr=err)
    assert "第 6 行 C 列（固定资产投资/1-10月累计）" in err.getvalue()


def test_the_kind_is_registered_with_its_period_argument() -> None:
    assert excel_kinds.get("values") is VALUES_EXCEL
    assert VALUES_EXCEL.period_argument == "YEAR-MONTH"


@pytest.fixture
def inline_imports(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(jobs, "RUN_IN_BACKGROUND", False)


def test_the_page_previews_the_report_and_imports_it_on_confirmation(
    report: Report, login: Any, inline_imports: None
) -> None:
    client = login(report.district.provider)
    assert client.get("/excel/values/import/").status_code == 200
    upload = SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes())

    response = client.post("/excel/values/import/", {"upload": upload})
    page = client.get(response["Location"]).content.decode()

    assert "锦城街道" in page and "玲珑街道" in page
    assert "固定资产投资 38,018.2 万元（同比 7.1%）" in page
    assert "系统无法计算（上年同期无数据）" in page
    assert Value.objects.count() == 0
    confirmed = client.post(response["Location"] + "confirm/")
    assert "导入完成" in client.get(confirmed["Location"]).content.decode()
    assert Value.objects.count() == 90


def test_the_page_refuses_who_reports_nothing_and_shows_a_clerk_their_refused_cells(
    report: Report, login: Any, inline_imports: None
) -> None:
    assert login(report.district.leader).get("/excel/values/import/").status_code == 403
    assert login(report.district.viewer).get("/excel/values/export/").status_code == 403
    client = login(report.district.clerk_b)
    upload = SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes())
    response = client.post("/excel/values/import/", {"upload": upload})
    page = client.get(response["Location"]).content.decode()
    assert "由区统计局统一报送，您不能填报" in page
    assert Value.objects.count() == 0


def test_the_export_page_takes_the_month(report: Report, login: Any) -> None:
    import_values(SAMPLE, actor=report.district.provider)

    response = login(report.district.provider).get("/excel/values/export/", {"period": "2026-10"})
    refused = login(report.district.provider).get("/excel/values/export/", {"period": "十月"})

    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    assert rows.to_python()[0][0] == "临安区各镇街主要经济指标完成情况（2026年1-10月）"
    assert refused.status_code == 400


def test_an_approved_value_whose_reported_growth_alone_would_change_is_refused_too(
    report: Report,
) -> None:
    import_values(bureau_sheet([("锦城街道", [100, 5])]), actor=report.district.provider)
    value = Value.objects.select_related("indicator", "unit").get()
    actions.do_approve_values([value], actor=report.district.supervisor)

    result = import_values(bureau_sheet([("锦城街道", [100, 6])]), actor=report.district.provider)
    with pytest.raises(ValidationError, match="该数据已审核"):
        actions.do_save_values(
            OCTOBER, [Entry(report.fai, report.district.town_a, "100", Decimal("6"))],
            actor=report.district.provider,
        )  # fmt: skip

    assert [error.cell for error in result.errors] == ["C6"]
    value.refresh_from_db()
    assert (value.status, value.reported_growth) == (ValueStatus.APPROVED, 5)


def test_a_report_with_a_one_level_header_is_read_too(report: Report) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2026年10月各镇街固定资产投资"])
    sheet.append(["单位", "固定资产投资（万元）", "固定资产投资同比增长（%）", "备注"])
    sheet.append(["锦城", "38,018.2", "7.1%", "快报"])
    sheet.append(["於潜镇", 79984, None, None])
    source = io.BytesIO()
    book.save(source)
    source.seek(0)

    result = import_values(source, actor=report.district.provider)

    assert result.errors == []
    stored = Value.objects.order_by("unit__order").values_list(
        "unit__name", "amount", "reported_growth"
    )
    assert list(stored) == [
        ("锦城街道", Decimal("38018.2"), Decimal("7.1")),
        ("於潜镇", Decimal("79984"), None),
    ]


def test_an_export_made_in_an_english_session_imports_back_unchanged(
    report: Report, tmp_path: Path
) -> None:
    import_values(SAMPLE, actor=report.district.provider)
    with translation.override("en"):
        path = _export(report.district.supervisor, tmp_path / "report.xlsx", period="2026-10")
        result = import_values(path, actor=report.district.supervisor, dry_run=True)
    title = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[0][0]
    # The sheet is the bureau's own form, in Chinese whatever the session's language.
    assert "（2026年1-10月）" in str(title)
    assert result.errors == []
    assert {row.outcome for row in result.rows} == {Outcome.UNCHANGED}
