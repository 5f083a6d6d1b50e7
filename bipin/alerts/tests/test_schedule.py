"""The worker's timetable: a daily job is queued once its time has come, once a day, by
one worker however many tick at once; the times are checked when the worker starts."""

import ast
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bipin.alerts.models import ScheduleSlot
from bipin.alerts.schedule import clock_setting, daily_jobs, tick
from bipin.alerts.tests.test_worker import in_processes


def at(hour: int, minute: int = 0, day: int = 29) -> datetime:
    """That local time (Asia/Shanghai) in November 2026."""
    return timezone.make_aware(datetime(2026, 11, day, hour, minute))


@pytest.fixture(autouse=True)
def _times(settings: Any) -> None:
    settings.BIPIN_ALERTS_AT = "07:00"
    settings.BIPIN_DIGEST_AT = "08:00"


def queued() -> list[tuple[str, list[Any]]]:
    """The queued tasks: which function, with which arguments."""
    return [
        (task.task_path, task.args_kwargs["args"])
        for task in DBTaskResult.objects.order_by("enqueued_at")
    ]


def test_a_tick_before_the_alerts_time_queues_nothing(db: None) -> None:
    assert tick(at(6, 59), "w1") == []
    assert queued() == []
    assert not ScheduleSlot.objects.exists()


def test_a_tick_once_the_time_has_come_queues_the_pass_once(db: None) -> None:
    assert [job.name for job in tick(at(7, 0), "w1")] == ["alerts"]
    assert queued() == [("bipin.alerts.tasks.run_rules_task", ["2026-11-29"])]
    slot = ScheduleSlot.objects.get()
    assert (slot.job, slot.on.isoformat(), slot.taken_by) == ("alerts", "2026-11-29", "w1")
    assert slot.task_id == str(DBTaskResult.objects.get().id)

    # Later that day, by this worker or another, the pass is not queued again.
    assert tick(at(7, 1), "w1") == []
    assert tick(at(7, 30), "w2") == []
    assert len(queued()) == 1


def test_the_digests_are_queued_at_their_own_time(db: None) -> None:
    tick(at(7, 0), "w1")
    assert [job.name for job in tick(at(8, 0), "w1")] == ["digests"]
    assert queued()[1] == ("bipin.alerts.tasks.send_digests_task", ["2026-11-29"])


def test_a_worker_started_after_both_times_queues_the_pass_then_the_digests(db: None) -> None:
    assert [job.name for job in tick(at(15, 20), "w1")] == ["alerts", "digests"]
    assert [path.rsplit(".", 1)[1] for path, _ in queued()] == [
        "run_rules_task",
        "send_digests_task",
    ]


def test_each_day_has_its_own_slot(db: None) -> None:
    tick(at(9, 0, day=29), "w1")
    assert tick(at(6, 0, day=30), "w1") == []
    assert [job.name for job in tick(at(7, 0, day=30), "w1")] == ["alerts"]
    assert sorted(ScheduleSlot.objects.values_list("job", "on__day")) == [
        ("alerts", 29),
        ("alerts", 30),
        ("digests", 29),
    ]


def test_the_day_is_the_local_one(db: None) -> None:
    # 23:30 UTC on the 28th is 07:30 on the 29th in Asia/Shanghai: the 29th's pass.
    utc = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
    assert [job.name for job in tick(utc, "w1")] == ["alerts"]
    assert ScheduleSlot.objects.get().on.isoformat() == "2026-11-29"


@pytest.mark.parametrize("raw", ["7am", "25:00", "07:60", "0700", "", None])
def test_a_time_that_is_not_hh_mm_is_refused_naming_the_setting(settings: Any, raw: Any) -> None:
    settings.BIPIN_DIGEST_AT = raw
    with pytest.raises(ImproperlyConfigured) as error:
        daily_jobs()
    assert "BIPIN_DIGEST_AT" in str(error.value)
    assert "HH:MM" in str(error.value)
    assert repr(raw) in str(error.value)


def test_times_are_read_as_local_hours_and_minutes(settings: Any) -> None:
    settings.BIPIN_ALERTS_AT = "6:05"
    assert clock_setting("BIPIN_ALERTS_AT").strftime("%H:%M") == "06:05"
    settings.BIPIN_ALERTS_AT = " 23:59 "
    assert clock_setting("BIPIN_ALERTS_AT").strftime("%H:%M") == "23:59"


def test_the_worker_does_not_start_with_a_bad_time(db: None, settings: Any) -> None:
    settings.BIPIN_ALERTS_AT = "7 点"
    with pytest.raises(CommandError, match="BIPIN_ALERTS_AT must be a local time"):
        call_command("worker", "--once")
    assert queued() == []


def tick_as(worker_id: str, hour: int = 9) -> str:
    """A statement for `in_processes`: a tick at `hour` on 2026-11-29; prints what it took."""
    return (
        "from datetime import datetime; from django.utils import timezone; "
        "from bipin.alerts.schedule import tick; "
        f"print('took', [job.name for job in tick(timezone.make_aware(datetime(2026, 11, 29, "
        f"{hour})), {worker_id!r})])"
    )


def took(output: str) -> list[str]:
    (line,) = [line for line in output.splitlines() if line.startswith("took ")]
    return list(ast.literal_eval(line.removeprefix("took ")))


# Workers are processes: these start real ones, released together (test_worker.py says how).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_ticking_at_the_same_moment_take_each_job_once(tmp_path: Path) -> None:
    workers = [f"w{n}" for n in range(4)]
    outputs = in_processes([tick_as(worker) for worker in workers], tmp_path)

    taken = dict(zip(workers, map(took, outputs), strict=True))
    assert sorted(name for names in taken.values() for name in names) == ["alerts", "digests"]
    assert len(queued()) == 2
    slots = {slot.job: slot for slot in ScheduleSlot.objects.all()}
    assert set(slots) == {"alerts", "digests"}
    for name, slot in slots.items():
        assert name in taken[slot.taken_by]  # the slot's owner is the worker that queued it
    assert {slot.task_id for slot in slots.values()} == {
        str(task_id) for task_id in DBTaskResult.objects.values_list("id", flat=True)
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_that_loses_the_race_for_a_slot_takes_its_task_back(tmp_path: Path) -> None:
    # w0 inserts the pass's slot and holds its transaction open for two seconds; w1 ticks
    # meanwhile, finds no slot yet, queues the pass and inserts the slot — which waits for
    # w0 and then fails on the unique key, so w1's transaction, task and all, rolls back.
    hold = (
        "import time; from datetime import date; from django.db import transaction; "
        "from bipin.alerts.models import ScheduleSlot\n"
        "with transaction.atomic():\n"
        "    ScheduleSlot.objects.create(job='alerts', on=date(2026, 11, 29), taken_by='w0')\n"
        "    time.sleep(2)"
    )
    late = "import time; time.sleep(0.5)\n" + tick_as("w1")
    outputs = in_processes([hold, late], tmp_path)

    assert took(outputs[1]) == ["digests"]
    assert "alerts of 2026-11-29: taken by another worker" in outputs[1]
    assert sorted(ScheduleSlot.objects.values_list("job", "taken_by")) == [
        ("alerts", "w0"),
        ("digests", "w1"),
    ]
    assert queued() == [("bipin.alerts.tasks.send_digests_task", ["2026-11-29"])]
