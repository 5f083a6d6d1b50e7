"""`bipin worker [--once] [--interval SECONDS] [--worker-id ID]`: the background worker.

Each round it
1. ticks the timetable (schedule.tick): a daily job whose time has come and whose slot no
   worker has taken is taken and its task queued;
2. runs what is queued with django-tasks-db's own `Worker` in batch mode (it claims one
   task at a time and returns when the queue is empty);
3. sends the mail and webhook messages that are due (schedule.sweep);
then sleeps for the interval. `--once` does one round and returns (tests, cron).

Several workers may run at once, on one machine or several. A daily job is taken by one of
them (the slot's unique key). A queued task is run by one of them: on PostgreSQL the
worker locks the next task row with SELECT … FOR UPDATE SKIP LOCKED and marks it running
in the same transaction, so the others skip it and take the next; on SQLite the same
select-and-claim runs in an EXCLUSIVE transaction, which lets one worker in at a time (the
others wait on busy_timeout), so they take tasks in turn. A message is sent by the one
worker whose claim on its row counted (deliveries.claim).

SIGTERM or Ctrl+C stops the worker after the task it is running (a second one stops it at
once, marking that task failed); while it sleeps, at once.
"""

import logging
import os
import signal
import socket
import threading
from argparse import ArgumentTypeError
from types import FrameType
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker as QueueWorker

from bipin.alerts.schedule import Job, daily_jobs, sweep, tick

logger = logging.getLogger("bipin.alerts.worker")

_STOP = (signal.SIGINT, signal.SIGTERM)


def _interval(raw: str) -> float:
    try:
        seconds = float(raw)
    except ValueError:
        raise ArgumentTypeError(_("间隔须为秒数，例如 60")) from None
    if not 1 <= seconds <= 3600:
        raise ArgumentTypeError(_("间隔须在 1 到 3600 秒之间"))
    return seconds


def _worker_id(raw: str) -> str:
    if not raw or len(raw) > 64:
        raise ArgumentTypeError(_("进程编号须为 1 到 64 个字符"))
    return raw


def default_worker_id() -> str:
    """Host, process and a random tail: unique across the pool, and says where it runs."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}"


class Command(BaseCommand):
    help = _("后台任务进程：每天按时核查预警规则、生成每日摘要，并发送待发的邮件和钉钉消息")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help=_("只运行一轮（到点的任务、队列、待发消息）后退出")
        )
        parser.add_argument(
            "--interval",
            type=_interval,
            default=60.0,
            help=_("两轮之间休息的秒数（默认 60）"),
        )
        parser.add_argument(
            "--worker-id",
            type=_worker_id,
            default=None,
            help=_("进程编号，多个进程同时运行时须各不相同（默认：主机名-进程号-随机串）"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            jobs = daily_jobs()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        self.worker_id: str = options["worker_id"] or default_worker_id()
        self.stopping = False
        self.wake = threading.Event()
        self.queue_worker: QueueWorker | None = None
        if options["verbosity"] < 2:
            # Its "starting" and "queue empty" lines would come every round; the tasks
            # themselves are logged by django_tasks ("Task id=… path=… state=…").
            logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        # Only the main thread may take signals; in another thread the worker runs without.
        previous = {}
        if threading.current_thread() is threading.main_thread():
            previous = {signum: signal.signal(signum, self._stop) for signum in _STOP}
        try:
            self._run(jobs, once=options["once"], interval=options["interval"])
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _run(self, jobs: list[Job], *, once: bool, interval: float) -> None:
        logger.info(
            "worker %s started: %s; every %ss",
            self.worker_id,
            ", ".join(f"{job.name} at {job.at:%H:%M}" for job in jobs),
            interval,
        )
        while not self.stopping:
            try:
                self._round()
            except Exception:
                if once:
                    raise
                # A database that went away, a bug in one task's setup: logged, and the
                # next round tries again rather than the worker dying.
                logger.exception("worker %s: the round failed", self.worker_id)
            if once or self.stopping:
                break
            logger.debug("worker %s: waiting %ss", self.worker_id, interval)
            self.wake.wait(interval)
        logger.info("worker %s stopped", self.worker_id)

    def _round(self) -> None:
        close_old_connections()
        now = timezone.now()
        for job in tick(now, self.worker_id):
            logger.info("worker %s queued %s", self.worker_id, job.name)
        if self.stopping:
            return
        self.queue_worker = QueueWorker(
            queue_names=["*"],
            excluded_queue_names=[],
            interval=0,
            batch=True,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=self.worker_id,
        )
        self.queue_worker.run()
        self.queue_worker = None
        if self.stopping:
            return
        sent = sweep(self.worker_id)
        if any(sent.values()):
            logger.info(
                "worker %s messages: %s",
                self.worker_id,
                ", ".join(f"{name} {n}" for name, n in sent.items() if n),
            )
        close_old_connections()

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping:
            logger.warning(
                "worker %s: %s again, stopping now", self.worker_id, signal.strsignal(signum)
            )
            # Inside a task this ends the task, which the queue records as failed.
            raise SystemExit(1)
        logger.warning(
            "worker %s: %s, stopping after the current task (again to stop now)",
            self.worker_id,
            signal.strsignal(signum),
        )
        self.stopping = True
        self.wake.set()
        if self.queue_worker is not None:
            self.queue_worker.running = False
