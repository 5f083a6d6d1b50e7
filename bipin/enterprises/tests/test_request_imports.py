"""Excel in and out of service requests: the export reads back (in a library that did not
write it) as the list page's rows and totals, an export imports back changing nothing,
every bad input is refused with its sheet, row, column and rule and nothing written, the
template explains itself, and `bipin import/export requests` do the same from the shell.
"""

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from bipin.conftest import District
from bipin.core.excel import Outcome, excel_kinds
from bipin.enterprises import actions
from bipin.enterprises.choices import Satisfaction, Status
from bipin.enterprises.imports.requests import (
    REQUESTS_EXCEL,
    export_queryset,
    export_requests,
    import_requests,
    request_template,
)
from bipin.enterprises.models import RequestStep, ServiceRequest
from bipin.enterprises.tests.test_request_actions import SUBMITTED, TODAY, Requests
from bipin.org.models import User

HEADER = [
    "诉求编号", "企业名称", "统一社会信用代码", "诉求类别", "诉求内容", "受理渠道", "承办部门",
    "提交日期", "状态", "答复意见", "跑动次数", "办结日期", "关闭日期", "满意度",
]  # fmt: skip
KEYS = [
    "code", "enterprise", "uscc", "category", "description", "intake", "departments",
    "submitted_on", "status", "reply", "visits", "done_on", "closed_on", "satisfaction",
]  # fmt: skip


@pytest.fixture
def requests(district: District) -> Requests:
    return Requests(district)


def row(**changes: Any) -> list[Any]:
    values: dict[str, Any] = {
        "code": "", "enterprise": "锦城精密机械有限公司", "uscc": "", "category": "审批服务",
        "description": "新厂房施工许可", "intake": "上门", "departments": "区发展和改革局",
        "submitted_on": SUBMITTED.isoformat(), "status": "已办结", "reply": "已发证",
        "visits": 1, "done_on": (SUBMITTED + timedelta(days=3)).isoformat(), "closed_on": None,
        "satisfaction": None,
    }  # fmt: skip
    values.update(changes)
    return [values[key] for key in KEYS]


def sheet(*rows: list[Any], header: list[str] = HEADER) -> io.BytesIO:
    """A sheet as an office keeps it: a title row, the header, the rows."""
    book = Workbook()
    worksheet = book.active
    assert worksheet is not None
    worksheet.title = "诉求台账"
    worksheet.append(["2026年企业诉求台账"])
    worksheet.append(header)
    for values in rows:
        worksheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "诉求.xlsx"
    return buffer


def state() -> tuple[int, ...]:
    return (
        ServiceRequest.objects.count(),
        ServiceRequest.history.count(),
        RequestStep.objects.count(),
        ServiceRequest.departments.through.objects.count(),
    )


def errors_of(report: Any) -> list[tuple[int | None, str | None, str]]:
    return [(error.row, error.header, error.message) for error in report.errors]


def every_kind(requests: Requests) -> list[ServiceRequest]:
    """Requests in every status, one assigned to two departments, one reopened."""
    district = requests.district
    made = [requests.submit(on=TODAY)]
    made.append(requests.walk(requests.submit(), Status.ASSIGNED))
    made.append(
        requests.walk(
            requests.submit(requests.enterprise_b),
            Status.IN_PROGRESS,
            departments=[district.office, district.statistics],
        )
    )
    made.append(requests.walk(requests.submit(name="政策兑现"), Status.DONE, visits=0))
    made.append(
        requests.walk(
            requests.submit(description="多行的\n诉求内容"),
            Status.CLOSED,
            visits=3,
            satisfaction=Satisfaction.FAIRLY,
        )
    )
    reopened = requests.walk(requests.submit(requests.enterprise_b), Status.CLOSED)
    actions.do_reopen_request(reopened, actor=district.clerk_b, reason="不满意")
    made.append(reopened)
    return made


def read_back(content: bytes) -> list[list[Any]]:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return workbook.get_sheet_by_name("企业诉求").to_python()


# Export -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "clerk_a", "clerk_office"])
def test_the_export_reads_back_as_the_pages_rows_and_totals(
    district: District, login: Any, requests: Requests, who: str
) -> None:
    every_kind(requests)
    user = getattr(district, who, None) or User.objects.get(username=who)
    client = login(user)
    for params in ({}, {"sort": "deadline", "q": "诉求"}, {"overdue": "true"}):
        page = client.get("/enterprises/requests/", params)
        response = client.get("/excel/requests/export/", params)
        assert response.status_code == 200
        rows = read_back(response.content)
        header = next(index for index, values in enumerate(rows) if "诉求编号" in values)
        code, status = rows[header].index("诉求编号"), rows[header].index("状态")
        *body, totals = rows[header + 1 :]
        shown = list(page.context["page"])
        assert [values[code] for values in body] == [item.code for item in shown], params
        assert [values[status] for values in body] == [
            str(item.get_status_display()) for item in shown
        ]
        counts = page.context["totals"]
        assert totals[code] == "合计"
        assert (
            f"{counts['count']} 件诉求，未办结 {counts['open']} 件，其中超期 {counts['overdue']} 件"
            in totals
        )


def test_dates_and_departments_are_written_as_the_template_reads_them(
    district: District, requests: Requests, tmp_path: Path
) -> None:
    every_kind(requests)
    destination = tmp_path / "requests.xlsx"
    export_requests(ServiceRequest.objects.order_by("code"), destination)
    rows = read_back(destination.read_bytes())
    header = rows[1]
    assert header[: len(HEADER) - 5] == [*HEADER[:8], "办理期限"]
    two = next(values for values in rows if values[header.index("承办部门")].count("、"))
    assert two[header.index("承办部门")] == "区发展和改革局、区统计局"
    assert isinstance(two[header.index("提交日期")], date)


# Round trip ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "clerk_a"])
def test_an_export_imports_back_unchanged(
    district: District, requests: Requests, tmp_path: Path, who: str
) -> None:
    every_kind(requests)
    user = getattr(district, who)
    destination = tmp_path / "requests.xlsx"
    export_requests(export_queryset(user, {}), destination)
    before = state()
    fields = list(ServiceRequest.objects.order_by("code").values())
    report = import_requests(destination, actor=user)
    assert report.errors == []
    assert report.written
    assert {row.outcome for row in report.rows} == {Outcome.UNCHANGED}
    assert len(report.rows) == ServiceRequest.objects.restrict(user).count()
    assert state() == before
    assert list(ServiceRequest.objects.order_by("code").values()) == fields
    assert "“办理期限”列不导入：期限由诉求类别的办理时限算出。" in report.notes


def test_rows_without_a_code_get_the_next_ones_and_rows_upsert_on_the_code(
    district: District, requests: Requests
) -> None:
    existing = requests.walk(requests.submit(), Status.DONE)
    report = import_requests(
        sheet(
            row(),
            row(status="已分派", reply=None, visits=None, done_on=None),
            row(
                code=existing.code,
                status="已关闭",
                closed_on=TODAY.isoformat(),
                satisfaction="满意",
            ),
        ),
        actor=district.clerk_a,
    )
    assert report.errors == []
    year = SUBMITTED.year
    assert [(item.code, item.outcome) for item in report.rows] == [
        (f"SQ{year}-0002", Outcome.CREATED),
        (f"SQ{year}-0003", Outcome.CREATED),
        (existing.code, Outcome.UPDATED),
    ]
    created = ServiceRequest.objects.get(code=f"SQ{year}-0002")
    assert (created.status, created.deadline, created.visits) == (
        Status.DONE,
        SUBMITTED + timedelta(days=7),
        1,
    )
    assert [(step.to_status, step.actor, step.note) for step in created.steps.all()] == [
        (Status.DONE, district.clerk_a, "Excel 导入（状态：已办结）")
    ]
    existing.refresh_from_db()
    assert (existing.status, existing.satisfaction) == (Status.CLOSED, Satisfaction.SATISFIED)
    assert existing.steps.last().from_status == Status.DONE  # type: ignore[union-attr]


def test_the_enterprise_is_found_by_its_code_before_its_name(
    district: District, requests: Requests
) -> None:
    report = import_requests(
        sheet(row(enterprise=None, uscc=requests.enterprise_a.uscc.lower())),
        actor=district.clerk_a,
    )
    assert report.errors == []
    assert ServiceRequest.objects.get().enterprise == requests.enterprise_a
    report = import_requests(sheet(row(uscc=requests.enterprise_b.uscc)), actor=district.supervisor)
    assert errors_of(report) == [
        (
            3,
            "企业名称",
            f"统一社会信用代码 {requests.enterprise_b.uscc} 是“於潜竹木制品有限公司”的，"
            "与企业名称“锦城精密机械有限公司”不符。",
        )
    ]


def test_a_dry_run_previews_and_writes_nothing(district: District, requests: Requests) -> None:
    before = state()
    report = import_requests(
        sheet(row(), row(status="办理中", reply=None, visits=None, done_on=None)),
        actor=district.clerk_a,
        dry_run=True,
    )
    assert report.errors == [] and not report.written
    assert [(item.enterprise, item.status, item.outcome) for item in report.rows] == [
        ("锦城精密机械有限公司", "已办结", Outcome.CREATED),
        ("锦城精密机械有限公司", "办理中", Outcome.CREATED),
    ]
    assert [str(remark.text) for remark in report.rows[1].remarks] == ["已超过办理期限，尚未办结"]
    assert state() == before


# Bad input ----------------------------------------------------------------------------------

FUTURE = (TODAY + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("changes", "header", "message"),
    [
        (
            {"status": "已关闭", "reply": None, "closed_on": TODAY.isoformat(), "satisfaction": "满意"},
            "答复意见",
            "没有答复意见的诉求不能关闭。",
        ),
        (
            {"status": "办理中", "reply": None, "visits": None, "done_on": None, "satisfaction": "满意"},
            "满意度",
            "诉求办结并关闭时才能评价满意度。",
        ),
        ({"satisfaction": "满意"}, "满意度", "诉求办结并关闭时才能评价满意度。"),
        ({"submitted_on": FUTURE, "done_on": None, "status": "提交", "reply": None,
          "visits": None, "departments": None}, "提交日期", "日期不能晚于今天。"),
        ({"done_on": FUTURE}, "办结日期", "日期不能晚于今天。"),
        (
            {"status": "已关闭", "closed_on": FUTURE, "satisfaction": "满意"},
            "关闭日期",
            "日期不能晚于今天。",
        ),
        ({"done_on": (SUBMITTED - timedelta(days=1)).isoformat()}, "办结日期", "办结日期不能早于提交日期。"),
        ({"visits": None}, "跑动次数", "已办结的诉求须填写企业跑动次数（未跑动填 0）。"),
        ({"visits": -2}, "跑动次数", "跑动次数不能为负数（-2）。"),
        ({"done_on": None}, "办结日期", "已办结的诉求须有办结日期。"),
        ({"status": "已分派", "reply": None, "visits": None, "done_on": None,
          "closed_on": TODAY.isoformat()}, "关闭日期", "未关闭的诉求不能有关闭日期。"),
        ({"departments": None}, "承办部门", "“已办结”的诉求须有承办部门。"),
        ({"departments": "於潜镇"}, "承办部门", "“於潜镇”不是部门：应填部门的全称、简称或单位代码。"),
        ({"departments": "区发展和改革局、区环保局"}, "承办部门", "“区环保局”不是部门：应填部门的全称、简称或单位代码。"),
        ({"category": "招商"}, "诉求类别",
         "没有诉求类别“招商”：应为 政策兑现、要素保障、融资服务、人才用工、审批服务、降本减负、其他 之一。"),
        ({"status": "待办"}, "状态",
         "“待办”不是允许的值：应为 提交、已分派、办理中、已办结、已关闭、重新打开 之一。"),
        ({"intake": "传真"}, "受理渠道", "“传真”不是允许的值：应为 上门、电话/12345、线上、座谈会 之一。"),
        ({"submitted_on": "去年春天"}, "提交日期",
         "“去年春天”不是日期：应填如 2026-03-18、2026年3月18日 或 2026.3.18。"),
        ({"enterprise": "锦城精密机械"}, "企业名称",
         "找不到名为“锦城精密机械”的企业（须与系统中的名称完全一致），或它不在您的权限范围内。"),
        ({"enterprise": None}, "企业名称", "请填写企业名称或统一社会信用代码。"),
        ({"description": None}, "诉求内容", "必填，不能为空。"),
    ],
)  # fmt: skip
def test_each_bad_cell_is_refused_naming_its_row_column_and_rule_and_nothing_is_written(
    district: District, requests: Requests, changes: dict[str, Any], header: str, message: str
) -> None:
    before = state()
    report = import_requests(sheet(row(), row(**changes)), actor=district.clerk_a)
    assert errors_of(report) == [(4, header, message)]
    assert str(report.errors[0]).startswith("诉求台账 第 4 行 ")
    assert not report.written and report.rows == []
    assert state() == before
    assert report.summary() == "发现 1 处错误，没有写入任何数据。"


def test_every_error_of_the_file_is_listed(district: District, requests: Requests) -> None:
    report = import_requests(
        sheet(
            row(code="SQ2026-0500"),
            row(code="SQ2026-0500"),
            row(satisfaction="满意", done_on=FUTURE),
            row(uscc=requests.enterprise_b.uscc),
        ),
        actor=district.clerk_a,
    )
    assert errors_of(report) == [
        (4, "诉求编号", "诉求编号“SQ2026-0500”与第 3 行重复。"),
        (5, "办结日期", "日期不能晚于今天。"),
        (5, "满意度", "诉求办结并关闭时才能评价满意度。"),
        (
            6,
            "统一社会信用代码",
            f"找不到统一社会信用代码为 {requests.enterprise_b.uscc} 的企业，或它不在您的权限范围内。",
        ),
    ]
    assert not ServiceRequest.objects.exists()


def test_a_clerk_imports_only_their_towns_requests(district: District, requests: Requests) -> None:
    theirs = requests.walk(requests.submit(requests.enterprise_b), Status.ASSIGNED)
    report = import_requests(
        sheet(
            row(enterprise="於潜竹木制品有限公司"),
            row(code=theirs.code),
        ),
        actor=district.clerk_a,
    )
    assert errors_of(report) == [
        (
            3,
            "企业名称",
            "找不到名为“於潜竹木制品有限公司”的企业（须与系统中的名称完全一致），或它不在您的权限范围内。",
        ),
        (4, "诉求编号", f"诉求“{theirs.code}”不是您所在镇街企业的诉求，不能修改。"),
    ]


@pytest.mark.parametrize("who", ["leader", "viewer", "provider"])
def test_who_takes_no_requests_in_cannot_import(
    district: District, requests: Requests, who: str
) -> None:
    report = import_requests(sheet(row()), actor=getattr(district, who))
    assert [error.message for error in report.errors] == [
        "您的账号不能导入企业诉求（需要镇街的填报员、负责人或督查室的权限）。"
    ]
    assert not ServiceRequest.objects.exists()


def test_a_department_clerk_cannot_import_a_towns_request(
    district: District, requests: Requests
) -> None:
    report = import_requests(sheet(row()), actor=requests.office_clerk)
    assert errors_of(report)[0][1:] == (
        "企业名称",
        "找不到名为“锦城精密机械有限公司”的企业（须与系统中的名称完全一致），或它不在您的权限范围内。",
    )


def test_a_file_that_is_not_a_workbook_or_lacks_the_header_is_refused(
    district: District, requests: Requests
) -> None:
    text = io.BytesIO(b"code,enterprise\n")
    text.name = "诉求.csv"
    report = import_requests(text, actor=district.clerk_a)
    assert "不是 Excel 工作簿" in report.errors[0].message
    report = import_requests(
        sheet(["甲", "乙"], header=["序号", "名称", "备注"]), actor=district.clerk_a
    )
    assert report.errors[0].message.startswith("找不到表头")


# Template and commands ----------------------------------------------------------------------


def test_the_template_explains_each_column_offers_dropdowns_and_imports_nothing(
    district: District, requests: Requests
) -> None:
    content = request_template()
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["企业诉求", "说明", "选项"]
    assert book["选项"].sheet_state == "hidden"
    guide = "\n".join(
        str(cell) for values in book["说明"].iter_rows(values_only=True) for cell in values if cell
    )
    for text in ("诉求编号", "承办部门", "已关闭还须有关闭日期和满意度", "一行也不导入"):
        assert text in guide
    validations = book["企业诉求"].data_validations.dataValidation
    assert len(validations) == 4  # 诉求类别, 受理渠道, 状态, 满意度
    report = import_requests(io.BytesIO(content), actor=district.clerk_a)
    assert report.errors == [] and report.rows == []


def test_the_kind_is_registered_for_the_import_pages_and_commands() -> None:
    kind = excel_kinds.get("requests")
    assert kind is REQUESTS_EXCEL
    assert kind.model is ServiceRequest
    assert kind.list_url_name == "enterprises:requests"
    assert kind.preview_columns[0][1] == "enterprise"
    assert str(kind.template_name) == "企业诉求导入模板.xlsx"


def test_the_commands_export_and_import_back_unchanged(
    district: District, requests: Requests, tmp_path: Path
) -> None:
    every_kind(requests)
    destination = tmp_path / "requests.xlsx"
    out = io.StringIO()
    call_command(
        "export", "requests", str(destination), "--user", "clerk_a", "--filter", "status=closed",
        stdout=out,
    )  # fmt: skip
    assert "已导出 1 行" in out.getvalue()
    before = state()
    out = io.StringIO()
    call_command("import", "requests", str(destination), "--user", "clerk_a", stdout=out)
    assert "新增 0 行，更新 0 行，1 行未变" in out.getvalue()
    assert state() == before
    call_command(
        "export", "requests", str(destination), "--unit", district.statistics.code, stdout=out
    )
    rows = read_back(destination.read_bytes())
    assert sum(1 for values in rows if str(values[0]).startswith("SQ")) == 1


def test_the_import_command_fails_with_every_error_and_writes_nothing(
    district: District, requests: Requests, tmp_path: Path
) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(sheet(row(), row(done_on=FUTURE)).getvalue())
    err = io.StringIO()
    with pytest.raises(CommandError, match="发现 1 处错误"):
        call_command("import", "requests", str(path), "--user", "clerk_a", stderr=err)
    assert "第 4 行 L 列（办结日期）：日期不能晚于今天。" in err.getvalue()
    assert not ServiceRequest.objects.exists()
