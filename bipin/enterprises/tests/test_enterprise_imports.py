"""Excel in and out of enterprises: an export reads back in another library with the rows
and totals of the page and imports back unchanged; every bad input is named by its cell
with nothing written; rows upsert on the USCC; a clerk stays in their town; the template,
the commands and the generic import page serve the kind."""

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from bipin.conftest import District
from bipin.core.excel import Outcome, excel_kinds, jobs
from bipin.enterprises.choices import Size
from bipin.enterprises.imports.enterprises import (
    ENTERPRISES_EXCEL,
    enterprise_columns,
    enterprise_template,
    export_enterprises,
    export_queryset,
    import_enterprises,
)
from bipin.enterprises.models import Enterprise
from bipin.enterprises.tests.test_enterprise_views import (
    link,
    make_enterprise,
    make_enterprise_b,
    uscc,
)
from bipin.org.models import Link

HEADER = [
    "统一社会信用代码", "企业名称", "所属行业", "所属镇街", "规模", "重点企业", "挂联区领导",
    "用地面积（亩）", "从业人数", "注册地址",
]  # fmt: skip
KEYS = ["uscc", "name", "industry", "unit", "size", "key", "leaders", "land", "staff", "address"]
CODE_A = uscc("MA2H0AB10")
CODE_B = uscc("MA2H0AB27")


def row(**changes: Any) -> list[Any]:
    values: dict[str, Any] = {
        "uscc": CODE_A, "name": "杭州临安微芯电子有限公司", "industry": "39", "unit": "锦城街道",
        "size": "规上", "key": "是", "leaders": "", "land": 35.5, "staff": 210,
        "address": "锦城街道科技大道8号",
    }  # fmt: skip
    values.update(changes)
    return [values[key] for key in KEYS]


def sheet(*rows: list[Any], header: list[str] = HEADER) -> io.BytesIO:
    """A list as a town keeps it: a merged title row, the header in row 2, rows from row 3,
    a 合计 row with a formula."""
    book = Workbook()
    worksheet = book.active
    assert worksheet is not None
    worksheet.title = "企业名录"
    worksheet.append(["2026年锦城街道企业名录"])
    worksheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    worksheet.append(header)
    for values in rows:
        worksheet.append(values)
    worksheet.append(["合计", None, None, None, None, None, None, f"=SUM(H3:H{len(rows) + 2})"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "企业名录.xlsx"
    return buffer


def errors_of(report: Any) -> list[str]:
    return [str(error) for error in report.errors]


def history_count() -> int:
    return Enterprise.history.count()


def _read(content: bytes | Path) -> list[list[Any]]:
    """The enterprise sheet of an export, read by a library that did not write it."""
    source = content if isinstance(content, Path) else io.BytesIO(content)
    workbook = (
        CalamineWorkbook.from_path(str(source))
        if isinstance(source, Path)
        else CalamineWorkbook.from_filelike(source)
    )
    return workbook.get_sheet_by_name("企业").to_python()


# Export ------------------------------------------------------------------------------------


def test_an_export_read_back_has_the_rows_and_totals_of_the_page(district: District) -> None:
    first = make_enterprise(district, name="甲企业", employees=300, land_area=Decimal("50.25"))
    make_enterprise(district, name="乙企业", employees=None, land_area=None, is_key=True)
    make_enterprise(district, name="丙企业", employees=12, land_area=Decimal("3"), is_key=True)
    make_enterprise_b(district)
    link(district, first)
    client = Client()
    client.force_login(district.supervisor)
    params = {"unit": district.town_a.pk, "sort": "-employees"}
    page = client.get("/enterprises/", params)
    response = client.get("/excel/enterprises/export/", params)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = _read(response.content)
    header = next(index for index, values in enumerate(rows) if "统一社会信用代码" in values)
    columns = {name: rows[header].index(name) for name in HEADER}
    *body, totals = rows[header + 1 :]
    expected = list(page.context["page"])
    assert [values[columns["统一社会信用代码"]] for values in body] == [e.uscc for e in expected]
    assert [values[columns["企业名称"]] for values in body] == ["甲企业", "丙企业", "乙企业"]
    assert body[0][columns["挂联区领导"]] == "李明华"
    assert body[0][columns["所属行业"]] == "计算机、通信和其他电子设备制造业"
    assert body[0][columns["规模"]] == "规上"
    totals_page = page.context["totals"]
    assert totals[columns["统一社会信用代码"]] == "合计"
    assert (
        f"{totals_page['count']} 家企业，其中重点企业 {totals_page['key']} 家"
        == (totals[columns["企业名称"]])
    )
    assert totals[columns["从业人数"]] == totals_page["employees"] == 312
    assert Decimal(str(totals[columns["用地面积（亩）"]])) == totals_page["land_area"]


def test_a_clerk_exports_only_their_towns_enterprises(district: District) -> None:
    mine = make_enterprise(district)
    theirs = make_enterprise_b(district)
    client = Client()
    client.force_login(district.clerk_a)
    text = "\n".join(
        str(cell)
        for values in _read(client.get("/excel/enterprises/export/").content)
        for cell in values
    )
    assert mine.uscc in text
    assert theirs.uscc not in text


def test_an_export_imports_back_unchanged(district: District, tmp_path: Path) -> None:
    first = make_enterprise(district, is_key=True)
    make_enterprise(district, name="无地企业", employees=None, land_area=None, address="")
    make_enterprise_b(district, land_area=Decimal("12.75"))
    link(district, first)
    path = tmp_path / "企业.xlsx"
    export_enterprises(export_queryset(district.supervisor, {}), path)
    before = (history_count(), Link.objects.count())
    report = import_enterprises(path, actor=district.supervisor)
    assert errors_of(report) == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert (history_count(), Link.objects.count()) == before
    # A clerk re-imports their own town's export unchanged too (the leaders are there).
    export_enterprises(export_queryset(district.clerk_a, {}), path)
    report = import_enterprises(path, actor=district.clerk_a)
    assert errors_of(report) == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)


def test_export_queryset_takes_the_lists_filters_and_a_unit_code(district: District) -> None:
    key = make_enterprise(district, is_key=True)
    make_enterprise(district, name="一般企业")
    other = make_enterprise_b(district)
    assert list(export_queryset(district.supervisor, {"is_key": "true"})) == [key]
    # The list's form as submitted: every filter, most of them empty.
    submitted = {"q": "", "unit": "", "industry": "", "size": "", "is_key": "unknown"}
    submitted |= {"leader": "", "linked": "unknown", "sort": "unit", "page": "2"}
    assert set(export_queryset(district.supervisor, submitted)) == {key, other} | set(
        Enterprise.objects.filter(name="一般企业")
    )
    assert list(export_queryset(district.supervisor, {"unit": district.town_b.code})) == [other]
    assert list(export_queryset(district.supervisor, {"unit": str(district.town_b.pk)})) == [other]
    with pytest.raises(ValueError, match="year"):
        export_queryset(district.supervisor, {"year": "2026"})
    with pytest.raises(ValueError, match="size"):
        export_queryset(district.supervisor, {"size": "huge"})
    with pytest.raises(ValueError, match="找不到单位代码"):
        export_queryset(district.clerk_a, {"unit": "no-such-unit"})


def test_an_export_with_a_filter_the_list_does_not_have_is_refused_saying_which(
    district: District,
) -> None:
    client = Client()
    client.force_login(district.supervisor)
    response = client.get("/excel/enterprises/export/", {"stage": "signed"})
    assert response.status_code == 400
    assert "stage" in response.content.decode()


# Import: bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"uscc": CODE_A[:16] + "O" + CODE_A[17]}, "A", "第 17 位“O”不是允许的字符"),
        ({"uscc": CODE_A[:17] + ("0" if CODE_A[17] != "0" else "1")}, "A", "第 18 位校验码错误"),
        ({"uscc": "91330185MA2H0AB1"}, "A", "应为 18 位，实际为 16 位"),
        ({"unit": "火星街道"}, "D", "未知单位“火星街道”"),
        ({"unit": "区发展和改革局"}, "D", "不是镇或街道"),
        ({"industry": "外星制造业"}, "C", "未知行业“外星制造业”"),
        ({"industry": "C"}, "C", "是门类"),
        ({"land": -3}, "H", "用地面积不能为负数"),
        ({"land": "三十亩"}, "H", "不是面积"),
        ({"staff": -1}, "I", "从业人数不能为负数"),
        ({"staff": "很多"}, "I", "不是整数"),
        ({"size": "特大"}, "E", "应为 规上、规下 之一"),
        ({"key": "也许"}, "F", "应填“是”或“否”"),
        ({"leaders": "张三"}, "G", "未知区领导“张三”"),
        ({"name": ""}, "B", "必填"),
    ],
)
def test_a_bad_cell_is_named_with_what_is_wrong_and_nothing_is_written(
    district: District, changes: dict[str, Any], column: str, message: str
) -> None:
    report = import_enterprises(
        sheet(row(uscc=CODE_B, name="好企业"), row(**changes)), actor=district.supervisor
    )
    [error] = report.errors
    assert (error.sheet, error.row, error.column) == ("企业名录", 4, column)
    assert message in error.message
    assert f"企业名录 第 4 行 {column} 列（" in str(error)
    assert not report.written
    assert report.rows == []
    assert not Enterprise.objects.exists()
    assert history_count() == 0


def test_the_same_uscc_twice_in_a_file_is_an_error_naming_both_rows(district: District) -> None:
    make_enterprise(district, uscc=CODE_A)  # an existing code, in the file twice
    report = import_enterprises(
        sheet(row(), row(uscc=CODE_B, name="另一家"), row(name="重复的一行")),
        actor=district.supervisor,
    )
    [error] = report.errors
    assert (error.row, error.column) == (5, "A")
    assert "第 3 行和第 5 行重复出现" in error.message
    assert CODE_A in error.message
    assert Enterprise.objects.count() == 1
    assert not Enterprise.objects.filter(uscc=CODE_B).exists()


def test_every_error_of_the_file_is_listed_not_only_the_first(district: District) -> None:
    report = import_enterprises(
        sheet(
            row(uscc="91330185MA2H0AB1I0"),
            row(uscc=CODE_B, unit="火星街道", land=-1),
            row(uscc=uscc(), industry="外星制造业"),
        ),
        actor=district.supervisor,
    )
    assert [(error.row, error.column) for error in report.errors] == [
        (3, "A"),
        (4, "D"),
        (4, "H"),
        (5, "C"),
    ]
    assert "发现 4 处错误，没有写入任何数据" in report.summary()
    assert not Enterprise.objects.exists()


def test_a_sheet_without_the_header_says_which_columns_it_needs(district: District) -> None:
    report = import_enterprises(
        sheet(["a", "b"], header=["序号", "备注"]), actor=district.supervisor
    )
    assert "找不到表头" in errors_of(report)[0]
    assert "统一社会信用代码" in errors_of(report)[0]


def test_a_missing_required_column_is_named(district: District) -> None:
    header = [name for name in HEADER if name != "规模"]
    values = [value for name, value in zip(HEADER, row(), strict=True) if name != "规模"]
    report = import_enterprises(sheet(values, header=header), actor=district.supervisor)
    assert "缺少必填的列：规模" in errors_of(report)[0]


def test_a_file_that_is_not_xlsx_is_refused(district: District) -> None:
    upload = io.BytesIO(b"uscc,name\n")
    upload.name = "企业.csv"
    report = import_enterprises(upload, actor=district.supervisor)
    assert "不是 Excel 工作簿" in errors_of(report)[0]


# Import: what it writes ----------------------------------------------------------------------


def test_rows_are_created_then_updated_on_their_uscc_and_the_same_file_changes_nothing(
    district: District,
) -> None:
    first = import_enterprises(
        sheet(row(), row(uscc=CODE_B, name="於潜竹业有限公司", unit="於潜", industry="20")),
        actor=district.supervisor,
    )
    assert errors_of(first) == []
    assert (first.created, first.updated, first.written) == (2, 0, True)
    made = Enterprise.objects.get(uscc=CODE_A)
    assert (made.name, made.industry.code, made.unit, made.size, made.is_key) == (
        "杭州临安微芯电子有限公司", "39", district.town_a, Size.ABOVE_SCALE, True,
    )  # fmt: skip
    assert (made.land_area, made.employees) == (Decimal("35.5"), 210)
    assert made.history.get().history_change_reason == "Excel 导入：企业名录.xlsx"
    assert Enterprise.objects.get(uscc=CODE_B).unit == district.town_b
    again = import_enterprises(
        sheet(row(), row(uscc=CODE_B, name="於潜竹业有限公司", unit="於潜", industry="20")),
        actor=district.supervisor,
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert history_count() == 2
    changed = import_enterprises(sheet(row(staff=250, land="")), actor=district.supervisor)
    assert (changed.created, changed.updated) == (0, 1)
    made.refresh_from_db()
    assert (made.employees, made.land_area) == (250, None)  # an empty cell clears


def test_the_industry_is_read_by_code_or_name_and_the_unit_by_name_short_name_or_code(
    district: District,
) -> None:
    report = import_enterprises(
        sheet(
            row(industry="计算机、通信和其他电子设备制造业", unit="锦城"),
            row(uscc=CODE_B, industry="C39", unit=district.town_b.code),
        ),
        actor=district.supervisor,
    )
    assert errors_of(report) == []
    assert set(Enterprise.objects.values_list("industry__code", "unit__short_name")) == {
        ("39", "锦城"),
        ("39", "於潜"),
    }


def test_a_column_the_sheet_lacks_leaves_the_field_as_it_is(district: District) -> None:
    make_enterprise(district, uscc=CODE_A, address="原地址", employees=99)
    header = HEADER[:6]
    report = import_enterprises(
        sheet(row(name="新名称")[:6], header=header), actor=district.supervisor
    )
    assert (report.updated, report.created) == (1, 0)
    made = Enterprise.objects.get()
    assert (made.name, made.address, made.employees) == ("新名称", "原地址", 99)


def test_a_dry_run_previews_and_writes_nothing(district: District) -> None:
    report = import_enterprises(
        sheet(row(), row(uscc=CODE_B)), actor=district.supervisor, dry_run=True
    )
    assert errors_of(report) == []
    assert [(preview.row, preview.outcome) for preview in report.rows] == [
        (3, Outcome.CREATED),
        (4, Outcome.CREATED),
    ]
    assert report.rows[0].name == "杭州临安微芯电子有限公司"
    assert report.rows[0].unit == "锦城街道"
    assert report.rows[0].size == "规上"
    assert "试运行" in report.summary()
    assert not report.written
    assert not Enterprise.objects.exists()


def test_a_leader_named_is_linked_once_by_the_supervisor(district: District) -> None:
    report = import_enterprises(sheet(row(leaders="李明华")), actor=district.supervisor)
    assert [remark.text for remark in report.rows[0].remarks] == ["新增挂联领导：李明华"]
    made = Enterprise.objects.get()
    [made_link] = Link.objects.filter(content_type__model="enterprise", object_id=made.pk)
    assert (made_link.leader, made_link.unit, made_link.duty) == (
        district.leader, district.town_a, "企业服务"
    )  # fmt: skip
    again = import_enterprises(sheet(row(leaders="李明华")), actor=district.supervisor)
    assert again.unchanged == 1
    assert Link.objects.filter(content_type__model="enterprise").count() == 1


def test_a_clerk_cannot_link_a_leader_by_import(district: District) -> None:
    report = import_enterprises(sheet(row(leaders="李明华")), actor=district.clerk_a)
    [error] = report.errors
    assert (error.row, error.column) == (3, "G")
    assert "只有督查室可以设置挂联领导" in error.message
    assert not Enterprise.objects.exists()
    assert not Link.objects.filter(content_type__model="enterprise").exists()


def test_a_clerk_imports_their_towns_enterprises(district: District) -> None:
    report = import_enterprises(sheet(row()), actor=district.clerk_a)
    assert errors_of(report) == []
    assert Enterprise.objects.get().history.get().history_user == district.clerk_a


def test_a_clerk_cannot_import_into_another_town(district: District) -> None:
    report = import_enterprises(
        sheet(row(), row(uscc=CODE_B, unit="於潜镇")), actor=district.clerk_a
    )
    [error] = report.errors
    assert (error.row, error.column) == (4, "D")
    assert "不在您的范围内" in error.message
    assert not Enterprise.objects.exists()


def test_a_clerk_cannot_change_another_towns_enterprise_by_its_uscc(district: District) -> None:
    theirs = make_enterprise_b(district, uscc=CODE_B)
    report = import_enterprises(sheet(row(uscc=CODE_B, name="改名")), actor=district.clerk_a)
    assert any("不属于您管辖的镇街" in message for message in errors_of(report))
    theirs.refresh_from_db()
    assert theirs.name == "杭州於潜竹木制品有限公司"


@pytest.mark.parametrize("who", ["leader", "viewer", "provider"])
def test_who_may_not_add_enterprises_cannot_import(district: District, who: str) -> None:
    report = import_enterprises(sheet(row()), actor=getattr(district, who))
    assert "不能导入企业" in errors_of(report)[0]
    assert not Enterprise.objects.exists()


def test_progress_is_reported_with_its_total(district: District) -> None:
    seen: list[tuple[int, int]] = []
    rows = [row(uscc=uscc(), name=f"企业{number}") for number in range(3)]
    import_enterprises(sheet(*rows), actor=district.supervisor, progress=lambda *p: seen.append(p))
    assert seen == [(3, 3)]


# The template ---------------------------------------------------------------------------------


def test_the_template_has_instructions_dropdowns_and_imports_nothing(district: District) -> None:
    content = enterprise_template()
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["企业", "说明", "选项"]
    assert book["选项"].sheet_state == "hidden"
    header = [cell.value for cell in book["企业"][1]]
    assert header == [column.label for column in enterprise_columns()]
    validated = {
        str(validation.sqref).split(":")[0][0]
        for validation in book["企业"].data_validations.dataValidation
    }
    assert {"C", "D", "E", "F", "G"} <= validated
    instructions = "\n".join(
        str(cell) for values in CalamineWorkbook.from_filelike(io.BytesIO(content))
        .get_sheet_by_name("说明").to_python() for cell in values
    )  # fmt: skip
    assert "统一社会信用代码" in instructions and "GB 32100-2015" in instructions
    options = load_workbook(io.BytesIO(content))["选项"]
    listed = {cell.value for column in options.iter_cols() for cell in column}
    assert {"锦城街道", "於潜镇", "规上", "规下", "李明华"} <= listed
    assert "区发展和改革局" not in listed
    buffer = io.BytesIO(content)
    buffer.name = "模板.xlsx"
    report = import_enterprises(buffer, actor=district.supervisor)
    assert errors_of(report) == []
    assert report.rows == []


def test_the_kind_is_registered_with_its_pages(district: District) -> None:
    kind = excel_kinds.get("enterprises")
    assert kind is ENTERPRISES_EXCEL
    assert kind.model is Enterprise
    assert kind.list_url_name == "enterprises:list"
    assert next(attribute for _header, attribute in kind.preview_columns) == "name"
    assert str(kind.template_name) == "企业导入模板.xlsx"


# The commands and the import page ---------------------------------------------------------------


def _save(buffer: io.BytesIO, path: Path) -> Path:
    path.write_bytes(buffer.getvalue())
    return path


def test_the_import_command_dry_runs_then_imports(district: District, tmp_path: Path) -> None:
    path = _save(sheet(row(), row(uscc=CODE_B)), tmp_path / "企业.xlsx")
    out = io.StringIO()
    call_command("import", "enterprises", str(path), "--dry-run", stdout=out)
    assert "试运行：将新增 2 行" in out.getvalue()
    assert not Enterprise.objects.exists()
    out = io.StringIO()
    call_command("import", "enterprises", str(path), "--user", "clerk_a", stdout=out)
    assert "已导入：新增 2 行" in out.getvalue()
    assert set(Enterprise.history.values_list("history_user__username", flat=True)) == {"clerk_a"}


def test_the_import_command_prints_every_error_and_fails_having_written_nothing(
    district: District, tmp_path: Path
) -> None:
    path = _save(sheet(row(land=-2), row(uscc=CODE_B, unit="火星")), tmp_path / "坏.xlsx")
    err = io.StringIO()
    with pytest.raises(CommandError, match="发现 2 处错误"):
        call_command("import", "enterprises", str(path), stdout=io.StringIO(), stderr=err)
    assert "第 3 行 H 列（用地面积（亩））：用地面积不能为负数" in err.getvalue()
    assert "第 4 行 D 列（所属镇街）" in err.getvalue()
    assert not Enterprise.objects.exists()


def test_the_export_command_writes_the_users_filtered_list(
    district: District, tmp_path: Path
) -> None:
    key = make_enterprise(district, is_key=True)
    plain = make_enterprise(district, name="一般企业")
    other = make_enterprise_b(district)
    path = tmp_path / "out.xlsx"
    call_command(
        "export", "enterprises", str(path), "--filter", "is_key=false", stdout=io.StringIO()
    )
    text = "\n".join(str(cell) for values in _read(path) for cell in values)
    assert plain.uscc in text and other.uscc in text and key.uscc not in text
    call_command(
        "export", "enterprises", str(path), "--unit", district.town_b.code, stdout=io.StringIO()
    )
    text = "\n".join(str(cell) for values in _read(path) for cell in values)
    assert other.uscc in text and plain.uscc not in text
    with pytest.raises(CommandError, match="year"):
        call_command("export", "enterprises", str(path), "--year", "2026", stdout=io.StringIO())


def test_the_import_page_previews_and_commits_an_enterprise_list(
    district: District, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(jobs, "RUN_IN_BACKGROUND", False)
    cache.clear()
    client = Client()
    client.force_login(district.clerk_a)
    upload = SimpleUploadedFile("企业名录.xlsx", sheet(row()).getvalue())
    response = client.post("/excel/enterprises/import/", {"upload": upload})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    page = preview.content.decode()
    assert "杭州临安微芯电子有限公司" in page
    assert CODE_A in page
    assert not Enterprise.objects.exists()
    confirmed = client.post(f"{response['Location']}confirm/")
    assert confirmed.status_code == 302
    assert Enterprise.objects.get().uscc == CODE_A
    cache.clear()


def test_a_leader_cannot_open_the_import_page(district: District) -> None:
    client = Client()
    client.force_login(district.leader)
    assert client.get("/excel/enterprises/import/").status_code == 403
    assert client.get("/excel/enterprises/template/").status_code == 403
    assert client.get("/excel/enterprises/export/").status_code == 200
