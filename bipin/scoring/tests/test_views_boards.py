"""The pages of the competition's results: 比拼榜, a group's board, the runs and a run's
page with the supervisor's buttons, a unit's 成绩单, the comparison of units and the
section of a unit's page. Each covers who may (the supervisor, the board's readers),
who may not (403), and another unit's object (404); lists keep their query count.

The competition fixture's September (conftest.py) is worked by hand: 锦城 104.80, 於潜
89.83, 太湖源 37.60.
"""

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bipin.core.periods import Period
from bipin.indicators.choices import ValueStatus
from bipin.indicators.models import Target, Value
from bipin.org.choices import UnitKind
from bipin.org.models import Group, GroupMember, Unit
from bipin.scoring.actions import ItemSpec, do_publish_run, do_save_scheme, do_score
from bipin.scoring.choices import Basis, RunStatus
from bipin.scoring.models import Run, Scheme, Score
from bipin.scoring.tests.conftest import EXPECTED_TOTALS, SEPTEMBER, Competition, put_value

pytestmark = pytest.mark.django_db

AUGUST = Period(2026, 8)
REASON = "太湖源镇补报引进市外内资"


def _published(competition: Competition, period: Period = SEPTEMBER) -> Run:
    supervisor = competition.district.supervisor
    return do_publish_run(do_score(competition.scheme, period, actor=supervisor), actor=supervisor)


def _draft(competition: Competition, period: Period = SEPTEMBER) -> Run:
    return do_score(competition.scheme, period, actor=competition.district.supervisor)


def _corrected(competition: Competition) -> tuple[Run, Run]:
    """September published, then 太湖源's 引进市外内资 reported late (600 of 1000: 16
    points more) and the month's correction published with its reason."""
    first = _published(competition)
    put_value(competition.catalogue.outside, competition.town_c, "600")
    supervisor = competition.district.supervisor
    correction = do_publish_run(
        do_score(competition.scheme, SEPTEMBER, actor=supervisor), actor=supervisor, reason=REASON
    )
    return first, correction


def _score(run: Run, short_name: str) -> Score:
    return run.scores.get(unit__short_name=short_name)


def _text(response: Any) -> str:
    return response.content.decode()


def _more_towns(competition: Competition, count: int) -> None:
    """More members of 乡镇组 with September values, to show a page's queries do not grow."""
    catalogue = competition.catalogue
    for number in range(count):
        town = Unit.objects.create(
            kind=UnitKind.TOWN, code=f"33011220{number}", name=f"测试{number}镇",
            short_name=f"测试{number}", parent=competition.district.district, order=200 + number,
        )  # fmt: skip
        GroupMember.objects.create(group=competition.district.group, unit=town, year=2026)
        for indicator, amount in (
            (catalogue.fai, "500"), (catalogue.outside, "400"), (catalogue.gdp_growth, "7.0"),
            (catalogue.start_rate, "80.0"), (catalogue.projects_1yi, "1"),
            (catalogue.new_above, "1"),
        ):  # fmt: skip
            put_value(indicator, town, amount)
        for indicator in (catalogue.fai, catalogue.outside):
            Target.objects.create(indicator=indicator, unit=town, year=2026, amount=Decimal(1000))


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# 比拼榜 ------------------------------------------------------------------------------------------


class TestBoardList:
    def test_the_board_shows_the_latest_published_month_best_first(
        self, competition: Competition, login: Any
    ) -> None:
        _published(competition, AUGUST)
        _published(competition)
        page = _text(login(competition.district.viewer).get(reverse("scoring:list")))
        assert "比拼榜 · 2026年9月" in page
        totals = re.findall(r"<td class=\"text-end fw-semibold\">([\d.]+)</td>", page)
        assert totals == ["104.80", "89.83", "37.60"]
        assert page.index("锦城街道") < page.index("於潜镇") < page.index("太湖源镇")

    def test_the_supervisor_sees_a_draft_month_and_may_score_one_the_viewer_does_not(
        self, competition: Competition, login: Any
    ) -> None:
        _draft(competition)
        supervisor = _text(login(competition.district.supervisor).get(reverse("scoring:list")))
        assert "草稿" in supervisor and "104.80" in supervisor
        assert 'id="score-month"' in supervisor
        viewer = _text(login(competition.district.viewer).get(reverse("scoring:list")))
        assert "104.80" not in viewer and 'id="score-month"' not in viewer
        assert "还没有发布的比拼结果" in viewer

    def test_a_correction_being_prepared_is_shown_beside_the_published_board(
        self, competition: Competition, login: Any
    ) -> None:
        _published(competition)
        draft = _draft(competition)
        supervisor = _text(login(competition.district.supervisor).get(reverse("scoring:list")))
        assert "待发布的更正草稿" in supervisor and draft.get_absolute_url() in supervisor
        leader = _text(login(competition.district.leader).get(reverse("scoring:list")))
        assert draft.get_absolute_url() in leader
        clerk = _text(login(competition.district.clerk_a).get(reverse("scoring:list")))
        assert draft.get_absolute_url() not in clerk and "104.80" in clerk

    def test_a_clerk_reads_the_board_and_opens_only_its_own_scorecard(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        page = _text(login(competition.district.clerk_a).get(reverse("scoring:list")))
        assert reverse("scoring:scorecard", args=[_score(run, "锦城").pk]) in page
        assert reverse("scoring:scorecard", args=[_score(run, "於潜").pk]) not in page
        assert "於潜镇" in page  # on the board, without its breakdown

    def test_a_month_is_picked_by_its_period(self, competition: Competition, login: Any) -> None:
        _published(competition, AUGUST)
        _published(competition)
        page = _text(
            login(competition.district.viewer).get(reverse("scoring:list") + "?period=2026-08")
        )
        assert "比拼榜 · 2026年8月" in page
        assert "104.80" not in page  # August had no values: everyone 0

    def test_an_anonymous_visitor_is_sent_to_sign_in(self, client: Any) -> None:
        response = client.get(reverse("scoring:list"))
        assert response.status_code == 302 and "/login/" in response["Location"]

    def test_the_queries_do_not_grow_with_the_units(
        self, competition: Competition, login: Any, django_assert_max_num_queries: Any
    ) -> None:
        _published(competition)
        client = login(competition.district.supervisor)
        few = _queries(client, reverse("scoring:list"))
        _more_towns(competition, 5)
        _published(competition, AUGUST)
        supervisor = competition.district.supervisor
        do_publish_run(
            do_score(competition.scheme, SEPTEMBER, actor=supervisor),
            actor=supervisor,
            reason="补充单位",
        )
        with django_assert_max_num_queries(few):
            assert "测试4镇" in _text(client.get(reverse("scoring:list")))


# A group's board ----------------------------------------------------------------------------------


def _board_url(competition: Competition, period: Period = SEPTEMBER) -> str:
    return reverse("scoring:board", args=[competition.district.group.pk, period.year, period.month])


class TestBoard:
    def test_the_board_has_every_column_and_a_trend_line_per_unit(
        self, competition: Competition, login: Any
    ) -> None:
        _published(competition, AUGUST)
        run = _published(competition)
        page = _text(login(competition.district.supervisor).get(_board_url(competition)))
        assert "乡镇组比拼榜 · 2026年9月" in page
        for heading in ("名次", "单位", "总分", "指标得分", "加分", "扣分", "位次变化", "名次走势"):
            assert heading in page
        assert page.count("<polyline") == 3
        # 锦城: August shared first place (everyone 0), September first: a flat line at the top.
        assert "名次走势：8月第1名、9月第1名" in page
        # 太湖源 went from a shared first place to third.
        taihu = _score(run, "太湖源")
        assert taihu.change_arrow == "↓2" and "↓2" in page
        assert page.count('name="units"') == 3 and 'id="compare-button"' in page
        assert "text-bg-success" in page  # the traffic lights of the indicators pages

    def test_a_clerk_reads_the_board_but_picks_no_units_to_compare(
        self, competition: Competition, login: Any
    ) -> None:
        _published(competition)
        page = _text(login(competition.district.clerk_b).get(_board_url(competition)))
        assert "锦城街道" in page and "104.80" in page
        assert 'name="units"' not in page  # one breakdown of its own: nothing to compare

    def test_a_correction_says_so_with_its_reason_and_links_to_the_corrected_run(
        self, competition: Competition, login: Any
    ) -> None:
        first, _correction = _corrected(competition)
        page = _text(login(competition.district.viewer).get(_board_url(competition)))
        assert REASON in page and first.get_absolute_url() in page
        assert "53.60" in page  # 太湖源 37.60 + 16

    def test_a_month_with_only_a_draft_is_not_found_for_the_viewer(
        self, competition: Competition, login: Any
    ) -> None:
        _draft(competition)
        assert login(competition.district.viewer).get(_board_url(competition)).status_code == 404
        assert login(competition.district.leader).get(_board_url(competition)).status_code == 200

    def test_a_group_of_another_year_or_month_is_not_found(
        self, competition: Competition, login: Any
    ) -> None:
        _published(competition)
        client = login(competition.district.supervisor)
        group = competition.district.group
        assert client.get(reverse("scoring:board", args=[group.pk, 2025, 9])).status_code == 404
        assert client.get(reverse("scoring:board", args=[group.pk, 2026, 13])).status_code == 404
        assert client.get(reverse("scoring:board", args=[9999, 2026, 9])).status_code == 404

    def test_the_queries_do_not_grow_with_the_units(
        self, competition: Competition, login: Any, django_assert_max_num_queries: Any
    ) -> None:
        _published(competition, AUGUST)
        _published(competition)
        client = login(competition.district.supervisor)
        few = _queries(client, _board_url(competition))
        _more_towns(competition, 6)
        supervisor = competition.district.supervisor
        do_publish_run(
            do_score(competition.scheme, SEPTEMBER, actor=supervisor),
            actor=supervisor,
            reason="补充单位",
        )
        with django_assert_max_num_queries(few):
            assert _text(client.get(_board_url(competition))).count("<polyline") == 9


# Runs ---------------------------------------------------------------------------------------------


class TestRuns:
    def test_the_supervisor_and_leaders_see_drafts_the_others_published_runs_only(
        self, competition: Competition, login: Any
    ) -> None:
        published = _published(competition, AUGUST)
        draft = _draft(competition)
        for user in (competition.district.supervisor, competition.district.leader):
            page = _text(login(user).get(reverse("scoring:runs")))
            assert draft.get_absolute_url() in page and published.get_absolute_url() in page
        for user in (competition.district.clerk_a, competition.district.viewer):
            page = _text(login(user).get(reverse("scoring:runs")))
            assert draft.get_absolute_url() not in page and published.get_absolute_url() in page

    def test_runs_are_filtered_by_status_month_and_group(
        self, competition: Competition, login: Any
    ) -> None:
        published = _published(competition, AUGUST)
        draft = _draft(competition)
        client = login(competition.district.supervisor)
        drafts = _text(client.get(reverse("scoring:runs") + "?status=draft"))
        assert draft.get_absolute_url() in drafts and published.get_absolute_url() not in drafts
        august = _text(client.get(reverse("scoring:runs") + "?month=8&year=2026"))
        assert published.get_absolute_url() in august and draft.get_absolute_url() not in august
        other = Group.objects.create(year=2026, code="other", name="其他组", order=9)
        none = _text(client.get(reverse("scoring:runs") + f"?group={other.pk}"))
        assert "共 0 次评分" in none

    def test_htmx_gets_the_results_only(self, competition: Competition, login: Any) -> None:
        _published(competition)
        page = _text(
            login(competition.district.viewer).get(reverse("scoring:runs"), HTTP_HX_REQUEST="true")
        )
        assert 'id="run-table"' in page and "<html" not in page

    def test_the_queries_do_not_grow_with_the_runs(
        self, competition: Competition, login: Any, django_assert_max_num_queries: Any
    ) -> None:
        _published(competition, AUGUST)
        client = login(competition.district.supervisor)
        few = _queries(client, reverse("scoring:runs"))
        for month in (5, 6, 7):
            _published(competition, Period(2026, month))
        _draft(competition)
        with django_assert_max_num_queries(few):
            assert "共 5 次评分" in _text(client.get(reverse("scoring:runs")))


class TestRun:
    def test_a_run_shows_its_board_scheme_people_and_counts(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        page = _text(login(competition.district.viewer).get(run.get_absolute_url()))
        assert "乡镇组评分 · 2026年9月" in page and "乡镇组测试方案" in page
        assert "督查员" in page  # computed and published by
        # 4 items × 3 towns, 太湖源's 引进市外内资 missing.
        assert re.search(r'id="value-count">\s*11 项', page)
        assert re.search(r'id="missing-count">\s*1 项', page)
        assert 'id="run-actions"' not in page

    def test_a_correction_shows_the_difference_per_unit_and_the_reason(
        self, competition: Competition, login: Any
    ) -> None:
        first, correction = _corrected(competition)
        page = _text(login(competition.district.clerk_a).get(correction.get_absolute_url()))
        assert REASON in page and "较更正前" in page and "+16.00" in page
        replaced = _text(login(competition.district.clerk_a).get(first.get_absolute_url()))
        assert 'id="replaced-note"' in replaced and correction.get_absolute_url() in replaced

    def test_a_draft_is_not_found_for_a_clerk_and_has_the_supervisors_buttons(
        self, competition: Competition, login: Any
    ) -> None:
        draft = _draft(competition)
        assert login(competition.district.clerk_a).get(draft.get_absolute_url()).status_code == 404
        leader = _text(login(competition.district.leader).get(draft.get_absolute_url()))
        assert "草稿" in leader and 'id="run-actions"' not in leader
        supervisor = _text(login(competition.district.supervisor).get(draft.get_absolute_url()))
        assert 'id="publish-form"' in supervisor and 'id="discard"' in supervisor

    def test_the_supervisor_publishes_a_draft(self, competition: Competition, login: Any) -> None:
        draft = _draft(competition)
        response = login(competition.district.supervisor).post(
            reverse("scoring:run_publish", args=[draft.pk])
        )
        assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()
        assert Run.objects.get(pk=draft.pk).status == RunStatus.PUBLISHED

    def test_a_correction_is_not_published_without_its_reason(
        self, competition: Competition, login: Any
    ) -> None:
        _published(competition)
        correction = _draft(competition)
        client = login(competition.district.supervisor)
        refused = client.post(reverse("scoring:run_publish", args=[correction.pk]), {"reason": " "})
        assert refused.status_code == 200
        assert "发布更正须说明原因" in _text(refused)
        assert Run.objects.get(pk=correction.pk).status == RunStatus.DRAFT
        client.post(reverse("scoring:run_publish", args=[correction.pk]), {"reason": REASON})
        assert Run.objects.get(pk=correction.pk).correction_reason == REASON

    def test_a_published_run_is_not_published_again_nor_discarded(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        client = login(competition.district.supervisor)
        again = client.post(reverse("scoring:run_publish", args=[run.pk]))
        assert "该评分已发布" in _text(again)
        discard = client.post(reverse("scoring:run_discard", args=[run.pk]))
        assert "已发布的评分不能删除" in _text(discard)
        assert Run.objects.filter(pk=run.pk).exists()

    def test_the_supervisor_discards_a_draft(self, competition: Competition, login: Any) -> None:
        draft = _draft(competition)
        response = login(competition.district.supervisor).post(
            reverse("scoring:run_discard", args=[draft.pk])
        )
        assert response.status_code == 302 and "period=2026-09" in response["Location"]
        assert not Run.objects.filter(pk=draft.pk).exists()

    def test_scoring_a_published_month_again_makes_a_correction_draft(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        response = login(competition.district.supervisor).post(
            reverse("scoring:run_rescore", args=[run.pk])
        )
        draft = Run.objects.drafts().get()
        assert response["Location"] == draft.get_absolute_url()
        assert draft.corrects_id == run.pk

    def test_only_the_supervisor_acts_on_runs(self, competition: Competition, login: Any) -> None:
        run = _published(competition)
        draft = _draft(competition, AUGUST)
        for user in (competition.district.leader, competition.district.clerk_a):
            client = login(user)
            for name in ("scoring:run_publish", "scoring:run_discard", "scoring:run_rescore"):
                # A published run they see: forbidden; a draft a clerk does not see: not found.
                assert client.post(reverse(name, args=[run.pk])).status_code == 403
                expected = 403 if user == competition.district.leader else 404
                assert client.post(reverse(name, args=[draft.pk])).status_code == expected
        assert Run.objects.get(pk=draft.pk).status == RunStatus.DRAFT


class TestRunNew:
    def test_the_supervisor_scores_a_month_and_lands_on_the_draft(
        self, competition: Competition, login: Any
    ) -> None:
        client = login(competition.district.supervisor)
        form = _text(client.get(reverse("scoring:run_new") + "?period=2026-09"))
        assert "2026 乡镇组" in form and 'value="9" selected' in form
        response = client.post(
            reverse("scoring:run_new"), {"group": competition.district.group.pk, "month": 9}
        )
        run = Run.objects.get()
        assert response["Location"] == run.get_absolute_url()
        assert run.status == RunStatus.DRAFT and run.scheme == competition.scheme
        assert run.scores.get(unit=competition.town_c).total == EXPECTED_TOTALS["太湖源"]

    def test_a_group_without_a_scheme_or_a_month_to_come_is_refused(
        self, competition: Competition, login: Any
    ) -> None:
        client = login(competition.district.supervisor)
        bare = Group.objects.create(year=2026, code="bare", name="新组", order=5)
        page = _text(client.post(reverse("scoring:run_new"), {"group": bare.pk, "month": 9}))
        assert "“新组”还没有评分方案" in page
        later = Group.objects.create(year=2099, code="later", name="远期组", order=6)
        do_save_scheme(
            Scheme(group=later, name="远期方案"),
            items=[ItemSpec(competition.catalogue.fai, Decimal(100), Basis.COMPLETION)],
            adjustments=[],
            actor=competition.district.supervisor,
        )
        page = _text(client.post(reverse("scoring:run_new"), {"group": later.pk, "month": 3}))
        assert "2099年3月尚未开始" in page
        assert not Run.objects.exists()

    def test_no_one_but_the_supervisor_scores(self, competition: Competition, login: Any) -> None:
        for user in (competition.district.leader, competition.district.manager_a):
            client = login(user)
            assert client.get(reverse("scoring:run_new")).status_code == 403
            posted = client.post(
                reverse("scoring:run_new"), {"group": competition.district.group.pk, "month": 9}
            )
            assert posted.status_code == 403
        assert not Run.objects.exists()


# A unit's 成绩单 ---------------------------------------------------------------------------------


class TestScorecard:
    def test_every_line_is_shown_and_they_add_up_to_the_total(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        score = _score(run, "锦城")
        response = login(competition.district.clerk_a).get(
            reverse("scoring:scorecard", args=[score.pk])
        )
        page = _text(response)
        assert "锦城街道成绩单 · 2026年9月" in page
        for text in ("固定资产投资", "900.0 万元", "1,000.0 万元", "90.0%", "75.0%", "+15.0",
                     "120.0%", "48.00", "第 1 位", "亿元以上项目加分", "+1.00", "-0.20",
                     "每个 0.5 分，封顶 1 分"):  # fmt: skip
            assert text in page, text
        assert re.search(r'id="lines-total">104.80<', page)
        assert response.context["lines_total"] == score.total == Decimal("104.80")
        # 锦城 lost 16 × 0.2 = 4 points on 引进市外内资 (80 % of pace).
        assert "4.00" in page

    def test_a_line_without_an_approved_value_says_so(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        page = _text(login(competition.district.supervisor).get(
            reverse("scoring:scorecard", args=[_score(run, "太湖源").pk])
        ))  # fmt: skip
        assert "无审核数据" in page and re.search(r'id="lines-total">37.60<', page)

    def test_the_rank_history_is_charted_with_the_first_place_on_top(
        self, competition: Competition, login: Any
    ) -> None:
        _published(competition, AUGUST)
        run = _published(competition)
        page = _text(login(competition.district.viewer).get(
            reverse("scoring:scorecard", args=[_score(run, "太湖源").pk])
        ))  # fmt: skip
        found = re.search(r'id="rank-history-data"[^>]*>(.*?)</script>', page)
        assert found is not None
        data = json.loads(found.group(1))
        assert data["months"] == ["8月", "9月"] and data["ranks"] == [1, 3]
        assert data["totals"] == [0.0, 37.6] and data["places"] == 3
        assert "inverse: true" in page and "vendor/echarts/echarts.min.js" in page

    def test_another_units_scorecard_is_not_found(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        url = reverse("scoring:scorecard", args=[_score(run, "锦城").pk])
        assert login(competition.district.clerk_b).get(url).status_code == 404
        assert login(competition.district.manager_a).get(url).status_code == 200
        assert login(competition.district.viewer).get(url).status_code == 200

    def test_a_drafts_scorecard_is_the_supervisors_and_leaders_only(
        self, competition: Competition, login: Any
    ) -> None:
        draft = _draft(competition)
        url = reverse("scoring:scorecard", args=[_score(draft, "锦城").pk])
        assert login(competition.district.clerk_a).get(url).status_code == 404
        assert login(competition.district.viewer).get(url).status_code == 404
        assert login(competition.district.leader).get(url).status_code == 200

    def test_a_corrected_scorecard_points_to_the_correction(
        self, competition: Competition, login: Any
    ) -> None:
        first, correction = _corrected(competition)
        client = login(competition.district.supervisor)
        old = _text(client.get(reverse("scoring:scorecard", args=[_score(first, "太湖源").pk])))
        assert 'id="replaced-note"' in old
        new = _text(
            client.get(reverse("scoring:scorecard", args=[_score(correction, "太湖源").pk]))
        )
        assert REASON in new and "53.60" in new

    def test_the_queries_do_not_grow_with_the_history(
        self, competition: Competition, login: Any, django_assert_max_num_queries: Any
    ) -> None:
        run = _published(competition)
        client = login(competition.district.clerk_a)
        few = _queries(client, reverse("scoring:scorecard", args=[_score(run, "锦城").pk]))
        for month in (6, 7, 8):
            _published(competition, Period(2026, month))
        later = do_publish_run(
            _draft(competition), actor=competition.district.supervisor, reason="再次核对"
        )
        url = reverse("scoring:scorecard", args=[_score(later, "锦城").pk])
        with django_assert_max_num_queries(few):
            assert "8月" in _text(client.get(url))


class TestUnitScorecard:
    def _url(self, unit: Unit, period: Period = SEPTEMBER) -> str:
        return reverse("scoring:unit_scorecard", args=[unit.pk, period.year, period.month])

    def test_a_unit_and_month_lead_to_the_current_runs_scorecard(
        self, competition: Competition, login: Any
    ) -> None:
        _first, correction = _corrected(competition)
        response = login(competition.district.clerk_a).get(self._url(competition.district.town_a))
        assert response["Location"] == reverse(
            "scoring:scorecard", args=[_score(correction, "锦城").pk]
        )

    def test_another_unit_or_an_unscored_month_is_not_found(
        self, competition: Competition, login: Any
    ) -> None:
        _published(competition)
        client = login(competition.district.clerk_b)
        assert client.get(self._url(competition.district.town_a)).status_code == 404
        assert client.get(self._url(competition.district.town_b)).status_code == 302
        assert client.get(self._url(competition.district.town_b, AUGUST)).status_code == 404


# Comparing units ------------------------------------------------------------------------------------


def _compare_url(run: Run, *units: Unit) -> str:
    ids = ",".join(str(unit.pk) for unit in units)
    return f"{reverse('scoring:compare')}?run={run.pk}&units={ids}"


class TestCompare:
    def test_units_side_by_side_with_the_best_highlighted(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        units = competition.units
        page = _text(login(competition.district.supervisor).get(
            _compare_url(run, units["太湖源"], units["锦城"], units["於潜"])
        ))  # fmt: skip
        assert "单位对比 · 乡镇组 2026年9月" in page
        # Best first, whatever order they were picked in.
        assert page.index("锦城街道") < page.index("於潜镇") < page.index("太湖源镇")
        table = page[page.index('id="compare-table"') :]
        # 固定资产投资: 锦城 48 is the best; 项目开工率: 锦城 and 於潜 share 20.
        assert re.search(r'compare-best">\s*<span class="fw-semibold">48.00', table)
        # 20.00 is the best four times: 於潜's 引进市外内资 (on pace), 锦城's 地区生产总值增速,
        # and 项目开工率 of both 锦城 and 於潜 (a shared first place).
        assert len(re.findall(r'compare-best">\s*<span class="fw-semibold">20.00', table)) == 4
        assert re.search(r'compare-best">104.80<', table)

    def test_the_checkboxes_of_the_board_are_read_as_repeated_units(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        url = (
            f"{reverse('scoring:compare')}?run={run.pk}"
            f"&units={competition.district.town_a.pk}&units={competition.town_c.pk}"
        )
        page = _text(login(competition.district.viewer).get(url))
        assert "锦城街道" in page and "太湖源镇" in page and "於潜镇" not in page

    def test_a_unit_whose_breakdown_the_user_may_not_read_is_not_found(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        url = _compare_url(run, competition.district.town_a, competition.district.town_b)
        assert login(competition.district.clerk_a).get(url).status_code == 404
        assert login(competition.district.leader).get(url).status_code == 200

    def test_fewer_than_two_units_or_a_wrong_run_is_refused(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        client = login(competition.district.supervisor)
        one = client.get(_compare_url(run, competition.district.town_a))
        assert one.status_code == 400 and "至少两个单位" in _text(one)
        assert client.get(f"{reverse('scoring:compare')}?run=x&units=1,2").status_code == 404
        assert client.get(f"{reverse('scoring:compare')}?run={run.pk}&units=1,a").status_code == 404
        draft = _draft(competition, AUGUST)
        url = _compare_url(draft, competition.district.town_a, competition.district.town_b)
        assert login(competition.district.viewer).get(url).status_code == 404

    def test_the_queries_do_not_grow_with_the_units(
        self, competition: Competition, login: Any, django_assert_max_num_queries: Any
    ) -> None:
        run = _published(competition)
        client = login(competition.district.supervisor)
        few = _queries(
            client, _compare_url(run, competition.district.town_a, competition.district.town_b)
        )
        with django_assert_max_num_queries(few):
            client.get(_compare_url(run, *competition.units.values()))


# The section of a unit's page ------------------------------------------------------------------------


class TestUnitSection:
    def test_a_units_page_shows_its_latest_published_rank_and_its_scorecard(
        self, competition: Competition, login: Any
    ) -> None:
        _published(competition, AUGUST)
        run = _published(competition)
        _draft(competition, Period(2026, 10))
        page = _text(
            login(competition.district.clerk_b).get(competition.district.town_b.get_absolute_url())
        )
        section = page[page.index('id="scoring"') :]
        assert "比拼 · 乡镇组 2026年9月" in section
        assert re.search(r'id="scoring-rank">2<', section)
        assert reverse("scoring:scorecard", args=[_score(run, "於潜").pk]) in section

    def test_a_leader_sees_another_towns_section_and_a_never_scored_unit_has_none(
        self, competition: Competition, login: Any
    ) -> None:
        _published(competition)
        client = login(competition.district.leader)
        assert 'id="scoring"' in _text(client.get(competition.district.town_a.get_absolute_url()))
        assert 'id="scoring"' not in _text(
            client.get(competition.district.office.get_absolute_url())
        )

    def test_a_draft_gives_no_section(self, competition: Competition, login: Any) -> None:
        _draft(competition)
        page = _text(
            login(competition.district.supervisor).get(
                competition.district.town_a.get_absolute_url()
            )
        )
        assert 'id="scoring"' not in page


def test_values_submitted_but_not_approved_are_not_scored_on_the_board(
    competition: Competition, login: Any
) -> None:
    """The board shows what the run scored: a value the unit has not had approved earns
    nothing (engine.py), which the 成绩单 says."""
    Value.objects.filter(
        unit=competition.district.town_a, indicator=competition.catalogue.fai
    ).update(status=ValueStatus.SUBMITTED)
    run = _published(competition)
    page = _text(login(competition.district.clerk_a).get(
        reverse("scoring:scorecard", args=[_score(run, "锦城").pk])
    ))  # fmt: skip
    assert "无审核数据" in page and re.search(r'id="lines-total">56.80<', page)
