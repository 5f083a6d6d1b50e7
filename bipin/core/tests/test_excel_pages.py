"""The Excel pages every registered kind has (/excel/<kind>/): the import with its preview,
progress and confirmation, the template and the export.

The pages are checked with the projects kind, the first to use them; the template and the
export are checked for every registered kind, so that a kind that registers gets them
tested too. What a projects import finds and writes is tested in projects' own tests.
"""

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any
from urllib.parse import unquote

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from bipin.conftest import District
from bipin.core.excel import ExcelKind, ImportReport, Outcome, Remark, RowPreview, excel_kinds, jobs
from bipin.org.models import User
from bipin.projects.models import Project

PAGES = {
    "import": "/excel/{kind}/import/",
    "import_job": "/excel/{kind}/import/0123abcd/",
    "template": "/excel/{kind}/template/",
    "export": "/excel/{kind}/export/",
}
SIGNED = timezone.localdate() - timedelta(days=10)
#: The kinds with pages (a kind without a model serves the commands only).
KINDS_WITH_PAGES = [key for key, kind in excel_kinds.items() if kind.model is not None]


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def inline_imports(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, settings: Any) -> None:
    """Imports run in the request (the test's transaction), files go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(jobs, "RUN_IN_BACKGROUND", False)


def _register(monkeypatch: pytest.MonkeyPatch, key: str, kind: ExcelKind) -> None:
    """A kind registered for one test only."""
    monkeypatch.setitem(excel_kinds._entries, key, kind)


def _ledger(district: District, **values: Any) -> bytes:
    """The projects template with one row, its cells named by header."""
    row = {
        "项目编号": "XP-001",
        "项目名称": "页面导入项目",
        "投资方": "页面导入投资方",
        "所属行业": "39",
        "总投资（万元）": 20000,
        "责任单位": district.town_a.code,
        "当前进度": "签约",
        "签约日期": SIGNED,
        **values,
    }
    workbook = load_workbook(BytesIO(excel_kinds.get("projects").template()))
    sheet = workbook.worksheets[0]
    header = next(sheet.iter_rows(min_row=1, max_row=1))
    columns = {str(cell.value).splitlines()[0].strip(" *"): cell.column for cell in header}
    for label, value in row.items():
        sheet.cell(row=2, column=columns[label], value=value)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def _upload(client: Client, content: bytes, kind: str = "projects") -> Any:
    response = client.post(
        f"/excel/{kind}/import/", {"upload": SimpleUploadedFile("台账.xlsx", content)}
    )
    assert response.status_code == 302
    return response


def _superuser(district: District) -> User:
    return User.objects.create_superuser(
        "admin", password="x-admin-9!", name="管理员", unit=district.office
    )


# Which kind, and who ----------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_an_unknown_kind_has_no_pages(district: District, login: Any, page: str) -> None:
    client = login(district.supervisor)
    assert client.get(PAGES[page].format(kind="nonsense")).status_code == 404
    assert client.post("/excel/nonsense/import/0123abcd/confirm/").status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_a_kind_without_a_model_serves_the_commands_only(
    district: District, login: Any, page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(
        monkeypatch, "commands_only", dataclasses.replace(excel_kinds.get("projects"), model=None)
    )
    response = login(district.supervisor).get(PAGES[page].format(kind="commands_only"))
    assert response.status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_login(district: District, page: str) -> None:
    response = Client().get(PAGES[page].format(kind="projects"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("who", ["leader", "viewer", "provider"])
def test_who_may_not_add_may_not_import_nor_take_the_template(
    district: District, login: Any, who: str, inline_imports: None
) -> None:
    client = login(getattr(district, who))
    assert client.get("/excel/projects/import/").status_code == 403
    assert client.get("/excel/projects/template/").status_code == 403
    upload = SimpleUploadedFile("台账.xlsx", _ledger(district))
    assert client.post("/excel/projects/import/", {"upload": upload}).status_code == 403
    assert not jobs.imports_dir().exists()


def test_who_may_not_view_may_not_export(district: District, login: Any) -> None:
    assert login(district.viewer).get("/excel/projects/export/").status_code == 403
    assert login(district.clerk_a).get("/excel/projects/export/").status_code == 200


def test_the_import_page_links_the_template_and_the_list(district: District, login: Any) -> None:
    page = login(district.clerk_a).get("/excel/projects/import/").content.decode()
    assert "导入招商项目" in page
    assert 'href="/excel/projects/template/"' in page
    assert 'href="/projects/"' in page
    assert 'enctype="multipart/form-data"' in page


# Jobs ------------------------------------------------------------------------------------


def test_another_users_job_is_not_found(
    district: District, login: Any, inline_imports: None
) -> None:
    url = _upload(login(district.clerk_a), _ledger(district))["Location"]
    other = login(district.manager_a)  # may import into the same town, but it is not theirs
    assert other.get(url).status_code == 404
    assert other.get(url, HTTP_HX_REQUEST="true").status_code == 404
    assert other.post(f"{url}confirm/").status_code == 404
    assert not Project.objects.exists()
    assert login(district.clerk_a).get(url).status_code == 200


def test_a_job_is_found_under_its_own_kind_only(
    district: District, login: Any, inline_imports: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(monkeypatch, "projects_again", excel_kinds.get("projects"))
    client = login(district.clerk_a)
    url = _upload(client, _ledger(district))["Location"]
    assert url.startswith("/excel/projects/import/")
    elsewhere = url.replace("/excel/projects/", "/excel/projects_again/")
    assert client.get(elsewhere).status_code == 404
    assert client.post(f"{elsewhere}confirm/").status_code == 404


def test_uploads_are_kept_apart_by_kind(
    district: District, login: Any, inline_imports: None
) -> None:
    url = _upload(login(district.clerk_a), _ledger(district))["Location"]
    job = jobs.get_job("projects", url.rstrip("/").rsplit("/", 1)[1], district.clerk_a)
    assert job is not None
    assert (job.kind, job.user_id, job.filename) == ("projects", district.clerk_a.pk, "台账.xlsx")
    assert job.path.startswith(str(jobs.imports_dir("projects") / job.id))


def test_confirming_a_clean_preview_imports_it_once(
    district: District, login: Any, inline_imports: None
) -> None:
    client = login(district.clerk_a)
    url = _upload(client, _ledger(district))["Location"]
    preview = client.get(url)
    assert preview.context["job"].can_commit
    assert "确认导入" in preview.content.decode()
    assert not Project.objects.exists()
    done = client.post(f"{url}confirm/")
    assert done.status_code == 302
    assert done["Location"] != url
    result = client.get(done["Location"])
    assert not result.context["job"].dry_run
    assert "导入完成。" in result.content.decode()
    assert list(Project.objects.values_list("code", flat=True)) == ["XP-001"]
    # Neither the preview nor the import can be confirmed again.
    assert client.post(f"{url}confirm/").status_code == 302
    assert client.post(f"{done['Location']}confirm/").status_code == 302
    assert Project.objects.count() == 1


def test_a_preview_with_errors_cannot_be_confirmed(
    district: District, login: Any, inline_imports: None
) -> None:
    client = login(district.clerk_a)
    url = _upload(client, _ledger(district, **{"总投资（万元）": -5}))["Location"]
    preview = client.get(url)
    page = preview.content.decode()
    assert "确认导入" not in page
    assert "F（总投资（万元））" in page
    assert "金额不能为负数（-5）。" in page
    refused = client.post(f"{url}confirm/", follow=True)
    assert "该预览有错误或已导入，不能确认导入。" in refused.content.decode()
    assert not Project.objects.exists()


def test_a_running_preview_cannot_be_confirmed_and_is_polled(
    district: District, login: Any
) -> None:
    job = jobs.ImportJob(
        id="running3",
        kind="projects",
        user_id=district.clerk_a.pk,
        filename="台账.xlsx",
        path="/nonexistent",
        state=jobs.State.RUNNING,
    )
    jobs.save_job(job)
    client = login(district.clerk_a)
    assert client.post("/excel/projects/import/running3/confirm/").status_code == 302
    fragment = client.get("/excel/projects/import/running3/", HTTP_HX_REQUEST="true")
    assert 'hx-get="/excel/projects/import/running3/"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    assert jobs.get_job("projects", "running3", district.clerk_a).dry_run  # type: ignore[union-attr]


def test_confirm_takes_only_a_post(district: District, login: Any, inline_imports: None) -> None:
    client = login(district.clerk_a)
    url = _upload(client, _ledger(district))["Location"]
    assert client.get(f"{url}confirm/").status_code == 405
    assert not Project.objects.exists()


def test_a_failing_import_is_reported_not_raised(
    district: District, login: Any, inline_imports: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: str, **options: Any) -> ImportReport:
        raise RuntimeError("boom")

    broken_kind = dataclasses.replace(excel_kinds.get("projects"), import_file=broken)
    _register(monkeypatch, "broken", broken_kind)
    client = login(district.clerk_a)
    page = client.get(_upload(client, _ledger(district), kind="broken")["Location"])
    assert page.context["job"].state == jobs.State.FAILED
    assert "导入时发生意外错误（RuntimeError），没有写入任何数据。" in page.content.decode()
    assert not Project.objects.exists()


# The preview's cells -----------------------------------------------------------------------


@dataclass(slots=True)
class _Preview(RowPreview):
    name: str = ""
    amount: Decimal | None = None
    signed_on: date | None = None
    foreign: bool = False
    leaders: list[str] = field(default_factory=list)

    @property
    def remarks(self) -> list[Remark]:
        return [Remark("需许可：X01"), Remark("疑似重复：A-1", warning=True)]


def test_the_preview_shows_the_kinds_columns_amounts_in_wan_and_the_remarks() -> None:
    kind = dataclasses.replace(
        excel_kinds.get("projects"),
        preview_columns=(
            ("名称", "name"), ("金额", "amount"), ("签约", "signed_on"), ("外资", "foreign"),
            ("领导", "leaders"), ("没有", "missing"),
        ),
    )  # fmt: skip
    report: ImportReport[_Preview] = ImportReport(dry_run=True)
    report.rows.append(
        _Preview(
            row=3,
            outcome=Outcome.CREATED,
            name="一号",
            amount=Decimal("12000"),
            signed_on=date(2026, 3, 18),
            foreign=True,
            leaders=["李明华", "王建国"],
        )
    )
    summary = jobs.summarize(report, kind)
    assert [column["amount"] for column in summary["columns"]] == [
        False, True, False, False, False, False
    ]  # fmt: skip
    [row] = summary["rows"]
    assert [cell["value"] for cell in row["cells"]] == [
        "一号", Decimal("12000"), date(2026, 3, 18), "是", "李明华、王建国", None
    ]  # fmt: skip
    assert row["remarks"] == [
        {"text": "需许可：X01", "warning": False},
        {"text": "疑似重复：A-1", "warning": True},
    ]
    job = jobs.ImportJob(
        id="shown", kind="projects", user_id=1, filename="a.xlsx", path="", state=jobs.State.DONE
    )
    job.report = summary
    html = render_to_string(
        "core/_excel_import_status.html",
        {"job": job, "kind": kind, "kind_key": "projects", "list_url": "/projects/"},
    )
    table = html[html.index('id="import-rows"') :]
    for shown in (
        "一号",
        "1.2亿元",
        "是",
        "李明华、王建国",
        "需许可：X01",
        "疑似重复：A-1",
        "新增",
    ):
        assert shown in table
    assert "text-warning-emphasis" in table


# Template and export, of every kind ---------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS_WITH_PAGES)
def test_every_kinds_import_page_links_its_template_and_its_list(
    district: District, login: Any, kind: str
) -> None:
    response = login(_superuser(district)).get(f"/excel/{kind}/import/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/excel/{kind}/template/"' in page
    assert f'href="{reverse(excel_kinds.get(kind).list_url_name)}"' in page


@pytest.mark.parametrize("kind", KINDS_WITH_PAGES)
def test_every_kinds_template_downloads_as_a_real_workbook(
    district: District, login: Any, kind: str
) -> None:
    response = login(_superuser(district)).get(f"/excel/{kind}/template/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = unquote(response["Content-Disposition"])
    assert disposition.startswith("attachment")
    assert str(excel_kinds.get(kind).template_name) in disposition
    workbook = CalamineWorkbook.from_filelike(BytesIO(response.content))
    assert workbook.sheet_names
    header = [cell for cell in workbook.get_sheet_by_index(0).to_python()[0] if cell]
    assert header  # the columns the import takes


def test_the_projects_template_names_its_columns(district: District, login: Any) -> None:
    response = login(district.clerk_a).get("/excel/projects/template/")
    assert "招商项目导入模板.xlsx" in unquote(response["Content-Disposition"])
    workbook = CalamineWorkbook.from_filelike(BytesIO(response.content))
    header = workbook.get_sheet_by_name("招商项目").to_python()[0]
    assert any(str(cell).startswith("项目编号") for cell in header)
    assert "说明" in workbook.sheet_names


@pytest.mark.parametrize("kind", KINDS_WITH_PAGES)
def test_every_kind_exports_a_real_workbook(district: District, login: Any, kind: str) -> None:
    response = login(_superuser(district)).get(f"/excel/{kind}/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = CalamineWorkbook.from_filelike(BytesIO(response.content))
    assert workbook.get_sheet_by_index(0).to_python()


def test_an_export_filter_it_cannot_take_is_a_400_that_says_which(
    district: District, login: Any
) -> None:
    response = login(district.supervisor).get("/excel/projects/export/", {"year": "二〇二六"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "无法导出" in page
    assert "year" in page
    assert 'href="/projects/"' in page
