"""`bipin worker`: a round runs the day's pass through the queue and sends its messages;
two workers — or two passes — at once never double an alert, a task or a message; SIGTERM
stops the worker cleanly.

The hand-built case is 锦城's project signed 200 days before today: its 注册 (signing + 1
month) and 供地 (+ 6 months) milestones are overdue today, 开工 (+ 9 months) not yet. The
worker runs the pass for the real today (it is a clock), so the dates are relative.
"""

import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from bipin.alerts.actions import do_save_preference
from bipin.alerts.choices import DeliveryStatus, EventKind
from bipin.alerts.models import Alert, AlertEvent, Delivery, Notification, Rule, ScheduleSlot
from bipin.alerts.tests.servers import SMTPSink, smtp_server
from bipin.conftest import District
from bipin.org.models import User
from bipin.projects.choices import Stage
from bipin.projects.models import Milestone, Project

__all__ = ["smtp_server"]  # the fixture, imported for pytest

CLERK_MAIL = "clerk_a@linan.gov.cn"


# The worker commits and closes its connections between rounds (as Django does between
# requests), which a test transaction cannot survive on PostgreSQL: every test here runs
# outside one, and the serialized rollback puts the shipped reference data back after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _due_now(settings: Any) -> None:
    """Both daily jobs are due whatever the time of day the tests run."""
    settings.BIPIN_ALERTS_AT = "00:00"
    settings.BIPIN_DIGEST_AT = "00:00"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def overdue(
    district: District,
    make_rule: Callable[..., Rule],
    signed_project: Callable[..., Project],
) -> list[Milestone]:
    """The rule 节点逾期, 锦城's project with two overdue milestones, and 锦城's clerk (who
    answers for 锦城's alerts) taking mail one message at a time. Returns the overdue
    milestones."""
    make_rule("milestone_overdue")
    project = signed_project(
        "年产5000万片MEMS传感器芯片项目", on=timezone.localdate() - timedelta(days=200)
    )
    User.objects.filter(pk=district.clerk_a.pk).update(email=CLERK_MAIL)
    district.clerk_a.refresh_from_db()
    do_save_preference(
        email=True, webhook=False, webhook_url="", daily_digest=False, actor=district.clerk_a
    )
    return list(project.milestones.filter(stage__in=[Stage.REGISTERED, Stage.LAND]))


def pass_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path="bipin.alerts.tasks.run_rules_task"))


def assert_told_once(district: District, milestones: list[Milestone], mailed: bool = True) -> None:
    """One alert per overdue milestone, one notification of each to the clerk, one mail of
    each sent (and, when `mailed` in this process, read back from the outbox)."""
    alerts = list(Alert.objects.all())
    assert sorted(alert.subject_id for alert in alerts) == sorted(m.pk for m in milestones)
    assert AlertEvent.objects.filter(kind=EventKind.OPENED).count() == len(milestones)
    told = list(Notification.objects.values_list("event_id", "recipient_id"))
    assert len(told) == len(set(told)) == len(milestones)
    assert {recipient for _, recipient in told} == {district.clerk_a.pk}
    assert list(Delivery.objects.values_list("status", flat=True)) == [DeliveryStatus.SENT] * len(
        milestones
    )
    if mailed:
        assert sorted(message.subject for message in mail.outbox) == sorted(
            Notification.objects.values_list("title", flat=True)
        )
        assert {tuple(message.to) for message in mail.outbox} == {(CLERK_MAIL,)}


def test_one_round_runs_the_days_pass_and_sends_its_messages(
    district: District, overdue: list[Milestone]
) -> None:
    call_command("worker", "--once", "--worker-id", "w1")

    assert_told_once(district, overdue)
    today = timezone.localdate()
    assert sorted(ScheduleSlot.objects.values_list("job", "on", "taken_by")) == [
        ("alerts", today, "w1"),
        ("digests", today, "w1"),
    ]
    (task,) = pass_tasks()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.worker_ids == ["w1"]
    assert task.args_kwargs["args"] == [today.isoformat()]
    assert task.return_value == {
        "opened": 2,
        "kept": 0,
        "resolved": 0,
        "raised": 0,
        "lowered": 0,
        "escalated": 0,
    }
    digests = DBTaskResult.objects.get(task_path="bipin.alerts.tasks.send_digests_task")
    assert digests.status == TaskResultStatus.SUCCESSFUL


def test_a_second_round_the_same_day_runs_nothing_again(
    district: District, overdue: list[Milestone]
) -> None:
    call_command("worker", "--once", "--worker-id", "w1")
    call_command("worker", "--once", "--worker-id", "w2")

    assert len(pass_tasks()) == 1
    assert DBTaskResult.objects.count() == 2  # the pass and the digests, once each
    assert_told_once(district, overdue)


def test_a_round_logs_what_it_ran(
    district: District, overdue: list[Milestone], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        call_command("worker", "--once", "--worker-id", "w1")
    text = caplog.text
    assert "worker w1 started: alerts at 00:00, digests at 00:00" in text
    assert "worker w1 queued alerts" in text
    assert "path=bipin.alerts.tasks.run_rules_task state=SUCCESSFUL" in text
    assert f"rules pass {timezone.localdate().isoformat()}: opened 2, kept 0" in text
    assert "worker w1 messages: sent 2" in text


# Workers at once -----------------------------------------------------------------------------
#
# Workers are processes, so these tests start real ones: `bipin` processes on the test
# database, released together by a barrier (each says it is ready, then waits for "go"). On
# PostgreSQL they share the test database; on SQLite the test database lives in memory,
# where a second writer is refused at once instead of waiting its turn as in production —
# so it is copied to a file (the production set-up: WAL, busy_timeout, IMMEDIATE), the
# processes run on the file, and the file is copied back for the assertions.

_RUNNER = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bipin.settings")
import django
django.setup()
ready, go, statement = sys.argv[1:4]
open(ready, "w").close()
deadline = time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.002)
exec(statement)
"""


def in_processes(statements: list[str], tmp_path: Path, **env: str) -> list[str]:
    """Runs each Python statement in its own process (Django set up, on the test
    database), all released at the same moment; returns what each wrote (stdout and
    stderr). `env` adds settings (BIPIN_…)."""
    settings_dict = connection.settings_dict
    copy = tmp_path / "workers.sqlite3"
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(copy) as target:
            connection.connection.backup(target)
        url = f"sqlite:///{copy}"
    else:
        url = "postgres://{}:{}@{}:{}/{}".format(
            *(quote(str(settings_dict[key] or "")) for key in ("USER", "PASSWORD", "HOST")),
            settings_dict["PORT"] or 5432,
            settings_dict["NAME"],
        )
    environment = {
        **os.environ,
        "BIPIN_DATABASE_URL": url,
        "BIPIN_VAR_DIR": str(tmp_path / "var"),
        "BIPIN_ALERTS_AT": "00:00",
        "BIPIN_DIGEST_AT": "00:00",
        "BIPIN_LOG_LEVEL": "INFO",
        **env,
    }
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(len(statements))]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _RUNNER, str(ready[n]), str(go), statement],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for n, statement in enumerate(statements)
    ]
    deadline = time.monotonic() + 60
    while not all(path.exists() for path in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output
    if connection.vendor == "sqlite":
        with sqlite3.connect(copy) as source:
            source.backup(connection.connection)
    return outputs


def worker_round(worker_id: str) -> str:
    return f"from django.core.management import call_command; call_command('worker', '--once', '--worker-id', {worker_id!r})"


def test_two_workers_at_once_run_the_days_pass_once_and_send_each_message_once(
    district: District, overdue: list[Milestone], smtp_server: SMTPSink, tmp_path: Path
) -> None:
    outputs = in_processes(
        [worker_round("w1"), worker_round("w2")],
        tmp_path,
        BIPIN_EMAIL_HOST="127.0.0.1",
        BIPIN_EMAIL_PORT=str(settings.EMAIL_PORT),
    )

    (task,) = pass_tasks()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.worker_ids in (["w1"], ["w2"])
    assert ScheduleSlot.objects.count() == 2
    # Each message reached the mail server once, whichever worker sent it.
    received = sorted(" ".join(str(message["Subject"]).split()) for message in smtp_server.messages)
    assert received == sorted(Notification.objects.values_list("title", flat=True))
    assert len(received) == len(overdue)
    assert_told_once(district, overdue, mailed=False)
    assert sum("rules pass" in output for output in outputs) == 1


def test_two_passes_at_once_leave_one_alert_per_key_and_one_message_per_person(
    district: District,
    overdue: list[Milestone],
    signed_project: Callable[..., Project],
    tmp_path: Path,
) -> None:
    # A second project, of 於潜, so that the passes have two units' alerts to race over.
    other = signed_project(
        "於潜新材料项目",
        unit=district.town_b,
        on=timezone.localdate() - timedelta(days=200),
    )
    milestones = [*overdue, *other.milestones.filter(stage__in=[Stage.REGISTERED, Stage.LAND])]
    a_pass = "from django.core.management import call_command; call_command('alerts', 'run')"

    outputs = in_processes([a_pass, a_pass], tmp_path)

    # Both passes ran in full; the one that came second found the alerts standing.
    totals = [re.search(r"核查完毕：新触发 (\d+)，保持 (\d+)", output) for output in outputs]
    assert sorted(total.groups() for total in totals if total) == [("0", "4"), ("4", "0")]
    keys = list(Alert.objects.values_list("rule_id", "subject_type_id", "subject_id", "period"))
    assert len(keys) == len(set(keys)) == 4
    assert sorted(Alert.objects.values_list("subject_id", flat=True)) == sorted(
        m.pk for m in milestones
    )
    assert AlertEvent.objects.filter(kind=EventKind.OPENED).count() == 4
    told = list(Notification.objects.values_list("event_id", "recipient_id"))
    assert len(told) == len(set(told)) == 4
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "clerk_a",
        "clerk_a",
        "clerk_b",
        "clerk_b",
    ]
    # Mail only for 锦城's clerk, who asked for it: one delivery per message.
    assert Delivery.objects.count() == 2


def test_sigterm_stops_a_waiting_worker_at_once(transactional_db: None) -> None:
    waiting = threading.Event()

    class Waiting(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "waiting" in record.getMessage():
                waiting.set()

    def terminate() -> None:
        # Only once the worker waits (its handler in place): SIGTERM would end pytest.
        if waiting.wait(timeout=60):
            os.kill(os.getpid(), signal.SIGTERM)

    handler = Waiting()
    worker_log = logging.getLogger("bipin.alerts.worker")
    worker_log.addHandler(handler)
    level = worker_log.level
    worker_log.setLevel(logging.DEBUG)
    before = signal.getsignal(signal.SIGTERM)
    killer = threading.Thread(target=terminate)
    killer.start()
    try:
        # An hour between rounds: the call returns only because SIGTERM woke it.
        call_command("worker", "--interval", "3600", "--worker-id", "w1")
    finally:
        worker_log.removeHandler(handler)
        worker_log.setLevel(level)
        killer.join()
    assert waiting.is_set()
    assert ScheduleSlot.objects.count() == 2  # it did its first round before waiting
    assert signal.getsignal(signal.SIGTERM) == before  # and put the handler back
