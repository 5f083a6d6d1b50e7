"""Imports of project ledgers from the page, with their progress.

An uploaded file is stored under MEDIA_ROOT/imports/ and imported (first as a dry run, the
preview; then for real, on confirmation) in a background thread, so that a 50,000-row
ledger does not hold the request open. The thread writes its progress into a small record
in Django's cache, which the page polls every second.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import connections
from django.utils.translation import gettext as _

from bipin.core.excel import ImportReport

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
    """One run of the importer over one stored file, as the page shows it."""

    id: str
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


def _key(job_id: str) -> str:
    return f"bipin:projects:import:{job_id}"


def imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def save_job(job: ImportJob) -> None:
    cache.set(_key(job.id), job, JOB_TTL_SECONDS)


def get_job(job_id: str, user: Any) -> ImportJob | None:
    """The job of this user (another user's job is not found, like anything one may not see)."""
    job = cache.get(_key(job_id))
    if not isinstance(job, ImportJob) or job.user_id != user.pk:
        return None
    return job


def store_upload(upload: UploadedFile, *, user: Any) -> ImportJob:
    """Stores an uploaded ledger under its own name (the import's history names the file)
    in a folder of its own, and opens its preview job."""
    root = imports_dir()
    root.mkdir(parents=True, exist_ok=True)
    _remove_stale(root)
    job_id = uuid.uuid4().hex
    folder = root / job_id
    folder.mkdir()
    filename = Path(upload.name or "").name or "import.xlsx"
    path = folder / filename
    with path.open("wb") as stored:
        for chunk in upload.chunks():
            stored.write(chunk)
    job = ImportJob(id=job_id, user_id=user.pk, filename=filename, path=str(path))
    save_job(job)
    return job


def _remove_stale(root: Path) -> None:
    """Files of previews nobody confirmed, after a day."""
    limit = time.time() - STALE_FILE_SECONDS
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder)
        except OSError:  # removed by another request meanwhile
            continue


def commit_job(preview: ImportJob) -> ImportJob:
    """A new job that imports the previewed file for real."""
    job = ImportJob(
        id=uuid.uuid4().hex,
        user_id=preview.user_id,
        filename=preview.filename,
        path=preview.path,
        dry_run=False,
    )
    save_job(job)
    return job


#: Runs the importer: (path, *, actor, dry_run, progress) -> the import's report.
Importer = Callable[..., ImportReport]


def start(job: ImportJob, *, actor: Any, importer: Importer) -> None:
    """Runs the job, in a background thread unless RUN_IN_BACKGROUND is off."""
    if RUN_IN_BACKGROUND:
        thread = threading.Thread(
            target=_run_in_thread, args=(job, actor, importer), name=f"import-{job.id}", daemon=True
        )
        thread.start()
    else:
        run(job, actor=actor, importer=importer)


def _run_in_thread(job: ImportJob, actor: Any, importer: Importer) -> None:
    try:
        run(job, actor=actor, importer=importer)
    finally:
        # The thread's own database connection; nobody else will close it.
        connections.close_all()


def run(job: ImportJob, *, actor: Any, importer: Importer) -> ImportJob:
    """Imports the job's file, writing progress as it goes; never raises."""
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
        report = importer(job.path, actor=actor, dry_run=job.dry_run, progress=progress)
    except Exception as error:
        logger.exception("import %s of %s failed", job.id, job.filename)
        job.state = State.FAILED
        job.error = _("导入时发生意外错误（%(error)s），没有写入任何数据。") % {
            "error": type(error).__name__
        }
    else:
        job.report = summarize(report)
        job.state = State.DONE
        job.done = job.total = max(job.total, len(report.rows))
        if not job.dry_run and report.written:
            shutil.rmtree(Path(job.path).parent, ignore_errors=True)
    save_job(job)
    return job


def summarize(report: ImportReport) -> dict[str, Any]:
    """The import's report as plain data for the page (and the cache): each row with what
    happened to it, each error with its sheet, row and column, and the counts."""
    return {
        "rows": [
            {
                "row": row.row,
                "outcome": str(row.outcome),
                "code": getattr(row, "code", ""),
                "name": getattr(row, "name", ""),
                "unit": getattr(row, "unit", ""),
                "stage": getattr(row, "stage", ""),
                "amount": getattr(row, "amount", None),
                "licences": list(getattr(row, "licences", [])),
                "duplicates": list(getattr(row, "duplicates", [])),
            }
            for row in report.rows[:ROWS_SHOWN]
        ],
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
