"""The shared Excel reader and writer: office sheets as they are kept, read or refused
with the cell named; formatted workbooks written a row at a time."""

import io
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from bipin.core.choices import Action, Role
from bipin.core.excel import (
    AMOUNT_FORMAT,
    Book,
    BookError,
    CellError,
    Column,
    ImportReport,
    WorkbookWriter,
    check_upload,
    choice_parser,
    excel_kinds,
    find_table,
    header_key,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
    parse_name,
    writable_unit_ids,
)
from bipin.org.models import Unit
from bipin.projects.choices import Stage

SAMPLES = Path(settings.BASE_DIR).parent / "shared" / "samples"
COLUMNS = [
    Column("unit", "单位", ("单位名称",), parse_name, required=True),
    Column("amount", "金额（万元）", (), parse_amount, number_format=AMOUNT_FORMAT),
    Column("day", "日期", (), parse_date),
]


def workbook(
    rows: list[list[Any]], *, merges: tuple[str, ...] = (), title: str = "表"
) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "表.xlsx"
    return buffer


def read(source: Any, columns: list[Column] = COLUMNS) -> tuple[list[Any], ImportReport[Any]]:
    report: ImportReport[Any] = ImportReport()
    with Book(source) as book:
        table = find_table(book, columns, report)
        rows = list(table.rows(report)) if table else []
    return rows, report


# Cell parsers ---------------------------------------------------------------------------------


def full_width(text: str) -> str:
    """ASCII digits and punctuation as a PDF pastes them (ＦＵＬＬＷＩＤＴＨ)."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(
        [
            "{y}-{m:02d}-{d:02d}",
            "{y}年{m}月{d}日",
            "{y}.{m}.{d}",
            "{y}/{m}/{d}",
            "{y}{m:02d}{d:02d}",
        ]
    ),
    st.booleans(),
    st.text(alphabet=" \u3000\t", max_size=3),
)
def test_dates_are_read_as_offices_type_them(day, pattern, wide, spaces):
    text = pattern.format(y=day.year, m=day.month, d=day.day)
    text = full_width(text) if wide else text
    assert parse_date(spaces + text + spaces) == day
    assert parse_date(datetime(day.year, day.month, day.day)) == day


def test_a_date_that_lost_its_format_is_read_from_its_serial_number():
    assert parse_date(46099) == date(2026, 3, 18)


@pytest.mark.parametrize("text", ["2026-02-30", "2026年13月1日"])
def test_an_impossible_date_is_named(text):
    with pytest.raises(ValueError, match=f"日期“{text}”不存在"):
        parse_date(text)


@pytest.mark.parametrize("text", ["三月", "2026年3月", "明天", "12"])
def test_text_that_is_no_date_says_what_is_allowed(text):
    with pytest.raises(
        ValueError, match=re.escape("不是日期：应填如 2026-03-18、2026年3月18日 或 2026.3.18")
    ):
        parse_date(text)


@given(
    st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2),
    st.booleans(),
    st.booleans(),
    st.text(alphabet=" \u3000", max_size=2),
)
def test_amounts_are_read_with_separators_full_width_digits_and_spaces(
    amount, separators, wide, spaces
):
    text = f"{amount:,}" if separators else f"{amount}"
    text = full_width(text) if wide else text
    assert parse_amount(spaces + text + spaces) == amount
    assert parse_amount(float(amount)) == amount


def test_a_negative_or_non_numeric_amount_is_refused_with_what_is_allowed():
    with pytest.raises(ValueError, match=r"金额不能为负数（-5）"):
        parse_amount("-5")
    with pytest.raises(ValueError, match="“约五千万”不是金额：应填数字"):
        parse_amount("约五千万")


@given(st.integers(min_value=-(10**9), max_value=10**9), st.booleans())
def test_integers_are_read_from_text_and_full_width_digits(number, wide):
    text = full_width(str(number)) if wide else str(number)
    assert parse_int(f" {text} ") == number


@given(
    st.lists(
        st.sampled_from(["总投资", "（万元）", "固定", "资产", "Name", "其中：", "外资"]),
        min_size=1,
        max_size=4,
    ),
    st.lists(st.sampled_from([" ", "\n", "\u3000", "\t"]), max_size=4),
)
def test_headers_match_whatever_spaces_line_breaks_and_widths_they_carry(parts, noise):
    header = "".join(parts)
    messy = "".join(part + (noise[i] if i < len(noise) else "") for i, part in enumerate(parts))
    assert header_key(full_width(messy)) == header_key(header)
    assert header_key(unicodedata.normalize("NFKC", header)) == header_key(header)


def test_yes_no_and_coded_values_are_read_by_their_labels():
    assert parse_bool(" 是 ") is True
    assert parse_bool("否") is False
    with pytest.raises(ValueError, match="应填“是”或“否”"):
        parse_bool("也许")
    stage = choice_parser(Stage, extra={"已签约": Stage.SIGNED})
    assert stage("签约") == Stage.SIGNED
    assert stage("已签约") == Stage.SIGNED
    assert stage("signed") == Stage.SIGNED  # the stored value, as the API writes it
    with pytest.raises(ValueError, match="“立项”不是允许的值：应为 线索、洽谈、签约"):
        stage("立项")


# Reading tables -----------------------------------------------------------------------------


def test_a_title_row_a_messy_header_a_totals_row_and_a_note_are_handled():
    source = workbook(
        [
            ["2026年各镇街完成情况"],
            [" 单 位 ", "金额\n（万元）", "日期"],
            ["锦城街道 ", "１２００", "2026年3月18日"],
            [],
            ["於潜镇", 350.5, datetime(2026, 4, 1)],
            ["合计", "=SUM(B3:B5)"],
            ["注：数据为快报数。"],
            ["这一行在注之后，不是数据"],
        ],
        merges=("A1:C1",),
    )
    rows, report = read(source)
    assert report.errors == []
    assert [(row.number, row.values) for row in rows] == [
        (3, {"unit": "锦城街道", "amount": Decimal(1200), "day": date(2026, 3, 18)}),
        (5, {"unit": "於潜镇", "amount": Decimal("350.5"), "day": date(2026, 4, 1)}),
    ]


def test_totals_rows_are_skipped_in_chinese_and_english_but_not_names_like_them():
    rows, report = read(
        workbook(
            [
                ["单位", "金额（万元）"],
                ["Summit Park", 1],
                ["合计（2个）", 3],
                ["Total", 3],
                ["小 计", 3],
                ["锦城街道", 2],
            ]
        )
    )
    assert report.errors == []
    assert [row.values["unit"] for row in rows] == ["Summit Park", "锦城街道"]


def test_a_formula_where_a_value_is_expected_is_named_by_its_cell():
    rows, report = read(workbook([["单位", "金额（万元）"], ["锦城街道", "=B3*2"], ["於潜镇", 5]]))
    assert [str(error) for error in report.errors] == [
        "表 第 2 行 B 列（金额（万元））：单元格是公式“=B3*2”，这里需要数值：请复制后“选择性粘贴 → 数值”。"
    ]
    assert (report.errors[0].row, report.errors[0].column) == (2, "B")
    assert [row.ok for row in rows] == [False, True]


def test_a_merged_cell_where_each_row_needs_a_value_is_named():
    source = workbook(
        [["单位", "金额（万元）"], ["锦城街道", 100], [None, 200], ["於潜镇", 300]],
        merges=("A2:A3",),
    )
    _rows, report = read(source)
    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error.sheet, error.row, error.column, error.header) == ("表", 3, "A", "单位")
    assert "合并单元格 A2:A3" in error.message


def test_a_required_value_missing_and_a_bad_value_are_both_reported():
    _rows, report = read(workbook([["单位", "金额（万元）"], [None, "abc"], ["於潜镇", -1]]))
    assert [(error.row, error.column) for error in report.errors] == [(2, "A"), (2, "B"), (3, "B")]
    assert report.errors[0].message == "必填，不能为空。"


def test_a_two_level_header_reads_as_upper_slash_lower_and_group_rows_are_skipped():
    columns = [
        Column("unit", "单位", (), parse_name, required=True),
        Column("investment", "固定资产投资/1-10月累计", ("固定资产投资/*累计",), parse_amount),
        Column("revenue", "财政总收入累计", ("财政总收入/*累计",), parse_amount),
    ]
    rows, report = read(SAMPLES / "统计局月报_2026年1-10月.xlsx", columns)
    assert report.errors == []
    assert len(rows) == 18  # 5 subdistricts and 13 towns; 合计 and the 注 line skipped
    first = rows[0]
    assert (first.number, first.group, first.values["unit"]) == (6, "街道", "锦城街道")
    assert first.values["investment"] == Decimal("38018.2")
    by_unit = {row.values["unit"]: row for row in rows}
    assert by_unit["玲珑街道"].values["unit"] == "玲珑街道"  # the stray space is gone
    assert by_unit["锦北街道"].values["revenue"] == Decimal("121313.0")  # full-width digits
    assert by_unit["於潜镇"].group == "乡镇"


def test_a_missing_required_column_and_an_unrecognised_one_are_reported():
    _rows, report = read(workbook([["单位名称", "日期", "备忘"], ["锦城街道", "2026-1-2", "x"]]))
    assert report.errors == []
    assert report.notes == ["未识别、已忽略的列：备忘（C）。"]
    _rows, report = read(workbook([["金额（万元）", "日期"], [1, "2026-1-2"]]))
    assert [error.message for error in report.errors] == ["缺少必填的列：单位。"]


def test_a_sheet_without_the_header_is_refused_saying_what_it_should_have():
    _rows, report = read(workbook([["随便", "什么"], [1, 2]]))
    assert report.errors[0].message.startswith("找不到表头：表头行应含有 单位 等列")


def test_files_that_are_not_xlsx_or_too_large_are_refused_with_what_to_do(settings, tmp_path):
    old = tmp_path / "台账.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(BookError, match=re.escape("旧版 .xls 文件或加密的工作簿")):
        check_upload(old)
    text = tmp_path / "台账.xlsx"
    text.write_text("项目名称,投资方\n", encoding="utf-8")
    with pytest.raises(
        BookError, match=re.escape("“台账.xlsx”不是 Excel 工作簿：只能导入 .xlsx 文件")
    ):
        Book(text)
    settings.BIPIN_UPLOAD_MAX_MB = 1
    big = io.BytesIO(b"PK\x03\x04" + b"\0" * (1024 * 1024 + 10))
    with pytest.raises(BookError, match="超过上限 1 MB"):
        check_upload(big)
    assert big.tell() == 0  # the upload is left where it was


def test_a_csv_file_is_read_in_utf8_or_gb18030_where_allowed(tmp_path):
    for encoding in ("utf-8-sig", "gb18030"):
        path = tmp_path / f"清单-{encoding}.csv"
        path.write_bytes("单位,金额（万元）\n锦城街道,1200\n".encode(encoding))
        report: ImportReport[Any] = ImportReport()
        with Book(path, allow_csv=True) as book:
            table = find_table(book, COLUMNS, report)
            assert table is not None
            rows = list(table.rows(report))
        assert rows[0].values == {"unit": "锦城街道", "amount": Decimal(1200)}


def test_a_cell_error_reads_as_sheet_row_column_and_message():
    error = CellError("签约项目", 5, "L", "责任单位", "未知单位“城东镇”")
    assert str(error) == "签约项目 第 5 行 L 列（责任单位）：未知单位“城东镇”"
    assert error.cell == "L5"
    assert str(CellError("", None, None, None, "文件太大")) == "文件太大"


# Writing ------------------------------------------------------------------------------------


def test_a_written_table_is_formatted_with_dropdowns_totals_and_instructions():
    columns = [
        Column("unit", "单位", required=True, options="单位"),
        Column("amount", "金额（万元）", number_format=AMOUNT_FORMAT, width=20),
        Column("day", "日期"),
    ]
    writer = WorkbookWriter()
    table = writer.table("数据", columns, heading="标题", options={"单位": ["锦城街道", "於潜镇"]})
    table.append({"unit": "锦城街道", "amount": Decimal("1234.5"), "day": date(2026, 3, 18)})
    table.append({"unit": "於潜镇", "amount": Decimal(10)})
    table.totals({"amount": Decimal("1244.5")})
    writer.instructions(columns, intro=["说明文字"])
    content = writer.to_bytes()

    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["数据", "说明", "选项"]
    sheet = book["数据"]
    assert sheet["A1"].value == "标题" and "A1:C1" in sheet.merged_cells
    assert sheet["A2"].value == "单位" and sheet["A2"].font.b
    assert sheet["A2"].fill.fgColor.rgb.endswith("FCE4D6")  # a required column is tinted
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["B"].width == 20
    assert sheet["B3"].number_format == AMOUNT_FORMAT
    assert sheet["C3"].number_format == "yyyy-mm-dd"
    assert sheet["A5"].value == "合计" and sheet["B5"].value == 1244.5
    validation = sheet.data_validations.dataValidation[0]
    assert validation.formula1 == "'选项'!$A$2:$A$3"
    assert str(validation.sqref) == "A3:A1048576"
    assert book["选项"].sheet_state == "hidden"
    assert [cell.value for cell in book["选项"]["A"]] == ["单位", "锦城街道", "於潜镇"]
    assert book["说明"]["A1"].value == "说明文字"

    # Another library reads the same values; our reader skips the totals row.
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("数据")
    assert calamine.to_python()[2][:2] == ["锦城街道", 1234.5]
    rows, report = read(io.BytesIO(content), columns)
    assert report.errors == []
    assert [row.values["unit"] for row in rows] == ["锦城街道", "於潜镇"]


# Scope and kinds ------------------------------------------------------------------------------


def test_the_units_a_user_may_write_follow_the_scoping_table(district):
    units = Unit.objects.all()
    assert writable_unit_ids(district.supervisor, units, Action.CHANGE) is None
    assert (
        writable_unit_ids(district.clerk_a, units, Action.CHANGE) == set()
    )  # units: supervisor only
    from bipin.projects.models import Project

    projects = Project.objects.all()
    assert writable_unit_ids(district.clerk_a, projects, Action.ADD) == {
        district.town_a.pk,
        district.village_a.pk,
    }
    assert writable_unit_ids(district.leader, projects, Action.ADD) == set()
    district.clerk_b.is_active = False
    assert writable_unit_ids(district.clerk_b, projects, Action.ADD) == set()
    assert district.leader.role == Role.LEADER


def test_projects_are_a_registered_excel_kind():
    assert "projects" in excel_kinds
    assert str(excel_kinds.get("projects").label) == "招商项目"
