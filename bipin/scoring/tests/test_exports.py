"""The Excel exports of the results (exports.py), downloaded as each user would and read
back with python_calamine, a library that did not write them: a run's board, a unit's
成绩单 (its lines add up to its total) and the comparison of units; who may not read the
page gets 404 for its export too."""

from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from bipin.core.periods import Period
from bipin.scoring.actions import do_publish_run, do_score
from bipin.scoring.models import Run, Score
from bipin.scoring.tests.conftest import SEPTEMBER, Competition, put_value

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _published(competition: Competition, period: Period = SEPTEMBER) -> Run:
    supervisor = competition.district.supervisor
    return do_publish_run(do_score(competition.scheme, period, actor=supervisor), actor=supervisor)


def _sheet(response: Any, name: str) -> list[list[Any]]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    book = CalamineWorkbook.from_filelike(BytesIO(response.content))
    return book.get_sheet_by_name(name).to_python()


def _table(rows: list[list[Any]], first_header: str) -> tuple[list[Any], list[list[Any]]]:
    """The header row (found by its first cell) and the rows under it."""
    start = next(index for index, row in enumerate(rows) if row and row[0] == first_header)
    return rows[start], rows[start + 1 :]


def _score(run: Run, short_name: str) -> Score:
    return run.scores.get(unit__short_name=short_name)


class TestBoardExport:
    def test_the_board_is_exported_best_first_with_its_heading(
        self, competition: Competition, login: Any
    ) -> None:
        _published(competition, Period(2026, 8))
        run = _published(competition)
        response = login(competition.district.viewer).get(
            reverse("scoring:board_export", args=[run.pk])
        )
        assert "2026-09" in response["Content-Disposition"]
        rows = _sheet(response, "比拼榜")
        assert rows[0][0] == "乡镇组 2026年9月 比拼榜"
        header, body = _table(rows, "名次")
        assert header == [
            "名次", "单位", "总分", "指标得分", "加分", "扣分", "上期名次", "位次变化",
            "加权序时差距（百分点）", "颜色",
        ]  # fmt: skip
        assert [(row[0], row[1], row[2]) for row in body] == [
            (1, "锦城街道", 104.8),
            (2, "於潜镇", 89.83),
            (3, "太湖源镇", 37.6),
        ]
        jincheng = body[0]
        # Item points + bonus + deduction (negative) = the total.
        assert (jincheng[3], jincheng[4], jincheng[5]) == (104.0, 1.0, -0.2)
        assert jincheng[3] + jincheng[4] + jincheng[5] == pytest.approx(jincheng[2])
        # August: nothing approved, everyone shared first place.
        assert [row[6] for row in body] == [1, 1, 1]
        assert [row[7] for row in body] == ["—", "↓1", "↓2"]

    def test_a_correction_says_so_in_its_heading(
        self, competition: Competition, login: Any
    ) -> None:
        _published(competition)
        put_value(competition.catalogue.outside, competition.town_c, "600")
        supervisor = competition.district.supervisor
        correction = do_publish_run(
            do_score(competition.scheme, SEPTEMBER, actor=supervisor),
            actor=supervisor,
            reason="补报",
        )
        rows = _sheet(
            login(supervisor).get(reverse("scoring:board_export", args=[correction.pk])), "比拼榜"
        )
        assert rows[0][0] == "乡镇组 2026年9月 比拼榜（更正）"
        _header, body = _table(rows, "名次")
        assert body[2][1:3] == ["太湖源镇", 53.6]

    def test_a_draft_board_is_not_found_for_those_who_do_not_see_drafts(
        self, competition: Competition, login: Any
    ) -> None:
        draft = do_score(competition.scheme, SEPTEMBER, actor=competition.district.supervisor)
        url = reverse("scoring:board_export", args=[draft.pk])
        assert login(competition.district.clerk_a).get(url).status_code == 404
        rows = _sheet(login(competition.district.leader).get(url), "比拼榜")
        assert rows[0][0].endswith("（草稿）")


class TestScorecardExport:
    def test_every_line_and_a_total_that_is_the_units_total(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        score = _score(run, "锦城")
        response = login(competition.district.clerk_a).get(
            reverse("scoring:scorecard_export", args=[score.pk])
        )
        rows = _sheet(response, "成绩单")
        assert rows[0][0] == "锦城街道 2026年9月 成绩单 · 乡镇组 第 1 名 / 3"
        header, body = _table(rows, "评分项")
        assert header[:4] == ["评分项", "类别", "评分依据", "分值"]
        *lines, totals = body
        by_label = {row[0]: dict(zip(header, row, strict=True)) for row in lines}
        fai = by_label["固定资产投资"]
        assert (fai["年度目标"], fai["实际值"], fai["完成率（%）"]) == (1000.0, 900.0, 90.0)
        assert (fai["序时进度（%）"], fai["序时差距（百分点）"]) == (75.0, 15.0)
        assert (fai["计分值"], fai["得分"], fai["失分"]) == ("120.0%", 48.0, 0.0)
        outside = by_label["引进市外内资"]
        assert (outside["得分"], outside["失分"]) == (16.0, 4.0)
        assert by_label["项目开工率"]["计分值"] == "第 1 位"
        bonus = by_label["亿元以上项目加分"]
        assert (bonus["类别"], bonus["计分值"], bonus["得分"]) == ("加分", "3 个", 1.0)
        assert "每个 0.5 分，封顶 1 分" in bonus["说明"]
        assert by_label["测试扣分"]["得分"] == -0.2
        assert totals[0] == "合计"
        assert totals[header.index("得分")] == pytest.approx(float(score.total)) == 104.8
        assert sum(row[header.index("得分")] for row in lines) == pytest.approx(104.8)
        history = _sheet(response, "名次走势")
        _header, months = _table(history, "月份")
        assert months == [["9月", 1, 104.8]]

    def test_a_line_without_an_approved_value_is_noted(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        response = login(competition.district.supervisor).get(
            reverse("scoring:scorecard_export", args=[_score(run, "太湖源").pk])
        )
        header, body = _table(_sheet(response, "成绩单"), "评分项")
        outside = next(row for row in body if row[0] == "引进市外内资")
        assert outside[header.index("说明")] == "无审核数据"
        assert outside[header.index("实际值")] in ("", None)
        assert body[-1][header.index("得分")] == pytest.approx(37.6)

    def test_another_units_scorecard_is_not_found(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        url = reverse("scoring:scorecard_export", args=[_score(run, "锦城").pk])
        assert login(competition.district.clerk_b).get(url).status_code == 404
        assert login(competition.district.viewer).get(url).status_code == 200


class TestCompareExport:
    def test_units_side_by_side_with_totals_and_ranks(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        units = competition.units
        url = (
            f"{reverse('scoring:compare_export')}?run={run.pk}"
            f"&units={units['於潜'].pk},{units['锦城'].pk}"
        )
        rows = _sheet(login(competition.district.supervisor).get(url), "单位对比")
        assert rows[0][0] == "乡镇组 2026年9月 单位对比"
        header, body = _table(rows, "评分项")
        assert header == [
            "评分项", "分值",
            "锦城街道 实际值", "锦城街道 完成率（%）", "锦城街道 得分",
            "於潜镇 实际值", "於潜镇 完成率（%）", "於潜镇 得分",
        ]  # fmt: skip
        fai = next(row for row in body if row[0] == "固定资产投资")
        assert fai[1:] == [40.0, 900.0, 90.0, 48.0, 750.0, 75.0, 40.0]
        bonus = next(row for row in body if row[0] == "亿元以上项目加分")
        assert (bonus[2], bonus[4], bonus[5], bonus[7]) == (3.0, 1.0, 1.0, 0.5)
        total, rank = body[-2], body[-1]
        assert (total[0], total[4], total[7]) == ("总分", 104.8, 89.83)
        assert (rank[0], rank[4], rank[7]) == ("名次", "1", "2")

    def test_a_unit_whose_breakdown_the_user_may_not_read_is_not_found(
        self, competition: Competition, login: Any
    ) -> None:
        run = _published(competition)
        district = competition.district
        url = f"{reverse('scoring:compare_export')}?run={run.pk}&units={district.town_a.pk},{district.town_b.pk}"
        assert login(district.clerk_a).get(url).status_code == 404
        assert login(district.leader).get(url).status_code == 200
        one = f"{reverse('scoring:compare_export')}?run={run.pk}&units={district.town_a.pk}"
        assert login(district.leader).get(one).status_code == 404


def test_an_exported_total_is_the_stored_total_to_the_cent(
    competition: Competition, login: Any
) -> None:
    """Points are two-place Decimals: the export keeps them exact (no float drift)."""
    run = _published(competition)
    rows = _sheet(
        login(competition.district.supervisor).get(reverse("scoring:board_export", args=[run.pk])),
        "比拼榜",
    )
    _header, body = _table(rows, "名次")
    stored = [score.total for score in run.scores.order_by("rank")]
    assert [Decimal(str(row[2])) for row in body] == stored
