"""The 亩均 evaluation's pages: the years, an evaluation's results with their filters and
export, computing and publishing, a scheme and its editor, the year's figures, and an
enterprise's classes — each for a user who may use it, one who may not (403), another
town's object (404), and with a query count that does not grow with the rows.
"""

import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from bipin.conftest import District
from bipin.enterprises.choices import Grade, Size
from bipin.enterprises.models import Enterprise
from bipin.scoring.actions.evaluations import do_evaluate, do_publish_evaluation, do_save_figures
from bipin.scoring.choices import Measure, RunStatus
from bipin.scoring.models import Criterion, Evaluation, EvaluationScheme
from bipin.scoring.tests.test_evaluation_actions import (
    YEAR,
    Evaluated,
    build_evaluated,
    enterprise,
    figures_row,
    make_scheme,
)


@pytest.fixture
def evaluated(district: District) -> Evaluated:
    return build_evaluated(district)


@pytest.fixture
def draft(district: District) -> Evaluated:
    return build_evaluated(district, publish=False)


def _page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _count_queries(client: Client, url: str, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(queries)


def _more_figures(district: District, count: int, start: int, year: int = YEAR) -> None:
    """`count` more enterprises of each size in each town, with figures of `year`."""
    made = [
        enterprise(district, unit, f"{unit.short_name}{size}企业{n:03d}", size)
        for n in range(start, start + count)
        for unit in (district.town_a, district.town_b)
        for size in Size.values
    ]
    do_save_figures(
        [figures_row(item, str(10 + index % 30)) for index, item in enumerate(made)],
        year=year,
        actor=district.supervisor,
    )


# Anonymous visitors ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(evaluated: Evaluated):
    for url in (
        "/scoring/evaluations/",
        f"/scoring/evaluations/{evaluated.evaluation.pk}/",
        f"/scoring/evaluations/schemes/{evaluated.scheme.pk}/",
        "/scoring/evaluations/figures/",
        f"/scoring/evaluations/enterprises/{evaluated.enterprises['锦城高新'].pk}/",
    ):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


# The years ---------------------------------------------------------------------------------


def test_the_supervisor_sees_each_year_with_its_scheme_figures_and_counts(evaluated, login):
    make_scheme(evaluated.district, YEAR + 1)
    page = _page(login(evaluated.district.supervisor).get("/scoring/evaluations/"))
    assert "2025年度亩均评价办法" in page and "2026年度亩均评价办法" in page
    assert "5 家企业" in page
    assert f'href="/scoring/evaluations/{evaluated.evaluation.pk}/?grade=B"' in page
    assert "新建评价办法" in page
    # 2026 has a scheme but no figures: it cannot be computed yet.
    assert "请先导入该年度的亩均数据" in page


def test_a_clerk_sees_the_published_years_without_the_supervisors_buttons(evaluated, login):
    page = _page(login(evaluated.district.clerk_a).get("/scoring/evaluations/"))
    assert evaluated.evaluation.get_absolute_url() in page
    assert "3 家企业" in page  # the figures of 锦城's enterprises only
    assert "新建评价办法" not in page and "计算评价" not in page and "/publish/" not in page


def test_the_viewer_sees_no_figures(evaluated, login):
    page = _page(login(evaluated.district.viewer).get("/scoring/evaluations/"))
    assert evaluated.evaluation.get_absolute_url() in page
    assert "/scoring/evaluations/figures/" not in page


def test_a_clerk_does_not_see_a_draft(draft, login):
    page = _page(login(draft.district.clerk_a).get("/scoring/evaluations/"))
    assert draft.evaluation.get_absolute_url() not in page
    assert login(draft.district.clerk_a).get(draft.evaluation.get_absolute_url()).status_code == 404


def test_the_years_page_takes_a_fixed_number_of_queries(district, login):
    client = login(district.supervisor)
    build_evaluated(district)
    few = _count_queries(client, "/scoring/evaluations/")
    make_scheme(district, YEAR + 1)
    _more_figures(district, 3, 1, YEAR + 1)
    do_evaluate(YEAR + 1, actor=district.supervisor)
    assert _count_queries(client, "/scoring/evaluations/") == few


# Computing and publishing ------------------------------------------------------------------


def test_the_supervisor_computes_a_year_into_a_draft(district, login):
    make_scheme(district)
    _more_figures(district, 1, 1)
    response = login(district.supervisor).post("/scoring/evaluations/compute/", {"year": "2025"})
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == evaluation.get_absolute_url()
    assert evaluation.status == RunStatus.DRAFT


def test_a_year_without_figures_is_not_computed_and_says_why(district, login):
    make_scheme(district)
    client = login(district.supervisor)
    response = client.post("/scoring/evaluations/compute/", {"year": "2025"}, follow=True)
    assert "没有 2025 年度的亩均数据：请先导入亩均数据表。" in _page(response)
    assert not Evaluation.objects.exists()


def test_nobody_but_the_supervisor_computes(draft, login):
    for user in (draft.district.leader, draft.district.clerk_a, draft.district.viewer):
        response = login(user).post("/scoring/evaluations/compute/", {"year": "2025"})
        assert response.status_code == 403
    assert Evaluation.objects.get().pk == draft.evaluation.pk


def test_the_supervisor_publishes_a_draft_into_the_registry(draft, login):
    url = f"/scoring/evaluations/{draft.evaluation.pk}/publish/"
    response = login(draft.district.supervisor).post(url, follow=True)
    assert "各企业的评价类别已写入企业名录" in _page(response)
    draft.evaluation.refresh_from_db()
    assert draft.evaluation.is_published
    assert Enterprise.objects.get(name="杭州锦城高新科技有限公司").grade == Grade.B


def test_a_leader_may_not_publish_and_a_clerk_does_not_find_the_draft(draft, login):
    url = f"/scoring/evaluations/{draft.evaluation.pk}/publish/"
    assert login(draft.district.leader).post(url).status_code == 403
    assert login(draft.district.clerk_a).post(url).status_code == 404
    draft.evaluation.refresh_from_db()
    assert draft.evaluation.status == RunStatus.DRAFT


def test_a_published_evaluation_is_not_published_again(evaluated, login):
    url = f"/scoring/evaluations/{evaluated.evaluation.pk}/publish/"
    response = login(evaluated.district.supervisor).post(url, follow=True)
    assert "该亩均评价已发布，不能再次发布。" in _page(response)
    assert login(evaluated.district.clerk_a).post(url).status_code == 403


# An evaluation's results -------------------------------------------------------------------


def test_the_supervisor_sees_every_result_with_its_class_and_rank(evaluated, login):
    page = _page(login(evaluated.district.supervisor).get(evaluated.evaluation.get_absolute_url()))
    for name in ("杭州锦城高新科技有限公司", "杭州於潜茶叶有限公司"):
        assert name in page
    assert '<strong>1</strong><span class="small text-muted">/3</span>' in page
    assert "140.00" in page


def test_a_clerk_sees_only_their_towns_results(evaluated, login):
    page = _page(login(evaluated.district.clerk_a).get(evaluated.evaluation.get_absolute_url()))
    assert "杭州锦城高新科技有限公司" in page
    assert "杭州於潜机械制造有限公司" not in page and "杭州於潜茶叶有限公司" not in page


def test_results_filter_by_size_grade_town_and_name(evaluated, login):
    client = login(evaluated.district.supervisor)
    url = evaluated.evaluation.get_absolute_url()
    by_grade = _page(client.get(url, {"grade": "D"}))
    assert "杭州於潜机械制造有限公司" in by_grade and "杭州锦城高新科技有限公司" not in by_grade
    by_size = _page(client.get(url, {"size": Size.BELOW_SCALE}))
    assert "杭州锦城竹制品有限公司" in by_size and "杭州锦城高新科技有限公司" not in by_size
    # With a size chosen, each of its measures is a column.
    assert "单位电耗税收" in by_size
    by_town = _page(client.get(url, {"unit": evaluated.district.town_b.pk}))
    assert "杭州於潜茶叶有限公司" in by_town and "杭州锦城竹制品有限公司" not in by_town
    by_name = _page(client.get(url, {"q": "精工"}))
    assert "杭州锦城精工机械有限公司" in by_name and "杭州锦城高新科技有限公司" not in by_name


def test_the_counts_per_class_ignore_the_chosen_class(evaluated, login):
    page = _page(
        login(evaluated.district.supervisor).get(
            evaluated.evaluation.get_absolute_url(), {"grade": "B"}
        )
    )
    # B 2, C 1, D 2 whatever class is chosen.
    assert page.count("<strong>2</strong></a>") == 2
    assert page.count("<strong>1</strong></a>") == 1


def test_htmx_gets_the_results_only(evaluated, login):
    page = _page(
        login(evaluated.district.supervisor).get(
            evaluated.evaluation.get_absolute_url(), HTTP_HX_REQUEST="true"
        )
    )
    assert 'id="evaluation-table"' in page and "<html" not in page


def test_a_veto_and_a_t_show_their_reasons(district, login):
    make_scheme(district)
    made = [enterprise(district, district.town_a, f"企业{n}", Size.ABOVE_SCALE) for n in range(3)]
    do_save_figures(
        [
            figures_row(made[0], veto_reason="发生较大安全生产事故"),
            figures_row(made[1], unrated_reason="公用事业（供水）"),
            figures_row(made[2], production_started=2024),
        ],
        year=YEAR,
        actor=district.supervisor,
    )
    evaluation = do_evaluate(YEAR, actor=district.supervisor)
    page = _page(login(district.supervisor).get(evaluation.get_absolute_url()))
    assert "否决事项：发生较大安全生产事故" in page
    assert "不参评：公用事业（供水）" in page
    assert "不参评：投产未满 2 年（2024 年投产）" in page


def test_the_results_page_takes_a_fixed_number_of_queries(district, login):
    client = login(district.supervisor)
    evaluation = build_evaluated(district, publish=False).evaluation
    few = _count_queries(client, evaluation.get_absolute_url())
    few_sized = _count_queries(client, evaluation.get_absolute_url(), data={"size": "above_scale"})
    _more_figures(district, 6, 1)
    evaluation = do_evaluate(YEAR, actor=district.supervisor)
    assert _count_queries(client, evaluation.get_absolute_url()) == few
    assert (
        _count_queries(client, evaluation.get_absolute_url(), data={"size": "above_scale"})
        == few_sized
    )


def test_the_export_holds_the_filtered_results_with_every_measure(evaluated, login):
    client = login(evaluated.district.supervisor)
    response = client.get(
        f"/scoring/evaluations/{evaluated.evaluation.pk}/export/", {"size": "above_scale"}
    )
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    assert rows[0][0] == "2025年度亩均效益综合评价结果（已发布）"
    header = rows[1]
    assert header[:5] == ["名次", "企业名称", "统一社会信用代码", "所属镇街", "企业类别"]
    first = dict(zip(header, rows[2], strict=True))
    assert first["企业名称"] == "杭州锦城高新科技有限公司"
    assert first["名次"] == 1
    assert first["亩均税收（万元/亩）"] == 50.0
    assert first["综合得分"] == 140.0
    assert first["评价类别"] == "B 类（提升发展）"
    assert first["单位电耗税收（万元/万千瓦时）"] == ""
    assert [row[1] for row in rows[2:-1]] == [
        "杭州锦城高新科技有限公司",
        "杭州锦城精工机械有限公司",
        "杭州於潜机械制造有限公司",
    ]
    assert rows[-1][:2] == ["合计", "3 家企业"]


def test_a_clerks_export_holds_their_town_and_a_draft_is_not_found(evaluated, draft_2026, login):
    client = login(evaluated.district.clerk_a)
    response = client.get(f"/scoring/evaluations/{evaluated.evaluation.pk}/export/")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    assert {row[3] for row in rows[2:-1]} == {"锦城街道"}
    assert client.get(f"/scoring/evaluations/{draft_2026.pk}/export/").status_code == 404


@pytest.fixture
def draft_2026(evaluated: Evaluated) -> Evaluation:
    make_scheme(evaluated.district, YEAR + 1)
    do_save_figures(
        [figures_row(evaluated.enterprises["锦城高新"])],
        year=YEAR + 1,
        actor=evaluated.district.supervisor,
    )
    return do_evaluate(YEAR + 1, actor=evaluated.district.supervisor)


# Schemes -----------------------------------------------------------------------------------


def test_everyone_reads_a_scheme(evaluated, login):
    url = evaluated.scheme.get_absolute_url()
    for user in (
        evaluated.district.clerk_b,
        evaluated.district.viewer,
        evaluated.district.provider,
    ):
        page = _page(login(user).get(url))
        assert "亩均税收" in page and "单位电耗税收" in page
        assert "修改</a>" not in page
    supervisor = _page(login(evaluated.district.supervisor).get(url))
    assert "已用于发布的评价，不再修改" in supervisor
    assert f"/scoring/evaluations/schemes/{evaluated.scheme.pk}/edit/" not in supervisor


def test_an_unknown_scheme_is_not_found(district, login):
    assert login(district.supervisor).get("/scoring/evaluations/schemes/999/").status_code == 404


def _scheme_form(
    scheme: EvaluationScheme, rows: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "year": scheme.year, "name": scheme.name, "share_a": "20", "share_b": "60",
        "share_c": "95", "min_years": "2", "reason": "",
        "criteria-TOTAL_FORMS": str(len(rows)), "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0", "criteria-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"criteria-{index}-{key}"] = value
    data.update(fields)
    return data


ROWS = [
    {"size": Size.ABOVE_SCALE, "measure": Measure.TAX_PER_MU, "weight": "60", "benchmark": "25", "cap": "2"},
    {"size": Size.ABOVE_SCALE, "measure": Measure.RD_SHARE, "weight": "40", "benchmark": "3", "cap": "1.5"},
    {"size": Size.BELOW_SCALE, "measure": Measure.TAX_PER_MU, "weight": "100", "benchmark": "10", "cap": "2"},
]  # fmt: skip


def test_the_supervisor_edits_a_scheme_not_yet_used(district, login):
    scheme = make_scheme(district)
    client = login(district.supervisor)
    url = f"/scoring/evaluations/schemes/{scheme.pk}/edit/"
    assert "亩均税收" in _page(client.get(url))
    # The page's two blank rows come back as the browser sends them: left blank, not saved.
    blank = {"size": "", "measure": "", "weight": "", "benchmark": "", "cap": "2"}
    response = client.post(
        url, _scheme_form(scheme, [*ROWS, blank, blank], share_a="25", reason="调整权重")
    )
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.share_a == Decimal(25)
    assert [(c.measure, c.weight, c.cap) for c in scheme.criteria.all()] == [
        (Measure.TAX_PER_MU, Decimal(60), Decimal(2)),
        (Measure.RD_SHARE, Decimal(40), Decimal("1.5")),
        (Measure.TAX_PER_MU, Decimal(100), Decimal(2)),
    ]
    assert scheme.history.first().history_change_reason == "调整权重"


def test_the_editor_lists_every_broken_rule_and_saves_nothing(district, login):
    scheme = make_scheme(district)
    client = login(district.supervisor)
    wrong = [
        {**ROWS[0], "weight": "-1"},
        {"size": Size.BELOW_SCALE, "measure": Measure.RD_SHARE, "weight": "10", "benchmark": "3", "cap": "2"},
    ]  # fmt: skip
    page = _page(
        client.post(
            f"/scoring/evaluations/schemes/{scheme.pk}/edit/",
            _scheme_form(scheme, wrong, share_b="10"),
        )
    )
    assert "权重不能为负数" in page
    assert "规下企业只能按" in page
    assert "分类比例应在 0 至 100 之间逐级递增" in page
    assert Criterion.objects.filter(scheme=scheme).count() == 8


def test_nobody_but_the_supervisor_edits_and_a_used_scheme_is_not_edited(evaluated, login):
    url = f"/scoring/evaluations/schemes/{evaluated.scheme.pk}/edit/"
    for user in (evaluated.district.leader, evaluated.district.clerk_a):
        assert login(user).get(url).status_code == 403
    response = login(evaluated.district.supervisor).get(url, follow=True)
    assert "该评价办法已被发布的亩均评价使用，不能再修改。" in _page(response)
    assert (
        login(evaluated.district.clerk_a).get("/scoring/evaluations/schemes/add/").status_code
        == 403
    )


def test_a_new_years_scheme_starts_from_the_latest(evaluated, login):
    client = login(evaluated.district.supervisor)
    page = _page(client.get("/scoring/evaluations/schemes/add/"))
    assert 'value="2026"' in page
    assert 'value="5200.0000"' in page  # the latest's benchmark
    scheme = EvaluationScheme(year=2026, name="2026年度办法")
    response = client.post("/scoring/evaluations/schemes/add/", _scheme_form(scheme, ROWS))
    assert response.status_code == 302
    assert EvaluationScheme.objects.get(year=2026).criteria.count() == 3


# Figures -----------------------------------------------------------------------------------


def test_the_figures_page_shows_the_years_figures_and_the_supervisors_links(evaluated, login):
    page = _page(login(evaluated.district.supervisor).get("/scoring/evaluations/figures/"))
    assert "2025 年度亩均数据" in page
    assert "杭州於潜茶叶有限公司" in page
    assert "/excel/figures/import/" in page
    assert "/excel/figures/export/?period=2025" in page


def test_a_clerk_sees_their_towns_figures_without_the_import(evaluated, login):
    page = _page(login(evaluated.district.clerk_a).get("/scoring/evaluations/figures/?year=2025"))
    assert "杭州锦城竹制品有限公司" in page and "杭州於潜茶叶有限公司" not in page
    assert "/excel/figures/import/" not in page


def test_the_viewer_may_not_see_figures(evaluated, login):
    assert login(evaluated.district.viewer).get("/scoring/evaluations/figures/").status_code == 403


def test_the_figures_page_filters_and_pages_in_a_fixed_number_of_queries(district, login):
    client = login(district.supervisor)
    build_evaluated(district)
    few = _count_queries(client, "/scoring/evaluations/figures/?year=2025")
    _more_figures(district, 5, 1, YEAR + 1)
    assert _count_queries(client, "/scoring/evaluations/figures/?year=2026") == few
    page = _page(
        client.get("/scoring/evaluations/figures/", {"year": "2026", "size": "below_scale"})
    )
    assert "锦城below_scale企业001" in page and "锦城above_scale企业001" not in page


# An enterprise's classes -------------------------------------------------------------------


def test_an_enterprises_page_shows_its_class_and_links_its_history(evaluated, login):
    high = evaluated.enterprises["锦城高新"]
    page = _page(login(evaluated.district.clerk_a).get(f"/enterprises/{high.pk}/"))
    assert "B 类（提升发展）" in page and "2025 年度" in page
    assert f"/scoring/evaluations/enterprises/{high.pk}/" in page


def test_the_enterprise_list_shows_and_filters_the_class(evaluated, login):
    client = login(evaluated.district.supervisor)
    page = _page(client.get("/enterprises/", {"grade": "D"}))
    assert "杭州於潜机械制造有限公司" in page and "杭州锦城高新科技有限公司" not in page


def test_an_enterprises_history_shows_every_published_year(evaluated, draft_2026, login):
    high = evaluated.enterprises["锦城高新"]
    page = _page(
        login(evaluated.district.clerk_a).get(f"/scoring/evaluations/enterprises/{high.pk}/")
    )
    assert "2025 年度" in page and "2026 年度" not in page  # 2026 is a draft
    assert "140.00" in page
    assert "第 <strong>1</strong> 名 / 3" in page
    assert "亩均税收" in page and "80.00" in page


def test_another_towns_enterprises_history_is_not_found(evaluated, login):
    high = evaluated.enterprises["锦城高新"]
    url = f"/scoring/evaluations/enterprises/{high.pk}/"
    assert login(evaluated.district.clerk_b).get(url).status_code == 404
    assert login(evaluated.district.leader).get(url).status_code == 200


def test_an_enterprises_history_takes_a_fixed_number_of_queries(evaluated, login):
    client = login(evaluated.district.supervisor)
    high = evaluated.enterprises["锦城高新"]
    url = f"/scoring/evaluations/enterprises/{high.pk}/"
    one = _count_queries(client, url)
    for year in (2023, 2024):
        make_scheme(evaluated.district, year)
        do_save_figures([figures_row(high)], year=year, actor=evaluated.district.supervisor)
        do_publish_evaluation(
            do_evaluate(year, actor=evaluated.district.supervisor),
            actor=evaluated.district.supervisor,
        )
    assert _count_queries(client, url) == one
    assert "2023 年度" in _page(client.get(url))
