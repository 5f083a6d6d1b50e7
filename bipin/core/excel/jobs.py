"""Imports from the page, of every registered Excel kind, with their progress.

An uploaded file is stored under MEDIA_ROOT/imports/<kind>/ and imported by its kind's
importer (first as a dry run, the preview; then for real, on confirmation) in a background
thread, so that a 50,000-row ledger does not hold the request open. The thread writes its
progress into a small record in Django's cache, which the page polls every second.

The cache is Django's default: a per-process LocMemCache, enough for the embedded default
(one process, `bipin runserver` or one gunicorn worker). Several worker processes need a
shared cache (CACHES with FileBasedCache under BIPIN_VAR_DIR, or Redis), or a poll reaching
another worker finds no job. The record is not the result's store of truth: the import's
own transaction is (all or nothing), and its history records who imported what.
"""

import logging
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import connections
from django.utils import translation
from django.utils.translation import gettext as _

from bipin.core.excel import ExcelKind, ImportReport, excel_kinds

logger = logging.getLogger(__name__)

#: How long a job's record (and its preview) is kept.
JOB_TTL_SECONDS = 24 * 3600
#: Stored files of abandoned previews are removed after this long.
STALE_FILE_SECONDS = 24 * 3600
#: Whether imports run in a background thread; tests run them inline, in the request.
RUN_IN_BACKGROUND = True
#: Rows of a report the page lists (the counts cover them all; every error is listed).
ROWS_SHOWN = 500
#: How often at most the progress record is written (seconds).
_PROGRESS_INTERVAL = 0.5


class State:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass
class ImportJob:
    """One run of a kind's importer over one stored file, as the page shows it. It belongs
    to the user who uploaded the file: nobody else finds it."""

    id: str
    kind: str
    user_id: int
    filename: str
    path: str
    dry_run: bool = True
    state: str = State.QUEUED
    done: int = 0
    total: int = 0
    #: The import's report, reduced to plain data (see `summarize`).
    report: dict[str, Any] = field(default_factory=dict)
    #: A failure the importer did not report as row errors (a crash): logged, shown plainly.
    error: str = ""
    #: Why, for a kind that asks (ExcelKind.reason_help); given to its importer.
    reason: str = ""
    started_at: float = field(default_factory=time.time)

    @property
    def finished(self) -> bool:
        return self.state in (State.DONE, State.FAILED)

    @property
    def percent(self) -> int:
        if self.state == State.DONE:
            return 100
        return min(99, int(self.done * 100 / self.total)) if self.total else 0

    @property
    def can_commit(self) -> bool:
        """A clean preview that changes something can be committed; a committed run cannot
        be committed twice."""
        counts = self.report.get("counts", {})
        return (
            self.dry_run
            and self.state == State.DONE
            and not self.report.get("errors")
            and bool(counts.get("created") or counts.get("updated"))
        )


def _key(kind: str, job_id: str) -> str:
    return f"bipin:excel:{kind}:import:{job_id}"


def imports_dir(kind: str | None = None) -> Path:
    """Where uploaded files wait for their import: one folder per kind."""
    root = Path(settings.MEDIA_ROOT) / "imports"
    return root / kind if kind else root


def save_job(job: ImportJob) -> None:
    cache.set(_key(job.kind, job.id), job, JOB_TTL_SECONDS)


def get_job(kind: str, job_id: str, user: Any) -> ImportJob | None:
    """The job of this kind and this user (another user's job is not found, like anything
    one may not see)."""
    job = cache.get(_key(kind, job_id))
    if not isinstance(job, ImportJob) or job.kind != kind or job.user_id != user.pk:
        return None
    return job


def store_upload(upload: UploadedFile, *, kind: str, user: Any, reason: str = "") -> ImportJob:
    """Stores an uploaded file under its own name (the import's history names the file) in
    a folder of its own, and opens its preview job."""
    folder_of_kind = imports_dir(kind)
    folder_of_kind.mkdir(parents=True, exist_ok=True)
    _remove_stale(imports_dir())
    job_id = uuid.uuid4().hex
    folder = folder_of_kind / job_id
    folder.mkdir()
    filename = Path(upload.name or "").name or "import.xlsx"
    path = folder / filename
    with path.open("wb") as stored:
        for chunk in upload.chunks():
            stored.write(chunk)
    job = ImportJob(
        id=job_id, kind=kind, user_id=user.pk, filename=filename, path=str(path), reason=reason
    )
    save_job(job)
    return job


def _remove_stale(root: Path) -> None:
    """Files of previews nobody confirmed, of every kind, after a day."""
    limit = time.time() - STALE_FILE_SECONDS
    for folder in root.glob("*/*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder)
        except OSError:  # removed by another request meanwhile
            continue


def commit_job(preview: ImportJob) -> ImportJob:
    """A new job that imports the previewed file for real."""
    job = ImportJob(
        id=uuid.uuid4().hex,
        kind=preview.kind,
        user_id=preview.user_id,
        filename=preview.filename,
        path=preview.path,
        dry_run=False,
        reason=preview.reason,
    )
    save_job(job)
    return job


def start(job: ImportJob, *, actor: Any) -> None:
    """Runs the job, in a background thread unless RUN_IN_BACKGROUND is off. The thread
    speaks the request's language, so that its messages read as the page does."""
    language = translation.get_language()
    if RUN_IN_BACKGROUND:
        thread = threading.Thread(
            target=_run_in_thread,
            args=(job, actor, language),
            name=f"import-{job.kind}-{job.id}",
            daemon=True,
        )
        thread.start()
    else:
        run(job, actor=actor)


def _run_in_thread(job: ImportJob, actor: Any, language: str | None) -> None:
    try:
        with translation.override(language):
            run(job, actor=actor)
    finally:
        # The thread's own database connection; nobody else will close it.
        connections.close_all()


def run(job: ImportJob, *, actor: Any) -> ImportJob:
    """Imports the job's file with its kind's importer, writing progress as it goes; never
    raises."""
    job.state = State.RUNNING
    save_job(job)
    last_write = 0.0

    def progress(done: int, total: int | None = None, *_rest: Any) -> None:
        nonlocal last_write
        job.done = done
        if total is not None:
            job.total = total
        now = time.monotonic()
        if now - last_write >= _PROGRESS_INTERVAL:
            last_write = now
            save_job(job)

    try:
        kind = excel_kinds.get(job.kind)
        extra = {"reason": job.reason} if kind.reason_help else {}
        report = kind.import_file(
            job.path, actor=actor, dry_run=job.dry_run, progress=progress, **extra
        )
        job.report = summarize(report, kind)
    except Exception as error:
        logger.exception("import %s of %s (%s) failed", job.id, job.filename, job.kind)
        job.state = State.FAILED
        job.error = _("导入时发生意外错误（%(error)s），没有写入任何数据。") % {
            "error": type(error).__name__
        }
    else:
        job.state = State.DONE
        job.done = job.total = max(job.total, len(report.rows))
        if not job.dry_run and report.written:
            shutil.rmtree(Path(job.path).parent, ignore_errors=True)
    save_job(job)
    return job


def summarize(report: ImportReport, kind: ExcelKind) -> dict[str, Any]:
    """The import's report as plain data for the page (and the cache): the preview's
    columns (the kind's `preview_columns`), each row with its cells, its remarks and what
    happened to it, each error with its sheet, row and column, and the counts."""
    attributes = [attribute for _header, attribute in kind.preview_columns]
    rows = [
        {
            "row": row.row,
            "outcome": str(row.outcome),
            "cells": [_cell(getattr(row, attribute, None)) for attribute in attributes],
            "remarks": [{"text": remark.text, "warning": remark.warning} for remark in row.remarks],
        }
        for row in report.rows[:ROWS_SHOWN]
    ]
    return {
        "columns": [
            {
                "header": str(header),
                "amount": any(row["cells"][index]["amount"] for row in rows),
            }
            for index, (header, _attribute) in enumerate(kind.preview_columns)
        ],
        "rows": rows,
        "row_count": len(report.rows),
        "errors": [
            {
                "sheet": error.sheet,
                "row": error.row,
                "column": error.column,
                "header": error.header,
                "message": error.message,
            }
            for error in report.errors
        ],
        "notes": list(report.notes),
        "counts": {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        },
        "summary": report.summary(),
        "written": report.written,
    }


def _cell(value: Any) -> dict[str, Any]:
    """A preview cell as the page shows it: an amount (万元) stays a Decimal, for `wan`; a
    date stays a date; a yes/no and a list are written out; anything else is its text."""
    if isinstance(value, bool):
        value = _("是") if value else _("否")
    elif isinstance(value, list | tuple | set):
        value = "、".join(str(item) for item in value)
    elif value is not None and not isinstance(value, Decimal | date | int):
        value = str(value)
    return {"value": value, "amount": isinstance(value, Decimal)}
