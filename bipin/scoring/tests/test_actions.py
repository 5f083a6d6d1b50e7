"""Schemes and runs through their actions: all or nothing, frozen once published, a
published run never changes, a correction says what it corrects."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bipin.core.periods import Period
from bipin.indicators.choices import ValueStatus
from bipin.indicators.models import Value
from bipin.scoring.actions import (
    AdjustmentSpec,
    ItemSpec,
    do_discard_run,
    do_new_scheme_version,
    do_publish_run,
    do_save_scheme,
    do_score,
    item_specs,
    score_changes,
)
from bipin.scoring.choices import AdjustmentKind, Basis, EfficacyForm, RunStatus
from bipin.scoring.models import Run, Scheme, SchemeItem, Score
from bipin.scoring.tests.conftest import EXPECTED_TOTALS, SEPTEMBER, Competition, put_value

pytestmark = pytest.mark.django_db


def _totals(run: Run) -> dict[str, Decimal]:
    return dict(run.scores.values_list("unit__short_name", "total"))


class TestSchemes:
    def test_a_scheme_with_a_broken_item_saves_nothing_and_names_every_broken_rule(
        self, competition: Competition
    ) -> None:
        catalogue, supervisor = competition.catalogue, competition.district.supervisor
        scheme = Scheme(group=competition.district.group, name="第二个方案")
        with pytest.raises(ValidationError) as refused:
            do_save_scheme(
                scheme,
                items=[
                    ItemSpec(catalogue.fai, Decimal(50), Basis.COMPLETION),
                    # A growth rate has no annual amount to be on pace with.
                    ItemSpec(catalogue.gdp_growth, Decimal(30), Basis.COMPLETION),
                    ItemSpec(
                        catalogue.outside,
                        Decimal(20),
                        Basis.LEVEL,
                        efficacy_form=EfficacyForm.THRESHOLD,
                    ),
                ],
                adjustments=[],
                actor=supervisor,
            )
        messages = refused.value.messages
        assert any("第 2 项“地区生产总值增速”" in message for message in messages)
        assert any("第 3 项“引进市外内资”：阈值法须填写满意值和不允许值" in m for m in messages)
        assert Scheme.objects.filter(name="第二个方案").count() == 0
        assert SchemeItem.objects.count() == 4  # the fixture's, untouched

    def test_only_the_supervisor_makes_schemes(self, competition: Competition) -> None:
        items, adjustments = item_specs(competition.scheme)
        with pytest.raises(ValidationError, match="只有督查室"):
            do_save_scheme(
                competition.scheme,
                items=items,
                adjustments=adjustments,
                actor=competition.district.manager_a,
            )

    def test_publishing_freezes_the_scheme_and_a_new_version_copies_it(
        self, competition: Competition
    ) -> None:
        supervisor = competition.district.supervisor
        run = do_score(competition.scheme, SEPTEMBER, actor=supervisor)
        do_publish_run(run, actor=supervisor)
        competition.scheme.refresh_from_db()
        assert competition.scheme.is_frozen
        items, adjustments = item_specs(competition.scheme)
        with pytest.raises(ValidationError, match="另存为新版本") as refused:
            do_save_scheme(
                competition.scheme, items=items, adjustments=adjustments, actor=supervisor
            )
        assert refused.value.code == "frozen"

        copy = do_new_scheme_version(competition.scheme, actor=supervisor)
        assert (copy.version, copy.is_frozen) == (2, False)
        assert [i.indicator_id for i in copy.items.all()] == [
            i.indicator_id for i in competition.scheme.items.all()
        ]
        assert copy.adjustments.count() == 2
        # The copy can change: the published run keeps the first version.
        items, adjustments = item_specs(copy)
        items[0].weight = Decimal(50)
        do_save_scheme(copy, items=items, adjustments=adjustments, actor=supervisor)
        assert copy.items.get(indicator=competition.catalogue.fai).weight == 50
        assert competition.scheme.items.get(indicator=competition.catalogue.fai).weight == 40


class TestRuns:
    def test_a_run_keeps_the_hand_worked_board(self, competition: Competition) -> None:
        run = do_score(competition.scheme, SEPTEMBER, actor=competition.district.supervisor)
        assert run.status == RunStatus.DRAFT
        assert _totals(run) == EXPECTED_TOTALS
        assert (run.value_count, run.missing_count) == (11, 1)
        for score in run.scores.prefetch_related("items"):
            assert score.total == sum(item.points for item in score.items.all())
            assert score.total == score.item_points + score.bonus - score.deduction

    def test_scoring_again_replaces_the_draft(self, competition: Competition) -> None:
        supervisor = competition.district.supervisor
        first = do_score(competition.scheme, SEPTEMBER, actor=supervisor)
        second = do_score(competition.scheme, SEPTEMBER, actor=supervisor)
        assert not Run.objects.filter(pk=first.pk).exists()
        assert list(Run.objects.values_list("pk", flat=True)) == [second.pk]
        assert Score.objects.count() == 3

    def test_a_scheme_of_another_year_is_refused(self, competition: Competition) -> None:
        with pytest.raises(ValidationError, match="2026 年的方案"):
            do_score(competition.scheme, Period(2025, 9), actor=competition.district.supervisor)

    def test_only_the_supervisor_scores_and_publishes(self, competition: Competition) -> None:
        district = competition.district
        with pytest.raises(ValidationError, match="只有督查室"):
            do_score(competition.scheme, SEPTEMBER, actor=district.leader)
        run = do_score(competition.scheme, SEPTEMBER, actor=district.supervisor)
        with pytest.raises(ValidationError, match="只有督查室"):
            do_publish_run(run, actor=district.manager_a)
        with pytest.raises(ValidationError, match="只有督查室"):
            do_discard_run(run, actor=district.clerk_a)

    def test_a_published_run_cannot_be_published_again_or_discarded(
        self, competition: Competition
    ) -> None:
        supervisor = competition.district.supervisor
        run = do_publish_run(
            do_score(competition.scheme, SEPTEMBER, actor=supervisor), actor=supervisor
        )
        with pytest.raises(ValidationError, match="已发布"):
            do_publish_run(run, actor=supervisor)
        with pytest.raises(ValidationError, match="不能删除"):
            do_discard_run(run, actor=supervisor)
        draft = do_score(competition.scheme, Period(2026, 8), actor=supervisor)
        do_discard_run(draft, actor=supervisor)
        assert not Run.objects.filter(pk=draft.pk).exists()

    def test_a_published_run_is_unchanged_after_its_values_are_corrected_and_the_correction_shows_the_difference(
        self, competition: Competition
    ) -> None:
        supervisor = competition.district.supervisor
        published = do_publish_run(
            do_score(competition.scheme, SEPTEMBER, actor=supervisor), actor=supervisor
        )
        lines_before = list(
            published.scores.order_by("unit_id").values_list("unit_id", "items__points")
        )
        # 太湖源's 引进市外内资 arrives late and is approved: 750 → on pace → +20 points.
        put_value(competition.catalogue.outside, competition.town_c, "750")
        Value.objects.filter(
            unit=competition.district.town_b, indicator=competition.catalogue.fai
        ).update(amount=Decimal(600), status=ValueStatus.LOCKED)
        correction = do_score(competition.scheme, SEPTEMBER, actor=supervisor)
        assert correction.corrects_id == published.pk
        with pytest.raises(ValidationError) as refused:
            do_publish_run(correction, actor=supervisor)
        assert "reason" in refused.value.message_dict
        correction = do_publish_run(
            correction, actor=supervisor, reason="太湖源镇补报引进市外内资；於潜镇投资更正"
        )

        published.refresh_from_db()
        assert _totals(published) == EXPECTED_TOTALS
        assert (
            list(published.scores.order_by("unit_id").values_list("unit_id", "items__points"))
            == lines_before
        )
        units = competition.units
        changes = score_changes(correction)
        assert changes[units["太湖源"].pk] == Decimal("20.00")
        assert changes[units["於潜"].pk] == Decimal("-8.00")  # 600/750 → 0.8 of 40
        assert changes[units["锦城"].pk] == Decimal(0)
        assert Run.objects.current().get() == correction
        assert correction.correction_reason.startswith("太湖源镇补报")

    def test_rank_changes_compare_with_the_previous_published_month(
        self, competition: Competition
    ) -> None:
        supervisor, catalogue, units = (
            competition.district.supervisor,
            competition.catalogue,
            competition.units,
        )
        august = Period(2026, 8)
        # In August 太湖源 led on everything it was scored on.
        for short_name, (fai, gdp) in {
            "锦城": ("100", "5.0"),
            "於潜": ("200", "6.0"),
            "太湖源": ("650", "9.0"),
        }.items():
            put_value(catalogue.fai, units[short_name], fai, august)
            put_value(catalogue.gdp_growth, units[short_name], gdp, august)
        do_publish_run(do_score(competition.scheme, august, actor=supervisor), actor=supervisor)
        september = do_score(competition.scheme, SEPTEMBER, actor=supervisor)
        scores = {s.unit.short_name: s for s in september.scores.select_related("unit")}
        assert scores["太湖源"].previous_rank == 1 and scores["太湖源"].rank == 3
        assert scores["太湖源"].change_arrow == "↓2"
        assert scores["锦城"].change_arrow == "↑2"
        assert september.previous is not None and september.previous.month == 8

    def test_equal_totals_share_a_rank(self, competition: Competition) -> None:
        catalogue, units = competition.catalogue, competition.units
        Value.objects.filter(unit=units["於潜"]).delete()
        Value.objects.filter(unit=units["太湖源"]).delete()
        for unit in (units["於潜"], units["太湖源"]):
            put_value(catalogue.fai, unit, "750")
        run = do_score(competition.scheme, SEPTEMBER, actor=competition.district.supervisor)
        ranks = dict(run.scores.values_list("unit__short_name", "rank"))
        assert ranks == {"锦城": 1, "於潜": 2, "太湖源": 2}


def test_a_draft_value_does_not_count(competition: Competition) -> None:
    Value.objects.filter(
        unit=competition.district.town_a, indicator=competition.catalogue.fai
    ).update(status=ValueStatus.SUBMITTED)
    run = do_score(competition.scheme, SEPTEMBER, actor=competition.district.supervisor)
    jincheng = run.scores.get(unit=competition.district.town_a)
    fai = jincheng.items.get(indicator=competition.catalogue.fai)
    assert (fai.state, fai.points, fai.actual) == ("no_value", Decimal(0), None)
    assert jincheng.total == EXPECTED_TOTALS["锦城"] - Decimal(48)


def test_a_bonus_on_the_excess_over_the_target_counts_only_beyond_it(
    competition: Competition,
) -> None:
    from bipin.indicators.models import Target
    from bipin.scoring.choices import Counting

    catalogue = competition.catalogue
    for unit in competition.units.values():
        Target.objects.create(indicator=catalogue.projects_1yi, unit=unit, year=2026, amount=2)
    items, _adjustments = item_specs(competition.scheme)
    scheme = do_save_scheme(
        Scheme(group=competition.district.group, name="超额加分"),
        items=items,
        adjustments=[
            AdjustmentSpec(
                AdjustmentKind.BONUS,
                "超目标项目",
                catalogue.projects_1yi,
                Decimal("0.1"),
                Decimal(3),
                Counting.EXCESS,
            )
        ],
        actor=competition.district.supervisor,
    )
    run = do_score(scheme, SEPTEMBER, actor=competition.district.supervisor)
    bonus = dict(run.scores.values_list("unit__short_name", "bonus"))
    assert bonus == {"锦城": Decimal("0.10"), "於潜": Decimal(0), "太湖源": Decimal(0)}
