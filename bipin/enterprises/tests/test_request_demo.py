"""The service requests' part of the demo: ~300 requests of the demo's enterprises in every
status, some past their deadline, each step taken through the actions by whom the rules
say and dated when it happened; the same for the same seed; at every scale, and again
after a reset.

Loading the demo takes seconds, so the tests that read it share one load (the class
fixture below), inside a transaction that is rolled back when the class is done.
"""

import itertools
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from bipin.core.demo import load_demo
from bipin.enterprises import actions
from bipin.enterprises.choices import FINISHED, Satisfaction, Status
from bipin.enterprises.models import RequestStep, ServiceCategory, ServiceRequest
from bipin.enterprises.reference import CATEGORIES
from bipin.org.choices import UnitKind
from bipin.projects.demo import demo_today

REQUEST_COLUMNS = (
    "code", "enterprise__uscc", "category__name", "description", "intake", "submitted_on",
    "deadline", "status", "reply", "visits", "done_on", "closed_on", "satisfaction",
)  # fmt: skip


def _load(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def _fingerprint() -> dict[str, Any]:
    """What the demo made, without database ids."""
    return {
        "requests": list(ServiceRequest.objects.order_by("code").values_list(*REQUEST_COLUMNS)),
        "departments": sorted(
            ServiceRequest.departments.through.objects.values_list(
                "servicerequest__code", "unit__code"
            )
        ),
        "steps": list(
            RequestStep.objects.order_by("request__code", "at", "pk").values_list(
                "request__code", "from_status", "to_status", "actor__username", "note"
            )
        ),
    }


def _fresh_demo(seed: int) -> dict[str, Any]:
    with transaction.atomic():
        load_demo(scale="district", seed=seed, out=StringIO())
        made = _fingerprint()
        transaction.set_rollback(True)
    return made


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_requests() -> None:
    first = _fresh_demo(2019)
    assert len(first["requests"]) == 300
    assert _fresh_demo(2019) == first


# --reset flushes, which PostgreSQL refuses inside a transaction; the serialized rollback
# puts the shipped reference data (industries, categories) back for later tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_loads_again_after_a_reset_with_the_shipped_categories() -> None:
    _load("--seed", "7")
    first = _fingerprint()
    output = _load("--reset", "--seed", "7")
    assert "requests: 300 requests" in output
    assert _fingerprint() == first
    assert list(ServiceCategory.objects.values_list("name", "time_limit_days")) == CATEGORIES


@pytest.mark.django_db
def test_the_city_scale_has_requests_of_its_towns_enterprises_handled_in_their_district() -> None:
    output = _load("--scale", "city")
    assert "requests: " in output
    requests = ServiceRequest.objects.select_related("enterprise__unit").prefetch_related(
        "departments"
    )
    assert 100 <= requests.count() <= 600
    statuses = Counter(request.status for request in requests)
    assert {Status.ASSIGNED, Status.IN_PROGRESS, Status.DONE, Status.CLOSED} <= set(statuses)
    for request in requests:
        departments = list(request.departments.all())
        actions.check_request(request, demo_today(), departments)
        assert {unit.parent_id for unit in departments} == {request.enterprise.unit.parent_id}
        step = request.steps.get()
        assert step.actor.unit_id == request.enterprise.unit_id
    assert any(request.is_overdue(demo_today()) for request in requests)


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The district demo, loaded once for the tests of a class, then rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _load()
        transaction.set_rollback(True)


@pytest.mark.usefixtures("db")
class TestTheDistrictDemo:
    def test_it_has_about_300_requests_in_every_status(self, demo: str) -> None:
        statuses = Counter(ServiceRequest.objects.values_list("status", flat=True))
        assert sum(statuses.values()) == 300
        assert set(statuses) == set(Status)
        assert statuses[Status.CLOSED] > sum(statuses.values()) / 2
        assert "requests: 300 requests" in demo

    def test_some_are_past_their_deadline_and_some_were_finished_late(self, demo: str) -> None:
        today = demo_today()
        requests = list(ServiceRequest.objects.all())
        overdue = [request for request in requests if request.is_overdue(today)]
        assert 5 <= len(overdue) <= 40
        finished = [request for request in requests if request.status in FINISHED]
        late = [request for request in finished if request.on_time is False]
        assert 0.1 * len(finished) <= len(late) <= 0.35 * len(finished)

    def test_visits_are_mostly_none_or_one_with_some_two_or_three(self, demo: str) -> None:
        visits = Counter(
            ServiceRequest.objects.filter(status__in=FINISHED).values_list("visits", flat=True)
        )
        finished = sum(visits.values())
        assert visits[0] + visits[1] >= 0.75 * finished
        assert visits[2] + visits[3] >= 10
        assert set(visits) <= {0, 1, 2, 3}

    def test_satisfaction_is_mostly_satisfied(self, demo: str) -> None:
        ratings = Counter(
            ServiceRequest.objects.filter(status=Status.CLOSED).values_list(
                "satisfaction", flat=True
            )
        )
        assert ratings[Satisfaction.SATISFIED] >= 0.6 * sum(ratings.values())
        assert ratings[Satisfaction.FAIRLY] and ratings[Satisfaction.DISSATISFIED]

    def test_every_request_keeps_the_rules_of_its_record(self, demo: str) -> None:
        today = demo_today()
        for request in ServiceRequest.objects.prefetch_related("departments"):
            departments = list(request.departments.all())
            actions.check_request(request, today, departments)
            assert all(unit.kind == UnitKind.DEPARTMENT for unit in departments)
            assert request.deadline == request.category.deadline_from(request.submitted_on)

    def test_every_step_was_taken_by_whom_the_rules_say_in_order_and_not_later_than_now(
        self, demo: str
    ) -> None:
        now = timezone.now()
        requests = ServiceRequest.objects.select_related("enterprise").prefetch_related(
            "departments", "steps__actor"
        )
        reopened = 0
        for request in requests:
            steps = list(request.steps.all())
            assert steps[0].to_status == Status.SUBMITTED and steps[0].from_status == ""
            assert steps[-1].to_status == request.status
            assert [step.at for step in steps] == sorted(step.at for step in steps)
            assert timezone.localtime(steps[0].at).date() == request.submitted_on
            assert all(step.at <= now for step in steps)
            departments = {unit.pk for unit in request.departments.all()}
            for before, step in itertools.pairwise(steps):
                assert step.from_status == before.to_status
                assert step.actor is not None
                if step.to_status in (Status.IN_PROGRESS, Status.DONE):
                    assert step.actor.unit_id in departments
                else:
                    assert step.actor.unit_id == request.enterprise.unit_id
            reopened += any(step.to_status == Status.REOPENED for step in steps)
        assert reopened >= 3

    def test_the_history_carries_the_steps_actors_and_dates(self, demo: str) -> None:
        request = ServiceRequest.objects.filter(status=Status.CLOSED).order_by("code").first()
        assert request is not None
        versions = list(request.history.order_by("history_date"))
        assert versions[0].history_date == request.steps.first().at
        assert {version.history_user_id for version in versions} == {
            step.actor_id for step in request.steps.all()
        }
        assert timezone.localtime(versions[-1].history_date).date() == request.closed_on

    def test_the_departments_share_the_work_by_category(self, demo: str) -> None:
        handled = Counter(
            ServiceRequest.departments.through.objects.values_list("unit__short_name", flat=True)
        )
        assert len(handled) >= 8
        assert handled.most_common(1)[0][1] <= 120

    def test_running_the_demo_again_changes_nothing(self, demo: str) -> None:
        def state() -> tuple[int, ...]:
            return (
                ServiceRequest.objects.count(),
                ServiceRequest.history.count(),
                RequestStep.objects.count(),
                ServiceCategory.objects.count(),
            )

        before = state()
        assert "already loaded" in _load()
        assert state() == before
