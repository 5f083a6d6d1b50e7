"""比拼 on the Lin'an demo: `bipin score` gives every group's board, every 成绩单 adds up,
and September's correction left the first September run as it was.

The district demo is loaded once for the tests of the class (inside a transaction rolled
back at the end), as the indicators' demo tests do.
"""

from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.test.utils import override_settings

from bipin.core.periods import Period
from bipin.org.models import Group
from bipin.scoring.demo import CORRECTION_REASON, OPEN_MONTH, PUBLISHED_MONTHS
from bipin.scoring.engine import score_scheme
from bipin.scoring.models import Run, Score, ScoreItem


@pytest.fixture(scope="class")
def demo(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        out = StringIO()
        call_command("demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.mark.usefixtures("db")
class TestTheDemosCompetition:
    def test_every_group_has_a_published_board_for_every_month_to_september(
        self, demo: str
    ) -> None:
        assert "scoring: 4 schemes" in demo
        for group in Group.objects.filter(year=2026):
            months = set(Run.objects.current().filter(group=group).values_list("month", flat=True))
            assert months == set(PUBLISHED_MONTHS), group
            assert Run.objects.drafts().filter(group=group, month=OPEN_MONTH).exists()

    def test_bipin_score_prints_every_groups_board(self, demo: str) -> None:
        out = StringIO()
        call_command("score", "all", "2026-10", stdout=out)
        printed = out.getvalue()
        for group in Group.objects.filter(year=2026).prefetch_related("members"):
            assert f"{group.name} 2026年1-10月" in printed
            for unit in group.members.all():
                assert unit.name in printed, (group, unit)

    def test_every_scorecard_adds_up_to_its_total(self, demo: str) -> None:
        sums = dict(
            ScoreItem.objects.values("score")
            .annotate(points=Sum("points"))
            .values_list("score", "points")
        )
        scores = list(Score.objects.values_list("pk", "total", "item_points", "bonus", "deduction"))
        assert len(scores) > 300
        for pk, total, item_points, bonus, deduction in scores:
            assert sums[pk] == total
            assert item_points + bonus - deduction == total

    def test_the_september_correction_leaves_the_first_run_as_it_was(self, demo: str) -> None:
        correction = Run.objects.get(corrects__isnull=False, status="published")
        first = correction.corrects
        assert first is not None and correction.correction_reason == CORRECTION_REASON
        assert (first.group.code, first.month, correction.month) == ("jiedao", 9, 9)
        # The first run keeps the value it was scored on; the correction has the new one.
        line = "items__actual"
        before = first.scores.filter(unit__short_name="锦城", items__indicator__code="OUTSIDE")
        after = correction.scores.filter(unit__short_name="锦城", items__indicator__code="OUTSIDE")
        assert before.values_list(line, flat=True).get() < after.values_list(line, flat=True).get()
        # And a fresh computation of the month agrees with the correction, not the first run.
        board = score_scheme(correction.scheme, Period(2026, 9))
        fresh = {result.unit.pk: result.total for result in board.results}
        stored = dict(correction.scores.values_list("unit_id", "total"))
        assert fresh == stored
        assert dict(first.scores.values_list("unit_id", "total")) != stored
        assert all(isinstance(total, Decimal) for total in stored.values())
