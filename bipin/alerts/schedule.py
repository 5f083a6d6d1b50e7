"""The worker's timetable: the daily jobs, and the sweep of due messages.

Two jobs run once a day at a local time: "alerts" (the pass of the rules, at
BIPIN_ALERTS_AT) and "digests" (the daily digests, at BIPIN_DIGEST_AT). Every round of
`bipin worker` calls `tick`: a job whose time has come today is due, and the first worker
to insert its `ScheduleSlot(job, day)` has it — the unique key settles a race between
workers, on PostgreSQL and SQLite alike — and enqueues its task in the same transaction,
so a slot is never taken without its task nor a task queued twice. A worker started late
(after a restart, or after the time) still runs the day's jobs; a day that passed with no
worker running is not run afterwards: the next pass judges the situation as it is then.

Mail and webhook messages are swept every round by `sweep`, in the worker's own process
rather than as a queued task: the `Delivery` rows are already a queue — claimed row by row,
retried on their own backoff — so a task around them would only add a task row each round
and a "none queued yet?" check that two workers could both pass anyway.
"""

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks.base import Task

from bipin.alerts import tasks
from bipin.alerts.deliveries import send_due
from bipin.alerts.models import ScheduleSlot

logger = logging.getLogger(__name__)

_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class Job:
    """A daily job: its name (the slot's key), when it runs, and the task it enqueues
    (called with the day, YYYY-MM-DD)."""

    name: str
    at: time
    task: Task[[str], Any]

    def enqueue(self, day: date) -> str:
        """Queues the job's task for `day`; returns the task's id."""
        return str(self.task.enqueue(day.isoformat()).id)


def clock_setting(name: str) -> time:
    """The local time of day a setting names ("07:00"); a clear error otherwise."""
    raw = getattr(settings, name)
    match = _CLOCK.fullmatch(str(raw).strip())
    if match is None:
        raise ImproperlyConfigured(
            f"{name} must be a local time of day written HH:MM (24-hour, e.g. 07:00); got {raw!r}"
        )
    return time(int(match[1]), int(match[2]))


def daily_jobs() -> list[Job]:
    """The daily jobs, in the order they are enqueued when both are due (a worker that
    starts after both times queues the pass first)."""
    return [
        Job("alerts", clock_setting("BIPIN_ALERTS_AT"), tasks.run_rules_task),
        Job("digests", clock_setting("BIPIN_DIGEST_AT"), tasks.send_digests_task),
    ]


def tick(now: datetime, worker_id: str) -> list[Job]:
    """Takes and enqueues each daily job whose time has come today (local time) and whose
    slot no worker has taken yet; returns the jobs this worker took."""
    local = timezone.localtime(now)
    day = local.date()
    taken = []
    for job in daily_jobs():
        if local.time() < job.at or ScheduleSlot.objects.filter(job=job.name, on=day).exists():
            continue
        try:
            with transaction.atomic():
                task_id = job.enqueue(day)
                ScheduleSlot.objects.create(
                    job=job.name, on=day, taken_by=worker_id[:64], taken_at=now, task_id=task_id
                )
        except IntegrityError:
            # Another worker inserted the slot between our look and our insert; the
            # rollback took our task back out of the queue with it.
            logger.info("%s of %s: taken by another worker", job.name, day)
            continue
        logger.info("%s of %s: taken by %s, task %s", job.name, day, worker_id, task_id)
        taken.append(job)
    return taken


def sweep(worker_id: str, now: datetime | None = None) -> dict[str, int]:
    """Sends the mail and webhook messages due by `now` (deliveries.send_due claims each
    row before sending it, so workers sweeping at once share the work)."""
    return send_due(worker_id, now=now)
