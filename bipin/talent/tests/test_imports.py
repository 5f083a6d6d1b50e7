"""Excel in and out of talents: an export reads back (in another library) with the page's
rows and totals and imports back unchanged, masked or not; every bad input is named by its
cell with nothing written; a clerk stays in their town."""

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from bipin.conftest import District
from bipin.core.excel import Outcome, excel_kinds
from bipin.enterprises.models import Enterprise
from bipin.org.models import User
from bipin.talent.choices import Tier
from bipin.talent.imports import (
    TALENTS_EXCEL,
    export_queryset,
    export_talents,
    import_talents,
    talent_columns,
    talent_template,
)
from bipin.talent.models import Talent
from bipin.talent.tests.conftest import (
    ID_A,
    ID_A_MASKED,
    INTRODUCED,
    PHONE_A,
    PHONE_A_MASKED,
    PHONE_B,
    TODAY,
    id_number,
    make_talent,
)

HEADER = [
    "人才编号", "姓名", "人才类别", "专业领域", "工作单位", "引进单位", "引进日期", "引进方式",
    "是否落户", "落户日期", "项目资助（万元）", "创业创新项目", "联系电话", "身份证号码",
]  # fmt: skip
KEYS = [
    "code", "name", "tier", "field", "employer", "unit", "introduced", "employment", "settled",
    "settled_on", "funding", "project", "phone", "id_number",
]  # fmt: skip
NEW_ID = id_number("33018519900101123")


def row(**changes: Any) -> list[Any]:
    values = {
        "code": "", "name": "陈思远", "tier": "D", "field": "人工智能",
        "employer": "杭州锦城微电子有限公司", "unit": "锦城街道", "introduced": INTRODUCED,
        "employment": "全职", "settled": "否", "settled_on": None, "funding": None,
        "project": "", "phone": "13755556666", "id_number": NEW_ID,
    }  # fmt: skip
    values.update(changes)
    return [values[key] for key in KEYS]


def sheet(*rows: list[Any], header: list[str] = HEADER) -> io.BytesIO:
    """A sheet as an office keeps it: a title row, the header, the rows, a 合计 row."""
    book = Workbook()
    table = book.active
    assert table is not None
    table.title = "引进人才"
    table.append(["2026年引进人才台账"])
    table.append(header)
    for values in rows:
        table.append(values)
    table.append(["合计", f"{len(rows)} 人"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "人才.xlsx"
    return buffer


def _errors(report: Any) -> list[tuple[int | None, str | None, str]]:
    return [(error.row, error.column, error.message) for error in report.errors]


def _export(user: User, path: Path, **filters: str) -> Path:
    export_talents(export_queryset(user, filters), path)
    return path


def _read_back(path: Path) -> list[list[Any]]:
    """The export's table as another library reads it."""
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("人才").to_python()


def _state() -> list[tuple[Any, ...]]:
    return list(
        Talent.objects.order_by("code").values_list(
            "code", "name", "tier", "field", "employer_id", "introducing_unit_id",
            "introduced_on", "employment", "settled", "settled_on", "project_name",
            "project_funding", "project_stage", "status", "phone", "id_number", "note",
        )
    )  # fmt: skip


def _versions() -> int:
    return Talent.history.count()


# Export ----------------------------------------------------------------------------------------


def test_an_export_reads_back_with_the_pages_rows_and_totals(
    district: District, login: Any, talent_a: Talent, talent_b: Talent, tmp_path: Path
) -> None:
    make_talent(
        district,
        name="王芳",
        tier=Tier.A,
        project_name="光刻胶项目",
        project_funding=Decimal("2000"),
    )
    page = login(district.supervisor).get("/talent/")
    shown = [talent.code for talent in page.context["page"]]
    totals = page.context["totals"]
    rows = _read_back(_export(district.supervisor, tmp_path / "人才.xlsx"))
    assert rows[0][0].startswith("引进人才台账")
    assert rows[1] == [column.label for column in talent_columns()]
    data, total = rows[2:-1], rows[-1]
    assert [line[0] for line in data] == shown
    assert total[0] == "合计"
    assert total[1] == (
        f"{totals['count']} 名（A–E 类 {totals['high_level']} 名，高校毕业生 {totals['graduates']} 名）"
    )
    assert total[9] == f"已落户 {totals['settled_count']} 名"
    assert Decimal(str(total[12])) == totals["funding"] == Decimal("2300")
    first = dict(zip(HEADER_KEYS, data[shown.index(talent_a.code)], strict=True))
    assert first["employer_uscc"] == talent_a.employer.uscc
    assert (first["phone"], first["id_number"]) == (PHONE_A, ID_A)


HEADER_KEYS = [column.key for column in talent_columns()]


def test_an_export_is_what_the_page_filters(
    district: District, talent_a: Talent, talent_b: Talent, tmp_path: Path
) -> None:
    rows = _read_back(_export(district.supervisor, tmp_path / "x.xlsx", tier="graduate"))
    assert [line[1] for line in rows[2:-1]] == ["李雨桐"]
    rows = _read_back(_export(district.supervisor, tmp_path / "y.xlsx", unit=district.town_a.code))
    assert [line[1] for line in rows[2:-1]] == ["张晓明"]
    with pytest.raises(ValueError, match="找不到单位代码"):
        export_queryset(district.clerk_a, {"unit": district.town_b.code})


def test_a_leaders_export_has_the_masks_and_a_clerks_only_their_town(
    district: District, talent_a: Talent, talent_b: Talent, tmp_path: Path
) -> None:
    rows = _read_back(_export(district.leader, tmp_path / "leader.xlsx"))
    by_name = {line[1]: dict(zip(HEADER_KEYS, line, strict=True)) for line in rows[2:-1]}
    assert (by_name["张晓明"]["phone"], by_name["张晓明"]["id_number"]) == (
        PHONE_A_MASKED,
        ID_A_MASKED,
    )
    raw = (tmp_path / "leader.xlsx").read_bytes()
    assert PHONE_A.encode() not in raw and PHONE_B.encode() not in raw
    rows = _read_back(_export(district.clerk_a, tmp_path / "clerk.xlsx"))
    assert [line[1] for line in rows[2:-1]] == ["张晓明"]
    assert rows[2][HEADER_KEYS.index("phone")] == PHONE_A


def test_a_queryset_without_the_personal_annotation_exports_masks(
    district: District, talent_a: Talent, tmp_path: Path
) -> None:
    export_talents(Talent.objects.all(), tmp_path / "plain.xlsx")
    rows = _read_back(tmp_path / "plain.xlsx")
    assert rows[2][HEADER_KEYS.index("phone")] == PHONE_A_MASKED


# Round trips ------------------------------------------------------------------------------


def test_export_then_import_changes_nothing(
    district: District, talent_a: Talent, talent_b: Talent, tmp_path: Path
) -> None:
    path = _export(district.supervisor, tmp_path / "all.xlsx")
    before, versions = _state(), _versions()
    report = import_talents(path, actor=district.supervisor)
    assert report.ok, _errors(report)
    assert report.unchanged == 2 and report.created == report.updated == 0
    assert _state() == before and _versions() == versions


def test_a_masked_export_imported_back_keeps_the_real_numbers(
    district: District, talent_a: Talent, talent_b: Talent, tmp_path: Path
) -> None:
    path = _export(district.leader, tmp_path / "masked.xlsx")
    before, versions = _state(), _versions()
    report = import_talents(path, actor=district.supervisor)
    assert report.ok, _errors(report)
    assert report.unchanged == 2
    assert _state() == before and _versions() == versions
    talent_a.refresh_from_db()
    assert (talent_a.phone, talent_a.id_number) == (PHONE_A, ID_A)


def test_a_clerks_export_imports_back_unchanged_for_the_clerk(
    district: District, talent_a: Talent, talent_b: Talent, tmp_path: Path
) -> None:
    path = _export(district.clerk_a, tmp_path / "jincheng.xlsx")
    before = _state()
    report = import_talents(path, actor=district.clerk_a)
    assert report.ok and report.unchanged == 1
    assert _state() == before


def test_an_export_in_english_imports_back_unchanged_in_english(
    district: District, talent_a: Talent, tmp_path: Path
) -> None:
    before = _state()
    with translation.override("en"):
        path = _export(district.supervisor, tmp_path / "en.xlsx")
        report = import_talents(path, actor=district.supervisor)
    assert report.ok, _errors(report)
    assert report.unchanged == 1
    assert _state() == before


# Importing -----------------------------------------------------------------------------------


def test_new_rows_get_codes_and_rows_with_a_code_update_their_talent(
    district: District, talent_a: Talent, enterprises: dict[str, Enterprise]
) -> None:
    report = import_talents(
        sheet(
            row(),
            row(
                code=talent_a.code,
                name="张晓明",
                tier="B类",
                phone=PHONE_A,
                id_number=ID_A,
                settled="是",
                settled_on=talent_a.settled_on,
                employer="",
                funding=300,
                project="车规级芯片研发及产业化项目",
            ),
        ),
        actor=district.clerk_a,
    )
    # The employer column is empty in row 4: the USCC column is not in this sheet.
    assert _errors(report) == [
        (
            4,
            "E",
            "请填写工作单位：人才须有在本区登记的工作单位（企业），填写企业全称或统一社会信用代码。",
        )
    ]
    assert Talent.objects.count() == 1
    report = import_talents(
        sheet(
            row(),
            row(
                code=talent_a.code,
                name="张晓明",
                tier="B类",
                phone=PHONE_A,
                id_number=ID_A,
                settled="是",
                settled_on=talent_a.settled_on,
                funding=300,
                project="车规级芯片研发及产业化项目",
            ),
        ),
        actor=district.clerk_a,
    )
    assert report.ok, _errors(report)
    assert (report.created, report.updated) == (1, 1)
    new = Talent.objects.get(name="陈思远")
    assert new.code == f"RC{INTRODUCED.year}-0002" and new.employer == enterprises["a"]
    assert new.history.get().history_change_reason == "Excel 导入：人才.xlsx"
    talent_a.refresh_from_db()
    assert talent_a.tier == Tier.B
    again = import_talents(sheet(row()), actor=district.clerk_a)
    assert again.ok and again.unchanged == 1  # the same name and employer: the same talent


def test_the_employer_may_be_given_by_its_credit_code(
    district: District, enterprises: dict[str, Enterprise]
) -> None:
    header = [*HEADER, "工作单位统一社会信用代码"]
    rows = [
        [*row(employer=""), enterprises["b"].uscc],
        [*row(name="王芳", employer="杭州锦城微电子有限公司", phone=""), enterprises["b"].uscc],
    ]
    report = import_talents(sheet(*rows, header=header), actor=district.supervisor)
    assert _errors(report) == [
        (
            4,
            "E",
            "工作单位“杭州锦城微电子有限公司”与信用代码 "
            f"{enterprises['b'].uscc} 的企业“杭州於潜竹业有限公司”不一致。",
        )
    ]
    report = import_talents(sheet(rows[0], header=header), actor=district.supervisor)
    assert report.ok and Talent.objects.get().employer == enterprises["b"]


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"employer": ""}, "E", "请填写工作单位"),
        ({"employer": "不存在的公司"}, "E", "找不到工作单位“不存在的公司”"),
        ({"introduced": TODAY + timedelta(days=1)}, "G", "不能晚于今天：只登记已经引进的人才"),
        ({"settled": "是", "settled_on": TODAY + timedelta(days=1)}, "J", "不能晚于今天"),
        ({"settled": "是"}, "J", "已落户的人才须填写落户日期"),
        (
            {"settled": "是", "settled_on": INTRODUCED - timedelta(days=1)},
            "J",
            "落户日期不能早于引进日期",
        ),
        ({"settled": "否", "settled_on": INTRODUCED}, "I", "请勾选“已落户”"),
        ({"funding": -5, "project": "芯片"}, "K", "金额不能为负数"),
        ({"tier": "F"}, "C", "不是允许的值"),
        ({"unit": "青云镇"}, "F", "未知单位“青云镇”"),
        ({"unit": "於潜镇"}, "F", "不在您的范围内"),
        ({"phone": PHONE_A_MASKED}, "M", "新增人才须填写完整号码"),
        ({"phone": "1381234"}, "M", "电话号码“1381234”无效"),
        ({"id_number": NEW_ID[:17] + "0"}, "N", "校验码错误"),
        ({"id_number": 330185199001011230}, "N", "须以文本格式填写"),
        ({"name": ""}, "B", "必填"),
        ({"introduced": "下个月"}, "G", "不是日期"),
    ],
)
def test_bad_input_is_refused_at_its_cell_and_nothing_is_written(
    district: District,
    enterprises: dict[str, Enterprise],
    changes: dict[str, Any],
    column: str,
    message: str,
) -> None:
    report = import_talents(sheet(row(name="王芳"), row(**changes)), actor=district.clerk_a)
    assert not report.ok and not report.written
    [(row_number, found_column, text)] = _errors(report)
    assert (row_number, found_column) == (4, column), text
    assert message in text
    assert str(report.errors[0]).startswith(f"引进人才 第 4 行 {column} 列（")
    assert not Talent.objects.exists()


def test_a_mask_that_is_not_the_stored_numbers_is_refused(
    district: District, talent_a: Talent
) -> None:
    header = [*HEADER]
    values = row(code=talent_a.code, name="张晓明", tier="C", phone="139****5678", id_number=ID_A)
    report = import_talents(sheet(values, header=header), actor=district.supervisor)
    assert [(e.row, e.column) for e in report.errors] == [(3, "M")]
    assert "与已存的号码不符" in report.errors[0].message


def test_every_error_of_the_file_is_listed_and_none_of_it_written(
    district: District, enterprises: dict[str, Enterprise]
) -> None:
    report = import_talents(
        sheet(row(), row(name="王芳", employer=""), row(name="刘洋", tier="Z", unit="青云镇")),
        actor=district.clerk_a,
    )
    assert [(row, column) for row, column, _ in _errors(report)] == [
        (4, "E"), (5, "C"), (5, "F"),
    ]  # fmt: skip
    assert report.summary() == "发现 3 处错误，没有写入任何数据。"
    assert not Talent.objects.exists()


def test_a_code_twice_in_the_file_is_refused(district: District, enterprises: Any) -> None:
    report = import_talents(
        sheet(row(code="RC2025-0009"), row(code="RC2025-0009", name="王芳")),
        actor=district.supervisor,
    )
    assert _errors(report) == [(4, "A", "人才编号“RC2025-0009”与第 3 行重复。")]


def test_a_clerk_cannot_change_another_towns_talent_by_its_code(
    district: District, talent_b: Talent
) -> None:
    values = row(code=talent_b.code, name="李雨桐", employer="杭州於潜竹业有限公司")
    report = import_talents(sheet(values), actor=district.clerk_a)
    assert [(e.row, e.column) for e in report.errors] == [(3, "A")]
    assert "不是您管辖的单位引进的" in report.errors[0].message
    talent_b.refresh_from_db()
    assert talent_b.name == "李雨桐"


def test_those_who_may_not_add_talents_cannot_import(
    district: District, enterprises: dict[str, Enterprise]
) -> None:
    report = import_talents(sheet(row()), actor=district.leader)
    assert "不能导入人才" in report.errors[0].message
    assert not Talent.objects.exists()


def test_a_dry_run_writes_nothing_and_previews_the_rows(
    district: District, enterprises: dict[str, Enterprise]
) -> None:
    report = import_talents(sheet(row(), row(name="王芳")), actor=district.clerk_a, dry_run=True)
    assert report.ok and not report.written
    assert [(p.row, p.outcome, p.name, p.tier, p.unit) for p in report.rows] == [
        (3, Outcome.CREATED, "陈思远", "D类（市级领军人才）", "锦城街道"),
        (4, Outcome.CREATED, "王芳", "D类（市级领军人才）", "锦城街道"),
    ]
    assert not Talent.objects.exists() and not Talent.history.exists()


def test_settled_is_read_from_the_date_when_the_column_is_empty(
    district: District, enterprises: dict[str, Enterprise]
) -> None:
    report = import_talents(
        sheet(row(settled=None, settled_on=INTRODUCED + timedelta(days=3))),
        actor=district.clerk_a,
    )
    assert report.ok, _errors(report)
    assert Talent.objects.get().settled is True


# Template, kind and commands -----------------------------------------------------------------


def test_the_template_has_instructions_and_dropdowns_and_imports_nothing(
    district: District, enterprises: dict[str, Enterprise], tmp_path: Path
) -> None:
    path = tmp_path / "模板.xlsx"
    path.write_bytes(talent_template())
    book = load_workbook(path)
    assert book.sheetnames == ["人才", "说明", "选项"]
    assert book["选项"].sheet_state == "hidden"
    validations = {
        str(v.sqref).split(":")[0]: v.formula1 for v in book["人才"].data_validations.dataValidation
    }
    # 人才类别, 工作单位, 引进单位, 引进方式, 是否落户, 项目阶段, 状态
    assert {"C2", "E2", "G2", "I2", "J2", "N2", "O2"} <= set(validations)
    instructions = [
        row[0]
        for row in CalamineWorkbook.from_path(str(path)).get_sheet_by_name("说明").to_python()
    ]
    assert any("身份证号码请以文本格式填写" in str(line) for line in instructions)
    report = import_talents(path, actor=district.supervisor)
    assert report.ok and not report.rows


def test_the_kind_is_registered_for_the_excel_pages(district: District) -> None:
    kind = excel_kinds.get("talents")
    assert kind is TALENTS_EXCEL
    assert kind.model is Talent and kind.list_url_name == "talent:list"
    assert str(kind.template_name) == "人才导入模板.xlsx"
    assert kind.preview_columns[0][1] == "name"


def test_the_commands_import_and_export_talents(
    district: District, enterprises: dict[str, Enterprise], tmp_path: Path
) -> None:
    source = tmp_path / "in.xlsx"
    source.write_bytes(sheet(row()).getvalue())
    out = io.StringIO()
    call_command("import", "talents", str(source), "--dry-run", stdout=out)
    assert "试运行：将新增 1 行" in out.getvalue() and not Talent.objects.exists()
    call_command("import", "talents", str(source), stdout=io.StringIO())
    assert Talent.objects.count() == 1
    target = tmp_path / "out.xlsx"
    out = io.StringIO()
    call_command("export", "talents", str(target), "--filter", "tier=D", stdout=out)
    assert "已导出 1 行" in out.getvalue()
    assert _read_back(target)[2][1] == "陈思远"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(sheet(row(employer="")).getvalue())
    with pytest.raises(CommandError, match="发现 1 处错误"):
        call_command("import", "talents", str(bad), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_export_page_gives_a_leader_the_masks_and_the_clerk_the_numbers(
    district: District, login: Any, talent_a: Talent, talent_b: Talent, tmp_path: Path
) -> None:
    for user, phone, names in (
        (district.leader, PHONE_A_MASKED, ["张晓明", "李雨桐"]),
        (district.clerk_a, PHONE_A, ["张晓明"]),
    ):
        response = login(user).get("/excel/talents/export/", {"sort": "name"})
        assert response.status_code == 200
        path = tmp_path / f"{user.username}.xlsx"
        path.write_bytes(response.content)
        rows = _read_back(path)[2:-1]
        assert sorted(line[1] for line in rows) == sorted(names)
        assert rows[[line[1] for line in rows].index("张晓明")][HEADER_KEYS.index("phone")] == phone
