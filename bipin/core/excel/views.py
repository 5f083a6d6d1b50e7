"""The Excel pages of every registered kind (`excel_kinds`): the import with its preview,
progress and confirmation, the blank template, and the export of a list as it is filtered.

A kind has pages once it names its `model` (whose scoping says who may import, ADD, and
export, VIEW) and its `list_url_name`; a kind without a model is for the commands only, and
its pages are not found, like an unknown kind's.
"""

from collections.abc import Callable
from functools import wraps
from io import BytesIO
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from bipin.core.choices import Action
from bipin.core.excel import ExcelKind, excel_kinds, jobs
from bipin.core.excel.forms import XLSX, ImportForm
from bipin.core.views import AuthedRequest, require_action


class ExcelRequest(AuthedRequest):
    """A signed-in user's request, which may come from htmx (the progress polls)."""

    htmx: HtmxDetails


def _kind_or_404(key: str) -> ExcelKind:
    if key not in excel_kinds or excel_kinds.get(key).model is None:
        raise Http404
    return excel_kinds.get(key)


def _allowed_kind(request: AuthedRequest, key: str, action: str) -> ExcelKind:
    """The kind, if the user may `action` its records at all (ADD to import, VIEW to
    export): 404 for an unknown kind, 403 for a user who may not."""
    kind = _kind_or_404(key)
    require_action(kind.model._default_manager.all(), request.user, action)
    return kind


def _page_context(key: str, kind: ExcelKind, **context: Any) -> dict[str, Any]:
    return {
        "kind_key": key,
        "kind": kind,
        "list_url": reverse(kind.list_url_name) if kind.list_url_name else "",
        **context,
    }


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


# Import ------------------------------------------------------------------------------------


class _UnsavedSession:
    """The request's session, read as usual but not written back with the response."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def save(self, must_create: bool = False) -> None:
        pass


def _no_session_write(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The import's pages write nothing to the database themselves.

    Sessions are saved on every request (SESSION_SAVE_EVERY_REQUEST, for the idle
    timeout). On SQLite that write waits for the import's transaction, which holds the
    database's write lock until the import ends, so the progress polls would fail with
    "database is locked" for as long as the import runs. A poll is not the user's
    activity either: it should not keep a session alive.
    """

    @wraps(view)
    def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.session = _UnsavedSession(request.session)  # type: ignore[assignment]
        return view(request, *args, **kwargs)

    return wrapped


@login_required
@_no_session_write
def import_start(request: AuthedRequest, kind: str) -> HttpResponse:
    """Upload a file: it is checked row by row as a dry run, and shown before it is saved."""
    excel_kind = _allowed_kind(request, kind, Action.ADD)
    form = ImportForm(
        request.POST or None, request.FILES or None, reason_help=excel_kind.reason_help
    )
    if request.method == "POST" and form.is_valid():
        job = jobs.store_upload(
            form.cleaned_data["upload"],
            kind=kind,
            user=request.user,
            reason=form.cleaned_data.get("reason", ""),
        )
        jobs.start(job, actor=request.user)
        return redirect("excel:import_job", kind=kind, job_id=job.id)
    return render(request, "core/excel_import.html", _page_context(kind, excel_kind, form=form))


def _job_or_404(request: AuthedRequest, kind: str, job_id: str) -> jobs.ImportJob:
    job = jobs.get_job(kind, job_id, request.user)
    if job is None:
        raise Http404
    return job


@login_required
@_no_session_write
def import_job(request: ExcelRequest, kind: str, job_id: str) -> HttpResponse:
    """A preview or an import as it runs (polled by htmx every second) and its report."""
    excel_kind = _allowed_kind(request, kind, Action.ADD)
    job = _job_or_404(request, kind, job_id)
    template = "core/_excel_import_status.html" if request.htmx else "core/excel_import_job.html"
    return render(request, template, _page_context(kind, excel_kind, job=job))


@login_required
@require_POST
@_no_session_write
def import_confirm(request: AuthedRequest, kind: str, job_id: str) -> HttpResponse:
    """Imports a previewed file for real (all or nothing), once its preview is clean."""
    _allowed_kind(request, kind, Action.ADD)
    preview = _job_or_404(request, kind, job_id)
    if not preview.can_commit:
        messages.error(request, _("该预览有错误或已导入，不能确认导入。"))
        return redirect("excel:import_job", kind=kind, job_id=preview.id)
    job = jobs.commit_job(preview)
    jobs.start(job, actor=request.user)
    return redirect("excel:import_job", kind=kind, job_id=job.id)


@login_required
def import_template(request: AuthedRequest, kind: str) -> HttpResponse:
    """The kind's blank import template (its 说明 sheet and dropdowns)."""
    excel_kind = _allowed_kind(request, kind, Action.ADD)
    filename = str(excel_kind.template_name) or _("%(label)s导入模板.xlsx") % {
        "label": excel_kind.label
    }
    return _xlsx(excel_kind.template(), filename)


# Export ------------------------------------------------------------------------------------


@login_required
def export_records(request: AuthedRequest, kind: str) -> HttpResponse:
    """The user's records of the kind, filtered as the list page's query string says (the
    list's own filter class), as a formatted .xlsx: what the page shows. A filter the kind
    cannot take is a 400 that says which."""
    excel_kind = _allowed_kind(request, kind, Action.VIEW)
    try:
        records = excel_kind.export_queryset(request.user, request.GET.dict())
    except ValueError as error:
        context = _page_context(kind, excel_kind, message=str(error))
        return render(request, "core/excel_export_refused.html", context, status=400)
    destination = BytesIO()
    excel_kind.export_file(records, destination)
    filename = _("%(label)s_%(date)s.xlsx") % {
        "label": excel_kind.label,
        "date": timezone.localdate().strftime("%Y%m%d"),
    }
    return _xlsx(destination.getvalue(), filename)
