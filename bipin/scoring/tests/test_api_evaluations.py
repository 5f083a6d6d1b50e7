"""The 亩均 evaluation's API: schemes, evaluations, results, computing, publishing and an
enterprise's classes — by session and by token, for a user who may (200/201), one who may
see but not act (403), another town's object or a draft a town does not see (404), and
without credentials (401). Refused rules answer 400 with their message.
"""

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bipin.conftest import District
from bipin.enterprises.choices import Grade, Size
from bipin.enterprises.models import Enterprise
from bipin.org.tests.test_api import Api, ApiFor, bearer
from bipin.scoring.actions.evaluations import do_evaluate, do_save_figures
from bipin.scoring.choices import Measure, RunStatus
from bipin.scoring.models import Evaluation
from bipin.scoring.tests.test_evaluation_actions import (
    YEAR,
    Evaluated,
    build_evaluated,
    enterprise,
    figures_row,
    make_scheme,
)

NOT_FOUND = "未找到该对象，或您无权访问。"


@pytest.fixture(params=["session", "token"])
def api(request: pytest.FixtureRequest, district: District) -> ApiFor:
    return lambda user: Api(user, request.param)


@pytest.fixture
def evaluated(district: District) -> Evaluated:
    return build_evaluated(district)


@pytest.fixture
def draft(district: District) -> Evaluated:
    return build_evaluated(district, publish=False)


def _json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def _names(response: Any) -> list[str]:
    return [item["enterprise_name"] for item in _json(response)["items"]]


def test_requests_without_credentials_get_401(evaluated: Evaluated):
    for url in ("/api/evaluation-schemes", "/api/evaluations"):
        assert Client().get(url).status_code == 401
    response = Client().post("/api/evaluations", {"year": 2025}, content_type="application/json")
    assert response.status_code == 401


# Schemes and evaluations -------------------------------------------------------------------


def test_everyone_reads_the_schemes_with_their_criteria(evaluated: Evaluated, api: ApiFor):
    body = _json(api(evaluated.district.viewer).get("/api/evaluation-schemes"))
    [scheme] = body["items"]
    assert (scheme["year"], scheme["share_a"], scheme["min_years"]) == (2025, "20.00", 2)
    first = scheme["criteria"][0]
    assert first == {
        "size": Size.ABOVE_SCALE,
        "measure": Measure.TAX_PER_MU,
        "measure_label": "亩均税收（万元/亩）",
        "weight": "40.00",
        "benchmark": "25.0000",
        "cap": "2.00",
    }
    assert len(scheme["criteria"]) == 8


def test_evaluations_come_with_the_counts_the_user_may_see(evaluated: Evaluated, api: ApiFor):
    [supervisors] = _json(api(evaluated.district.supervisor).get("/api/evaluations"))["items"]
    assert supervisors["grade_counts"] == {"A": 0, "B": 2, "C": 1, "D": 2, "T": 0}
    assert supervisors["status"] == RunStatus.PUBLISHED
    [clerks] = _json(api(evaluated.district.clerk_a).get("/api/evaluations"))["items"]
    assert clerks["grade_counts"] == {"A": 0, "B": 2, "C": 1, "D": 0, "T": 0}


def test_a_draft_is_the_supervisors_and_leaders_only(draft: Evaluated, api: ApiFor):
    url = f"/api/evaluations/{draft.evaluation.pk}"
    assert _json(api(draft.district.leader).get(url))["status"] == RunStatus.DRAFT
    assert _json(api(draft.district.clerk_a).get("/api/evaluations"))["items"] == []
    response = api(draft.district.clerk_a).get(url)
    assert response.status_code == 404 and response.json()["detail"] == NOT_FOUND
    assert api(draft.district.viewer).get(f"{url}/results").status_code == 404


def test_evaluations_filter_by_year_and_status(evaluated: Evaluated, api: ApiFor):
    client = api(evaluated.district.supervisor)
    assert len(_json(client.get("/api/evaluations", {"year": 2025}))["items"]) == 1
    assert _json(client.get("/api/evaluations", {"year": 2024}))["items"] == []
    assert _json(client.get("/api/evaluations", {"status": "draft"}))["items"] == []


# Results -----------------------------------------------------------------------------------


def test_results_come_by_size_and_rank_with_their_measures(evaluated: Evaluated, api: ApiFor):
    body = _json(
        api(evaluated.district.supervisor).get(
            f"/api/evaluations/{evaluated.evaluation.pk}/results"
        )
    )
    names = [item["enterprise_name"] for item in body["items"]]
    assert names == [
        "杭州锦城高新科技有限公司", "杭州锦城精工机械有限公司", "杭州於潜机械制造有限公司",
        "杭州锦城竹制品有限公司", "杭州於潜茶叶有限公司",
    ]  # fmt: skip
    first = body["items"][0]
    assert (first["score"], first["rank"], first["grade"]) == ("140.00", 1, Grade.B)
    assert first["unit_name"] == "锦城街道"
    tax = next(m for m in first["measures"] if m["measure"] == Measure.TAX_PER_MU)
    assert tax == {
        "measure": "tax_per_mu",
        "value": "50.0000",
        "points": "80.00",
        "weight": "40.00",
        "benchmark": "25.0000",
    }


def test_a_clerk_gets_their_towns_results_only(evaluated: Evaluated, api: ApiFor):
    url = f"/api/evaluations/{evaluated.evaluation.pk}/results"
    names = _names(api(evaluated.district.clerk_b).get(url))
    assert names == ["杭州於潜机械制造有限公司", "杭州於潜茶叶有限公司"]


def test_results_filter_as_the_page_does(evaluated: Evaluated, api: ApiFor):
    client = api(evaluated.district.supervisor)
    url = f"/api/evaluations/{evaluated.evaluation.pk}/results"
    assert _names(client.get(url, {"grade": "D"})) == [
        "杭州於潜机械制造有限公司",
        "杭州於潜茶叶有限公司",
    ]
    assert _names(
        client.get(url, {"size": "below_scale", "unit": evaluated.district.town_a.pk})
    ) == ["杭州锦城竹制品有限公司"]
    assert _names(client.get(url, {"q": "精工"})) == ["杭州锦城精工机械有限公司"]
    refused = client.get(url, {"unit": 999999})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "unit"
    assert client.get(url, {"grade": "E"}).status_code == 422


def test_the_results_take_a_fixed_number_of_queries(district: District):
    headers = bearer(district.supervisor)
    evaluation = build_evaluated(district, publish=False).evaluation

    def count(pk: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(f"/api/evaluations/{pk}/results", **headers)
        assert response.status_code == 200
        return len(queries)

    count(evaluation.pk)  # the token's first use writes its last_used_at
    few = count(evaluation.pk)
    made = [enterprise(district, district.town_b, f"企业{n}", Size.ABOVE_SCALE) for n in range(12)]
    do_save_figures([figures_row(item) for item in made], year=YEAR, actor=district.supervisor)
    assert count(do_evaluate(YEAR, actor=district.supervisor).pk) == few


# Computing and publishing ------------------------------------------------------------------


def test_the_supervisor_computes_a_year(district: District, api: ApiFor):
    make_scheme(district)
    made = enterprise(district, district.town_a, "企业", Size.ABOVE_SCALE)
    do_save_figures([figures_row(made)], year=YEAR, actor=district.supervisor)
    body = _json(api(district.supervisor).post("/api/evaluations", {"year": 2025}), 201)
    assert body["status"] == RunStatus.DRAFT
    assert body["grade_counts"]["D"] == 1  # alone in its size
    assert Evaluation.objects.get().pk == body["id"]


def test_a_refused_computation_is_400_with_its_reason(district: District, api: ApiFor):
    response = api(district.supervisor).post("/api/evaluations", {"year": 2025})
    assert _json(response, 400)["detail"] == "没有 2025 年度的亩均评价办法：请先制定评价办法。"


def test_nobody_but_the_supervisor_computes_or_publishes(draft: Evaluated, api: ApiFor):
    for user in (draft.district.leader, draft.district.clerk_a, draft.district.viewer):
        assert api(user).post("/api/evaluations", {"year": 2025}).status_code == 403
    url = f"/api/evaluations/{draft.evaluation.pk}/publish"
    assert api(draft.district.leader).post(url, {}).status_code == 403
    assert api(draft.district.clerk_a).post(url, {}).status_code == 404
    draft.evaluation.refresh_from_db()
    assert draft.evaluation.status == RunStatus.DRAFT


def test_the_supervisor_publishes_into_the_registry(draft: Evaluated, api: ApiFor):
    url = f"/api/evaluations/{draft.evaluation.pk}/publish"
    body = _json(api(draft.district.supervisor).post(url, {}))
    assert body["status"] == RunStatus.PUBLISHED and body["published_at"]
    assert Enterprise.objects.get(name="杭州锦城高新科技有限公司").grade == Grade.B
    again = api(draft.district.supervisor).post(url, {})
    assert _json(again, 400)["detail"] == "该亩均评价已发布，不能再次发布。"


def test_a_year_of_malformed_input_is_422(district: District, api: ApiFor):
    assert (
        api(district.supervisor).post("/api/evaluations", {"year": "二〇二五"}).status_code == 422
    )


# An enterprise's classes -------------------------------------------------------------------


def test_an_enterprises_published_classes_year_by_year(evaluated: Evaluated, api: ApiFor):
    high = evaluated.enterprises["锦城高新"]
    make_scheme(evaluated.district, YEAR + 1)
    do_save_figures([figures_row(high)], year=YEAR + 1, actor=evaluated.district.supervisor)
    do_evaluate(YEAR + 1, actor=evaluated.district.supervisor)  # a draft: not listed
    body = _json(api(evaluated.district.clerk_a).get(f"/api/enterprises/{high.pk}/evaluations"))
    assert [(item["year"], item["grade"], item["score"]) for item in body] == [
        (2025, Grade.B, "140.00")
    ]
    assert Decimal(body[0]["measures"][0]["value"]) == Decimal(50)


def test_another_towns_enterprise_is_404(evaluated: Evaluated, api: ApiFor):
    high = evaluated.enterprises["锦城高新"]
    response = api(evaluated.district.clerk_b).get(f"/api/enterprises/{high.pk}/evaluations")
    assert response.status_code == 404 and response.json()["detail"] == NOT_FOUND
    assert (
        api(evaluated.district.clerk_b).get("/api/enterprises/999999/evaluations").status_code
        == 404
    )
