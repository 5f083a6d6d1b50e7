"""Excel in and out of projects: the office's ledger imports into the demo, every bad input
is named by its cell with nothing written, re-importing changes nothing, an export reads
back the same in another library and imports back unchanged, and a clerk stays in their
town."""

import importlib
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from bipin.core.demo import load_demo
from bipin.core.excel import Outcome
from bipin.org.models import Link
from bipin.projects.choices import Channel, InvestorKind, NegativeKind, Stage
from bipin.projects.imports import (
    NEGATIVE_LIST_DEMO,
    export_projects,
    export_queryset,
    import_projects,
    is_foreign_origin,
    load_negative_list_file,
    project_columns,
    project_template,
)
from bipin.projects.imports import ledger as ledger_importer
from bipin.projects.models import LeadingIndustry, NegativeListItem, Project

SAMPLE = Path(settings.BASE_DIR).parent / "shared" / "samples" / "招商引资签约项目台账_2026.xlsx"
LEADING = ["数字经济", "生物医药", "高端装备", "新材料", "文旅康养", "现代服务业"]
USCC = "91330185MA2KC0AX1L"  # valid: the sample's own
HEADER = [
    "项目编号", "项目名称", "投资方", "投资方来源地", "总投资（万元）", "所属行业", "主导产业",
    "招商方式", "当前进度", "签约日期", "责任单位", "挂联区领导", "统一社会信用代码",
]  # fmt: skip
KEYS = [
    "code", "name", "investor", "origin", "amount", "industry", "leading", "channel", "stage",
    "signed", "unit", "leaders", "uscc",
]  # fmt: skip


def row(**changes: Any) -> list[Any]:
    values = {
        "code": "", "name": "智能传感器芯片项目", "investor": "杭州微芯智造科技有限公司",
        "origin": "上海市", "amount": 12000, "industry": "39", "leading": "数字经济",
        "channel": "驻点招商", "stage": "签约", "signed": "2026-03-18", "unit": "锦城街道",
        "leaders": "", "uscc": "",
    }  # fmt: skip
    values.update(changes)
    return [values[key] for key in KEYS]


def ledger(
    *rows: list[Any], header: list[str] = HEADER, merges: tuple[str, ...] = ()
) -> io.BytesIO:
    """A ledger as the office keeps it: a merged title row, the header in row 2, rows from
    row 3, a 合计 row with a formula."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "签约项目"
    sheet.append(["2026年招商引资签约项目台账"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    sheet.append(["合计", None, None, None, f"=SUM(E3:E{len(rows) + 2})"])
    for merge in merges:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "台账.xlsx"
    return buffer


@pytest.fixture
def town(district):
    """The test district with the leading industries and the demo negative list."""
    for order, name in enumerate(LEADING):
        LeadingIndustry.objects.create(name=name, order=order)
    load_negative_list_file(NEGATIVE_LIST_DEMO, actor=district.supervisor)
    return district


def history_count() -> int:
    return Project.history.count()


# The office's sample ledger, into the Lin'an demo --------------------------------------------


def load_lin_an() -> None:
    load_demo(scale="district", seed=2019, out=io.StringIO())
    for order, name in enumerate(LEADING):
        LeadingIndustry.objects.get_or_create(name=name, defaults={"order": order})
    if not NegativeListItem.objects.exists():
        load_negative_list_file(NEGATIVE_LIST_DEMO, actor=None)


@pytest.mark.django_db
def test_the_sample_ledger_previews_imports_and_imports_again_unchanged():
    load_lin_an()
    from bipin.org.models import User

    supervisor = User.objects.filter(role="supervisor").order_by("pk").first()
    count, versions, links = Project.objects.count(), history_count(), Link.objects.count()

    preview = import_projects(SAMPLE, actor=supervisor, dry_run=True)
    assert preview.errors == []
    assert [row.row for row in preview.rows] == [3, 4, 5, 6, 7, 8]  # 序号 ignored, 合计 skipped
    assert preview.sheet == "签约项目" and not preview.written
    assert (Project.objects.count(), history_count(), Link.objects.count()) == (
        count,
        versions,
        links,
    )

    report = import_projects(SAMPLE, actor=supervisor)
    assert report.errors == [] and report.written
    by_name = {
        project.name: project
        for project in Project.objects.filter(pk__in=[r.project_id for r in report.rows])
    }
    mems = by_name["年产5000万片MEMS传感器芯片项目"]
    assert mems.contracted_investment == Decimal(120000)  # full-width digits, pasted from a PDF
    assert (mems.industry.code, mems.stage, mems.signed_on) == (
        "39",
        Stage.STARTED,
        date(2026, 3, 18),
    )
    assert (mems.responsible_unit.name, mems.platform and mems.platform.name) == (
        "青山湖街道",
        "微纳智造小镇",
    )
    assert (mems.uscc, mems.leading_industry and mems.leading_industry.name) == (USCC, "数字经济")
    assert (mems.channel, mems.investor_kind) == (Channel.STATIONED, InvestorKind.DOMESTIC)
    assert [
        str(link.leader)
        for link in Link.objects.filter(object_id=mems.pk, content_type__model="project")
    ] == ["李明华"]
    assert mems.counting_year == 2026 and mems.milestones.count() == 5
    assert "天目山康养度假综合体" in by_name  # the stray spaces are gone
    cdmo = by_name["生物医药CDMO研发生产基地"]
    assert (cdmo.industry.code, cdmo.foreign_capital, cdmo.stage) == (
        "27",
        Decimal(3000),
        Stage.LAND,
    )
    assert cdmo.note == "CDMO即合同研发生产组织"
    german = by_name["智能网联汽车电子研发中心"]
    assert german.investor_kind == InvestorKind.FOREIGN  # 德国: derived, the sheet has no 内外资
    assert (german.industry.code, german.foreign_capital) == ("73", Decimal(6000))
    by_row = {preview_row.row: preview_row for preview_row in report.rows}
    assert by_row[4].licences == ["X01 从事药品生产须取得药品生产许可证"]
    assert by_row[7].licences == ["X02 从事危险化学品生产须取得危险化学品安全生产许可证"]
    assert by_row[3].unit == "青山湖街道" and by_row[3].stage == "开工"
    assert by_row[3].amount == Decimal(120000)

    versions, links = history_count(), Link.objects.count()
    again = import_projects(SAMPLE, actor=supervisor)
    assert again.errors == []
    assert [r.outcome for r in again.rows] == [Outcome.UNCHANGED] * 6
    assert {r.code for r in again.rows} == {r.code for r in report.rows}
    assert (history_count(), Link.objects.count()) == (versions, links)
    assert again.summary() == "已导入：新增 0 行，更新 0 行，6 行未变。"


@pytest.mark.django_db
def test_the_demo_exported_reads_back_in_another_library_and_imports_back_unchanged(tmp_path):
    load_lin_an()
    from bipin.org.models import User

    supervisor = User.objects.filter(role="supervisor").order_by("pk").first()
    projects = Project.objects.restrict(supervisor).order_by("code")
    path = tmp_path / "projects.xlsx"
    export_projects(projects, path)

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("招商项目").to_python()
    header = rows[1]
    assert header == [column.label for column in project_columns()]
    data, totals = rows[2:-1], rows[-1]
    column = {name: header.index(name) for name in header}
    assert [line[column["项目编号"]] for line in data] == list(
        projects.values_list("code", flat=True)
    )
    for line, project in zip(data, projects, strict=True):
        assert Decimal(str(line[column["总投资（万元）"]])) == project.contracted_investment
    expected = projects.totals()
    assert totals[0] == "合计"
    assert str(totals[column["项目名称"]]).startswith(f"{expected['count']} 个项目")
    assert Decimal(str(totals[column["总投资（万元）"]])) == expected["contracted_investment"]
    assert Decimal(str(totals[column["其中：外资（万美元）"]])) == expected["foreign_capital"]

    links = Link.objects.count()
    report = import_projects(path, actor=supervisor)
    assert report.errors == []
    assert len(report.rows) == projects.count()
    # The demo's export imports back unchanged, row for row.
    assert {r.outcome for r in report.rows} == {Outcome.UNCHANGED}
    assert Link.objects.count() == links
    versions = history_count()
    again = import_projects(path, actor=supervisor)
    assert {r.outcome for r in again.rows} == {Outcome.UNCHANGED}
    assert history_count() == versions


# Bad input: each named by its cell, nothing written ------------------------------------------

BAD_INPUTS = [
    (
        {"uscc": "91330185MA2KC0AX1X"},
        "M",
        "统一社会信用代码第 18 位校验码错误：应为“L”，实际为“X”。",
    ),
    ({"uscc": "91330185MA2KC0AXIL"}, "M", "统一社会信用代码第 17 位“I”不是允许的字符"),
    ({"unit": "城东镇"}, "K", "未知单位“城东镇”：应填单位全称、简称或代码"),
    ({"industry": "元宇宙产业"}, "F", "未知行业“元宇宙产业”：应填 GB/T 4754-2017 大类代码"),
    ({"industry": "制造业"}, "F", "“制造业”是门类（C 制造业），请填写其下的大类"),
    ({"amount": -100}, "E", "金额不能为负数（-100）。"),
    ({"amount": "约一亿"}, "E", "“约一亿”不是金额：应填数字"),
    ({"stage": "开工", "signed": None}, "J", "“开工”阶段的项目须有签约日期。"),
    ({"signed": "2099-01-01"}, "J", "日期不能晚于今天。"),
    ({"signed": "2026年13月1日"}, "J", "日期“2026年13月1日”不存在。"),
    (
        {"industry": "31"},
        "F",
        "禁止准入事项（J01）：禁止新建、扩建钢铁冶炼产能项目（产能置换项目除外）",
    ),
    ({"industry": "采矿业"}, "F", "是门类"),
    ({"leaders": "张三"}, "L", "未知区领导“张三”：应为 李明华 之一。"),
    ({"channel": "网络招商"}, "H", "“网络招商”不是允许的值：应为 上门招商、驻点招商"),
    ({"leading": "元宇宙"}, "G", "未知主导产业“元宇宙”：应为 数字经济、生物医药"),
    ({"amount": "=1000*12"}, "E", "单元格是公式“=1000*12”，这里需要数值"),
    ({"name": "  "}, "B", "必填，不能为空。"),
]


@pytest.mark.parametrize(("changes", "column", "message"), BAD_INPUTS)
def test_a_bad_cell_is_named_with_what_is_allowed_and_nothing_is_written(
    town, changes, column, message
):
    report = import_projects(
        ledger(row(code="ZS2026-0100", name="好项目"), row(**changes)), actor=town.supervisor
    )
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("签约项目", 4, column)]
    assert message in report.errors[0].message
    assert report.errors[0].header == HEADER[ord(column) - ord("A")]
    assert not report.written and report.rows == []
    assert Project.objects.count() == 0 and history_count() == 0


def test_every_error_of_the_file_is_listed_not_only_the_first(town):
    report = import_projects(
        ledger(
            row(unit="城东镇"),
            row(code="A-1", name="第二个"),
            row(code="A-1", name="第三个", amount=-1, industry="无此行业"),
            row(code="A-2", name="第四个", stage="投产", signed=None),
        ),
        actor=town.supervisor,
    )
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "K"), (5, "A"), (5, "E"), (5, "F"), (6, "J"),
    ]  # fmt: skip
    assert "与第 4 行重复" in report.errors[1].message
    assert report.summary() == "发现 5 处错误，没有写入任何数据。"
    assert Project.objects.count() == 0


def test_a_duplicate_code_within_the_file_is_refused(town):
    report = import_projects(
        ledger(row(code="ZS2026-0001"), row(code="zs2026-0001", name="另一个项目")),
        actor=town.supervisor,
    )
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (4, "A", "项目编号“zs2026-0001”与第 3 行重复。")
    ]
    assert Project.objects.count() == 0


def test_a_merged_cell_where_each_row_needs_a_value_is_refused(town):
    source = ledger(row(code="A-1"), row(code="A-2", name="另一个", unit=None), merges=("K3:K4",))
    report = import_projects(source, actor=town.supervisor)
    assert [(e.row, e.column) for e in report.errors] == [(4, "K")]
    assert "合并单元格 K3:K4" in report.errors[0].message
    assert Project.objects.count() == 0


def test_a_terminated_project_needs_its_reason(town):
    report = import_projects(ledger(row(stage="终止"), header=HEADER), actor=town.supervisor)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, "I", "终止的项目须填写“终止原因”。")
    ]


def test_a_terminated_project_keeps_its_reason_and_exports_back_unchanged(town, tmp_path):
    header = [*HEADER, "终止日期", "终止原因"]
    source = ledger(
        [*row(code="T-1", stage="终止"), "2026-05-06", "投资方资金链断裂"], header=header
    )
    assert import_projects(source, actor=town.supervisor).errors == []
    project = Project.objects.get(code="T-1")
    assert (project.stage, project.terminated_on) == (Stage.TERMINATED, date(2026, 5, 6))
    assert project.termination_reason == "投资方资金链断裂"
    assert project.signed_on == date(2026, 3, 18)  # what it reached before
    path = tmp_path / "导出.xlsx"
    export_projects(Project.objects.all(), path)
    report = import_projects(path, actor=town.supervisor)
    assert [(r.code, r.outcome) for r in report.rows] == [("T-1", Outcome.UNCHANGED)]


def test_a_file_that_is_not_xlsx_or_is_too_large_is_refused(town, settings):
    upload = io.BytesIO("项目名称,投资方\n".encode())
    upload.name = "台账.csv"
    report = import_projects(upload, actor=town.supervisor)
    assert [e.message for e in report.errors] == [
        "“台账.csv”不是 Excel 工作簿：只能导入 .xlsx 文件。"
    ]
    old = io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    assert "旧版 .xls" in import_projects(old, actor=town.supervisor).errors[0].message
    settings.BIPIN_UPLOAD_MAX_MB = 1
    big = io.BytesIO(b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024))
    report = import_projects(big, actor=town.supervisor)
    assert report.errors[0].message == "文件 2.0 MB，超过上限 1 MB；请拆分后分批导入。"


def test_a_sheet_without_the_ledgers_header_says_which_columns_it_needs(town):
    source = ledger(["x"], header=["序号", "名称"])
    report = import_projects(source, actor=town.supervisor)
    assert report.errors[0].message.startswith(
        "找不到表头：表头行应含有 项目名称、投资方、总投资（万元）"
    )


# Upserts, codes, links, previews -------------------------------------------------------------


def test_rows_upsert_on_the_code_and_the_same_file_changes_nothing(town):
    first = import_projects(ledger(row(code="ZS2026-0007")), actor=town.supervisor)
    assert [r.outcome for r in first.rows] == [Outcome.CREATED]
    project = Project.objects.get(code="ZS2026-0007")
    assert (project.responsible_unit, project.counting_unit) == (town.town_a, town.town_a)
    versions = history_count()
    again = import_projects(ledger(row(code="ZS2026-0007")), actor=town.supervisor)
    assert [r.outcome for r in again.rows] == [Outcome.UNCHANGED]
    assert history_count() == versions
    changed = import_projects(
        ledger(row(code="ZS2026-0007", amount="13,000")), actor=town.supervisor
    )
    assert [r.outcome for r in changed.rows] == [Outcome.UPDATED]
    project.refresh_from_db()
    assert project.contracted_investment == Decimal(13000)
    assert project.history.first().history_change_reason == "Excel 导入：台账.xlsx"


def test_rows_without_a_code_get_the_next_free_one_or_match_their_project(town):
    source = ledger(
        row(code="ZS2026-0001"), row(name="新项目甲"), row(name="新项目乙", signed="2025-12-30")
    )
    report = import_projects(source, actor=town.supervisor)
    assert [r.code for r in report.rows] == ["ZS2026-0001", "ZS2026-0002", "ZS2025-0001"]
    # Without codes, the same investor and name are the same project: nothing new.
    again = import_projects(
        ledger(row(name="新项目甲"), row(name="新项目乙", signed="2025-12-30")),
        actor=town.supervisor,
    )
    assert [(r.code, r.outcome) for r in again.rows] == [
        ("ZS2026-0002", Outcome.UNCHANGED), ("ZS2025-0001", Outcome.UNCHANGED),
    ]  # fmt: skip
    assert Project.objects.count() == 3


def test_a_leader_named_is_linked_once(town):
    import_projects(ledger(row(code="A-1", leaders="李明华")), actor=town.supervisor)
    project = Project.objects.get(code="A-1")
    links = Link.objects.filter(content_type__model="project", object_id=project.pk)
    assert [(link.leader, link.unit, link.started_on) for link in links] == [
        (town.leader, town.town_a, date(2026, 3, 18))
    ]
    report = import_projects(ledger(row(code="A-1", leaders="李明华")), actor=town.supervisor)
    assert [r.outcome for r in report.rows] == [Outcome.UNCHANGED]
    assert links.count() == 1


def test_the_preview_shows_licences_and_possible_duplicates(town):
    import_projects(ledger(row(code="A-1", unit="於潜镇", uscc=USCC)), actor=town.supervisor)
    report = import_projects(
        ledger(
            row(
                code="B-1",
                name="药品生产基地",
                investor="浙江天目生物医药有限公司",
                industry="医药制造业",
                uscc=USCC,
            )
        ),
        actor=town.supervisor,
        dry_run=True,
    )
    [preview] = report.rows
    assert preview.licences == ["X01 从事药品生产须取得药品生产许可证"]
    assert preview.duplicates == ["A-1 智能传感器芯片项目（统一社会信用代码相同）"]
    assert (preview.outcome, preview.stage, preview.unit) == (Outcome.CREATED, "签约", "锦城街道")
    assert not Project.objects.filter(code="B-1").exists()  # a dry run writes nothing


def test_the_origin_decides_foreign_capital_where_the_sheet_does_not(town):
    header = [*HEADER, "内外资"]
    report = import_projects(
        ledger(
            [*row(code="A-1", origin="德国"), None],
            [*row(code="A-2", name="二", origin="中国香港"), None],
            [*row(code="A-3", name="三", origin="江苏省苏州市"), None],
            [*row(code="A-4", name="四", origin="新加坡"), "内资"],
            header=header,
        ),
        actor=town.supervisor,
    )
    assert report.errors == []
    kinds = dict(Project.objects.values_list("code", "investor_kind"))
    assert kinds == {
        "A-1": InvestorKind.FOREIGN, "A-2": InvestorKind.FOREIGN,
        "A-3": InvestorKind.DOMESTIC, "A-4": InvestorKind.DOMESTIC,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("origin", "foreign"),
    [("德国", True), ("美国加州", True), ("Germany", True), ("日本东京", True), ("台湾", True),
     ("上海市", False), ("杭州", False), ("浙江省宁波市", False), ("中国", False), ("", False)],
)  # fmt: skip
def test_foreign_origins(origin, foreign):
    assert is_foreign_origin(origin) is foreign


def test_progress_is_reported_with_its_total(town, monkeypatch):
    monkeypatch.setattr(ledger_importer, "PROGRESS_EVERY", 2)
    calls: list[tuple[int, int]] = []
    import_projects(
        ledger(*[row(code=f"A-{n}", name=f"项目{n}") for n in range(5)]),
        actor=town.supervisor,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(2, 5), (4, 5), (5, 5)]


# Scope -------------------------------------------------------------------------------------------


def test_a_clerk_cannot_import_into_another_town(town):
    report = import_projects(ledger(row(unit="於潜镇")), actor=town.clerk_a)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, "K", "您只能导入本单位及下属单位的项目：“於潜镇”不在您的范围内。")
    ]
    assert Project.objects.count() == 0
    assert import_projects(ledger(row(unit="锦城")), actor=town.clerk_a).errors == []
    assert Project.objects.get().responsible_unit == town.town_a


def test_a_clerk_cannot_change_another_towns_project_by_its_code(town):
    import_projects(ledger(row(code="YQ-1", unit="於潜镇")), actor=town.supervisor)
    report = import_projects(
        ledger(row(code="YQ-1", unit="锦城街道", amount=1)), actor=town.clerk_a
    )
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, "A", "项目“YQ-1”不属于您管辖的单位，不能修改。")
    ]
    assert Project.objects.get().contracted_investment == Decimal(12000)


def test_a_leader_or_a_viewer_cannot_import(town):
    for user in (town.leader, town.viewer):
        report = import_projects(ledger(row()), actor=user)
        assert report.errors[0].message.startswith("您的账号不能导入项目")
    assert Project.objects.count() == 0


def test_a_clerk_exports_only_their_towns_projects(town, tmp_path):
    import_projects(
        ledger(row(code="JC-1"), row(code="YQ-1", name="於潜项目", unit="於潜镇")),
        actor=town.supervisor,
    )
    assert [p.code for p in export_queryset(town.clerk_a, {})] == ["JC-1"]
    assert {p.code for p in export_queryset(town.supervisor, {})} == {"JC-1", "YQ-1"}
    assert [p.code for p in export_queryset(town.supervisor, {"unit": "330112102"})] == ["YQ-1"]
    with pytest.raises(ValueError, match="找不到单位代码“330112102”"):
        export_queryset(town.clerk_a, {"unit": "330112102"})


# The template ---------------------------------------------------------------------------------


def test_the_template_has_instructions_dropdowns_and_imports_nothing(town):
    content = project_template()
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["招商项目", "说明", "选项"]
    sheet = book["招商项目"]
    assert [cell.value for cell in sheet[1]] == [column.label for column in project_columns()]
    assert sheet.max_row == 1 and sheet.freeze_panes == "A2"
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    options = book["选项"]
    assert options.sheet_state == "hidden"
    stage_letter = next(cell.column_letter for cell in sheet[1] if cell.value == "当前进度")
    options_letter = next(cell.column_letter for cell in options[1] if cell.value == "当前进度")
    assert lists[f"{stage_letter}2"] == f"'选项'!${options_letter}$2:${options_letter}$10"
    values = [cell.value for cell in options[options_letter] if cell.value is not None]
    assert values == ["当前进度", *map(str, Stage.labels)]
    names = [row[0].value for row in book["说明"].iter_rows(min_row=7)]
    assert "责任单位" in names and "统一社会信用代码" in names
    upload = io.BytesIO(content)
    upload.name = "模板.xlsx"
    report = import_projects(upload, actor=town.supervisor)
    assert (report.errors, report.rows) == ([], [])
    assert Project.objects.count() == 0


# Commands --------------------------------------------------------------------------------------


def test_the_import_command_prints_progress_and_the_summary(town, tmp_path, monkeypatch):
    command = importlib.import_module("bipin.core.management.commands.import")
    monkeypatch.setattr(command, "PROGRESS_LINES_EVERY", 2)
    monkeypatch.setattr(ledger_importer, "PROGRESS_EVERY", 1)
    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger(*[row(code=f"A-{n}", name=f"项目{n}") for n in range(3)]).getvalue())
    out = io.StringIO()
    call_command("import", "projects", str(path), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"正在导入 {path}（招商项目，操作人 supervisor）…"
    assert lines[1:3] == ["已处理 2/3 行", "已处理 3/3 行"]
    assert lines[-1] == "已导入：新增 3 行，更新 0 行，0 行未变。"
    out = io.StringIO()
    call_command("import", "projects", str(path), "--dry-run", stdout=out)
    assert out.getvalue().splitlines()[-1] == "试运行：将新增 0 行，更新 0 行，3 行未变；没有写入。"


def test_the_import_command_prints_every_error_and_fails_having_written_nothing(town, tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger(row(unit="於潜镇"), row(code="B", name="乙", industry="99")).getvalue())
    err = io.StringIO()
    with pytest.raises(CommandError, match="发现 2 处错误，没有写入任何数据。"):
        call_command(
            "import", "projects", str(path), "--user", "clerk_a", stdout=io.StringIO(), stderr=err
        )
    assert err.getvalue().splitlines() == [
        "签约项目 第 3 行 K 列（责任单位）：您只能导入本单位及下属单位的项目：“於潜镇”不在您的范围内。",
        "签约项目 第 4 行 F 列（所属行业）：未知行业“99”：应填 GB/T 4754-2017 大类代码（两位数字，如 39）或大类名称（如 计算机、通信和其他电子设备制造业）。",
    ]
    assert Project.objects.count() == 0
    with pytest.raises(CommandError, match="unknown Excel kind 'talent'"):
        call_command("import", "talent", str(path))
    with pytest.raises(CommandError, match="没有用户名为“nobody”的有效账号"):
        call_command("import", "projects", str(path), "--user", "nobody")


def test_the_export_command_writes_the_users_filtered_list_or_the_template(town, tmp_path):
    import_projects(
        ledger(
            row(code="JC-1"), row(code="YQ-1", name="於潜项目", unit="於潜镇", signed="2025-05-01")
        ),
        actor=town.supervisor,
    )
    path = tmp_path / "导出.xlsx"
    out = io.StringIO()
    call_command("export", "projects", str(path), "--year", "2026", stdout=out)
    assert out.getvalue().strip() == f"已导出 1 行到 {path}"
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("招商项目").to_python()
    assert [line[0] for line in rows[2:]] == ["JC-1", "合计"]
    call_command("export", "projects", str(path), "--user", "clerk_b", stdout=out)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("招商项目").to_python()
    assert [line[0] for line in rows[2:]] == ["YQ-1", "合计"]
    call_command(
        "export",
        "projects",
        str(path),
        "--filter",
        "stage=signed",
        "--unit",
        "330112001",
        stdout=out,
    )
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("招商项目").to_python()
    assert [line[0] for line in rows[2:]] == ["JC-1", "合计"]
    with pytest.raises(CommandError, match="stage"):
        call_command("export", "projects", str(path), "--filter", "stage=flying")
    call_command("export", "projects", str(path), "--template", stdout=out)
    assert load_workbook(path).sheetnames == ["招商项目", "说明", "选项"]


# The negative list --------------------------------------------------------------------------


def test_the_negative_list_command_loads_the_demo_list_and_again_updates_it(district):
    out = io.StringIO()
    call_command("load_negative_list", stdout=out)
    assert out.getvalue().strip() == "负面清单已导入：新增 8 项，更新 0 项。"
    steel = NegativeListItem.objects.get(code="J01")
    assert steel.kind == NegativeKind.PROHIBITED
    assert list(steel.industries.values_list("code", flat=True)) == ["31"]
    mining = NegativeListItem.objects.get(code="J02")
    assert list(mining.industries.values_list("code", flat=True)) == ["B"]  # a section
    food = NegativeListItem.objects.get(code="X04")
    assert sorted(food.industries.values_list("code", flat=True)) == ["14", "15"]
    call_command("load_negative_list", str(NEGATIVE_LIST_DEMO), stdout=out)
    assert out.getvalue().strip().endswith("新增 0 项，更新 8 项。")
    assert load_negative_list_file(NEGATIVE_LIST_DEMO, actor=district.supervisor) == (0, 8)


def test_a_bad_negative_list_is_refused_whole_with_every_error(district, tmp_path):
    path = tmp_path / "清单.csv"
    path.write_text(
        "事项编号,事项内容,类别,涉及行业代码\n"
        "J01,禁止新建钢铁冶炼,禁止准入,31\n"
        "J02,某事项,可以,25\n"
        "J01,重复编号,许可,26\n"
        "J03,未知行业,禁止,99、B\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="发现 3 处错误"):
        call_command("load_negative_list", str(path), stderr=err)
    assert err.getvalue().splitlines() == [
        "清单 第 3 行 C 列（类别）：“可以”不是允许的值：应为 禁止准入、许可准入 之一。",
        "清单 第 4 行 A 列（事项编号）：事项编号与第 2 行重复。",
        "清单 第 5 行 D 列（涉及行业代码）：未知行业代码“99”：应为门类字母（如 B）或两位大类代码（如 31）。",
    ]
    assert NegativeListItem.objects.count() == 0


def test_the_negative_list_reads_from_xlsx_too(district, tmp_path):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["事项编号", "事项内容", "类别", "涉及行业代码"])
    sheet.append(["X09", "从事烟草制品生产须取得烟草专卖生产企业许可证", "许可", "16"])
    path = tmp_path / "清单.xlsx"
    book.save(path)
    assert load_negative_list_file(path, actor=district.supervisor) == (1, 0)
    assert NegativeListItem.objects.get().kind == NegativeKind.LICENSED


def test_another_towns_row_is_named_beside_the_rows_that_cannot_be_read(town):
    report = import_projects(
        ledger(row(code="JC-1", amount="很多"), row(code="YQ-2", unit="於潜镇")),
        actor=town.clerk_a,
    )
    assert {error.row for error in report.errors} == {3, 4}
    assert any(error.row == 4 and "不在您的范围内" in error.message for error in report.errors)
    assert not report.written


@pytest.mark.django_db
def test_an_export_made_in_english_imports_unchanged_in_a_chinese_session(tmp_path):
    from django.utils import translation

    from bipin.org.models import User

    load_lin_an()
    supervisor = User.objects.filter(role="supervisor").order_by("pk").first()
    projects = Project.objects.restrict(supervisor).order_by("code")
    path = tmp_path / "projects-en.xlsx"
    with translation.override("en"):
        export_projects(projects, path)
        english = [column.label for column in project_columns()]
    header = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[1]
    assert header == english
    assert header[0] == "Project code"
    with translation.override("zh-hans"):
        report = import_projects(path, actor=supervisor)
    assert report.errors == []
    assert {row.outcome for row in report.rows} == {Outcome.UNCHANGED}
