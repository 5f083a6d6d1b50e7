"""督查预警's background work as django-tasks tasks (Django's tasks API; the database
backend keeps the queue in bipin's own database, settings.TASKS).

`schedule.tick` enqueues the daily ones when their time comes; `bipin worker` runs what is
queued. Arguments are JSON (a day is its ISO date) and so are the return values, which the
queue keeps as the task's result. Each task is safe to run twice: the pass reconciles, the
digests and deliveries claim their rows before sending.
"""

import logging
from datetime import date

from django_tasks import TaskContext, task

from bipin.alerts.deliveries import send_due
from bipin.alerts.digests import send_digests
from bipin.alerts.engine import run_rules

logger = logging.getLogger(__name__)

#: What a pass counts, as its task returns it.
PASS_COUNTS = ("opened", "kept", "resolved", "raised", "lowered", "escalated")


def _worker_of(context: TaskContext) -> str:
    """The id of the worker running the task: the DB backend records who claimed it."""
    return (context.task_result.worker_ids or ["?"])[-1]


@task()
def run_rules_task(day: str) -> dict[str, int]:
    """The daily pass of every active rule for `day` (YYYY-MM-DD); returns its counts."""
    result = run_rules(date.fromisoformat(day))
    counts = {name: getattr(result, name) for name in PASS_COUNTS}
    logger.info("rules pass %s: %s", day, ", ".join(f"{name} {n}" for name, n in counts.items()))
    return counts


@task(takes_context=True)
def send_deliveries_task(context: TaskContext) -> dict[str, int]:
    """Sends the mail and webhook messages that are due. The worker sweeps them itself
    every round (schedule.sweep); this task is for sending from elsewhere, e.g. when
    someone asks for failed messages to go again."""
    return send_due(_worker_of(context))


@task(takes_context=True)
def send_digests_task(context: TaskContext, day: str) -> int:
    """The daily digests for `day` (YYYY-MM-DD), for the people who chose one; returns how
    many it made (the sweep sends them)."""
    made = send_digests(date.fromisoformat(day), _worker_of(context))
    logger.info("digests of %s: %s made", day, made)
    return made
