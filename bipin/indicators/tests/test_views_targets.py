"""The targets pages: the grid of units × indicators (or one indicator's units × months)
that the supervisor edits cell by cell with htmx, read-only for everyone else, and a
target's page with its history.

Every page is checked for a user who may use it, one who may not (403), another unit's
target (404), the answer of a refused cell, the reason rule, and its query count.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bipin.conftest import District
from bipin.core.excel import excel_kinds
from bipin.indicators.actions import do_set_target
from bipin.indicators.models import Target
from bipin.indicators.tests.conftest import Catalogue
from bipin.indicators.views.targets import straight_line
from bipin.org.models import Unit, User

Login = Callable[[User], Client]

THIS_YEAR = timezone.localdate().year
#: A year that has not started: its targets change without a reason.
NEXT_YEAR = THIS_YEAR + 1
GRID = reverse("indicators:targets")
CELL = reverse("indicators:target_cell")


def _content(response: Any) -> str:
    return response.content.decode()


def _grid(response: Any) -> str:
    """The grid's table only (the page's menus and pickers name units and indicators too)."""
    return _content(response).split('id="target-grid"')[1]


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _post_cell(client: Client, indicator: Any, unit: Unit, amount: str, **extra: Any) -> Any:
    data = {"indicator": indicator.pk, "unit": unit.pk, "year": NEXT_YEAR, "amount": amount}
    data.update(extra)
    return client.post(CELL, data, HTTP_HX_REQUEST="true")


def _target(catalogue: Catalogue, district: District, amount: str, year: int = THIS_YEAR) -> Target:
    return do_set_target(
        indicator=catalogue.fai, unit=district.town_a, year=year, amount=Decimal(amount),
        actor=district.supervisor,
    )  # fmt: skip


# The grid ----------------------------------------------------------------------------------


def test_the_supervisor_edits_every_units_targets_in_place(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    _target(catalogue, district, "5000")
    content = _content(login(district.supervisor).get(f"{GRID}?year={THIS_YEAR}"))
    assert "锦城街道" in content and "於潜镇" in content
    assert "街道" in content and "乡镇" in content  # grouped like the org tree
    assert f'hx-post="{CELL}"' in content and "data-grid-cell" in content
    assert 'value="5000.0"' in content  # 锦城's FAI target, at FAI's one decimal
    assert 'id="target-reason"' in content and 'hx-include="#target-reason"' in content
    assert (
        "区发展和改革局" not in content.split('id="target-grid"')[1]
    )  # departments do not report these indicators
    target = Target.objects.get()
    assert reverse("indicators:target", args=[target.pk]) in content  # its history


def test_a_units_people_see_their_units_targets_read_only(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    _target(catalogue, district, "5000")
    content = _content(login(district.clerk_a).get(f"{GRID}?year={THIS_YEAR}"))
    assert "锦城街道" in content and "5,000.0" in content
    assert "於潜镇" not in content
    assert "data-grid-cell" not in content and 'id="target-reason"' not in content


def test_a_data_provider_sees_the_targets_of_its_own_indicators_for_every_unit(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    content = _grid(login(district.provider).get(GRID))
    assert "固定资产投资" in content and "地区生产总值增速" in content
    assert "引进市外内资" not in content  # reported by each unit, not by 统计局
    assert "锦城街道" in content and "於潜镇" in content
    assert "data-grid-cell" not in content


def test_viewers_do_not_see_targets_and_visitors_sign_in_first(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    assert login(district.viewer).get(GRID).status_code == 403
    response = Client().get(GRID)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_one_indicators_grid_has_its_twelve_months(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    _target(catalogue, district, "1200")
    content = _content(
        login(district.supervisor).get(f"{GRID}?year={THIS_YEAR}&indicator={catalogue.fai.pk}")
    )
    assert all(f"{month}月末" in content for month in range(1, 13))
    assert 'placeholder="300.0"' in content  # March by time progress: 1200 × 3/12
    assert "引进市外内资" not in content.split('id="target-grid"')[1]
    growth = _content(login(district.supervisor).get(f"{GRID}?indicator={catalogue.gdp_growth.pk}"))
    assert "1月末" not in growth and "不分月" in growth


def test_the_grids_query_count_does_not_grow_with_units_and_targets(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    client = login(district.supervisor)
    urls = [f"{GRID}?year={THIS_YEAR}", f"{GRID}?year={THIS_YEAR}&indicator={catalogue.fai.pk}"]
    before = [_queries(client, url) for url in urls]
    for number in range(5):
        unit = Unit.objects.create(
            kind="town", code=f"T-{number}", name=f"测试镇{number}",
            parent=district.district, order=110 + number,
        )  # fmt: skip
        for indicator in (catalogue.fai, catalogue.outside, catalogue.start_rate):
            do_set_target(
                indicator=indicator, unit=unit, year=THIS_YEAR, amount=Decimal(100 + number),
                actor=district.supervisor, phasing=None,
            )  # fmt: skip
    assert [_queries(client, url) for url in urls] == before


def test_the_grid_links_the_target_sheet_only_when_its_excel_kind_exists(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    content = _content(login(district.supervisor).get(GRID))
    export = reverse("excel:export", args=["targets"])
    assert (export in content) == ("targets" in excel_kinds)


# A cell ------------------------------------------------------------------------------------


def test_a_saved_cell_answers_with_the_cell_and_its_value(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    response = _post_cell(
        login(district.supervisor), catalogue.fai, district.town_a, "１,２００.５"
    )
    assert response.status_code == 200
    content = _content(response)
    assert content.lstrip().startswith("<td") and 'value="1200.5"' in content
    assert "is-valid" in content
    target = Target.objects.get()
    assert (target.unit, target.year, target.amount) == (
        district.town_a,
        NEXT_YEAR,
        Decimal("1200.5"),
    )
    assert reverse("indicators:target", args=[target.pk]) in content


def test_a_clerk_posting_a_cell_is_forbidden_and_nothing_changes(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    for user in (district.clerk_a, district.manager_a, district.provider, district.leader):
        response = _post_cell(login(user), catalogue.fai, district.town_a, "1000")
        assert response.status_code == 403
    assert not Target.objects.exists()


def test_a_refused_cell_answers_with_what_was_typed_and_the_reason(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    client = login(district.supervisor)
    response = _post_cell(client, catalogue.fai, district.town_a, "-5")
    assert response.status_code == 200
    content = _content(response)
    assert "不能为负数" in content and 'value="-5"' in content and "is-invalid" in content
    word = _content(_post_cell(client, catalogue.fai, district.town_a, "五千"))
    assert 'value="五千"' in word and "target-error" in word
    office = _content(_post_cell(client, catalogue.fai, district.office, "10"))
    assert "区发展和改革局不报送“固定资产投资”" in office
    assert not Target.objects.exists()


def test_a_cell_of_an_unknown_unit_is_not_found_and_a_bad_request_refused(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    client = login(district.supervisor)
    missing = client.post(
        CELL, {"indicator": catalogue.fai.pk, "unit": 999999, "year": NEXT_YEAR, "amount": "1"}
    )
    assert missing.status_code == 404
    no_year = client.post(
        CELL, {"indicator": catalogue.fai.pk, "unit": district.town_a.pk, "amount": "1"}
    )
    assert no_year.status_code == 400
    assert client.get(CELL).status_code == 405


def test_after_the_year_starts_a_change_needs_the_reason_at_the_top_of_the_grid(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    target = _target(catalogue, district, "5000")
    client = login(district.supervisor)
    refused = _post_cell(client, catalogue.fai, district.town_a, "6000", year=THIS_YEAR)
    assert f"{THIS_YEAR} 年已开始，修改目标须说明原因" in _content(refused)
    target.refresh_from_db()
    assert target.amount == Decimal("5000")
    saved = _post_cell(
        client, catalogue.fai, district.town_a, "6000", year=THIS_YEAR, reason="区里调高目标"
    )
    assert "is-valid" in _content(saved)
    target.refresh_from_db()
    assert target.amount == Decimal("6000")
    page = _content(client.get(reverse("indicators:target", args=[target.pk])))
    assert "区里调高目标" in page


def test_before_the_year_starts_a_target_changes_without_a_reason(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    client = login(district.supervisor)
    _post_cell(client, catalogue.fai, district.town_a, "5000")
    response = _post_cell(client, catalogue.fai, district.town_a, "5500")
    assert "is-valid" in _content(response)
    assert Target.objects.get().amount == Decimal("5500")


def test_a_month_of_the_phasing_starts_from_time_progress_and_refreshes_its_row(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    client = login(district.supervisor)
    before = _content(_post_cell(client, catalogue.fai, district.town_a, "3", month=3, phasing=1))
    assert "请先填写年度目标" in before
    _post_cell(client, catalogue.fai, district.town_a, "1200")
    response = _post_cell(client, catalogue.fai, district.town_a, "250", month=3, phasing=1)
    content = _content(response)
    assert 'value="250.0"' in content
    assert content.count('hx-swap-oob="true"') == 12  # the annual target and the other months
    target = Target.objects.get()
    expected = straight_line(Decimal(1200), catalogue.fai)
    expected[2] = Decimal(250)  # between February's 200 and April's 400
    assert target.phased_amounts() == expected
    decreasing = _content(
        _post_cell(client, catalogue.fai, district.town_a, "10", month=4, phasing=1)
    )
    assert "不能比上月小" in decreasing
    target.refresh_from_db()
    assert target.phased_amounts() == expected


def test_a_new_annual_target_moves_december_of_the_phasing_with_it(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    client = login(district.supervisor)
    _post_cell(client, catalogue.fai, district.town_a, "1200")
    _post_cell(client, catalogue.fai, district.town_a, "250", month=3, phasing=1)
    response = _post_cell(client, catalogue.fai, district.town_a, "1500", phasing=1)
    assert "1,500.0" in _content(response)  # December's cell, out of band
    target = Target.objects.get()
    phased = target.phased_amounts()
    assert target.amount == Decimal(1500) and phased is not None
    assert phased[-1] == Decimal(1500) and phased[2] == Decimal(250)


# A target's page ---------------------------------------------------------------------------


def test_a_targets_page_shows_its_months_and_history_to_those_who_see_it(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    target = _target(catalogue, district, "1200")
    url = reverse("indicators:target", args=[target.pk])
    for user in (district.supervisor, district.clerk_a, district.provider, district.leader):
        content = _content(login(user).get(url))
        assert "1,200.0" in content and "按序时进度" in content and "300.0" in content
        assert 'id="history"' in content
    assert login(district.clerk_b).get(url).status_code == 404
    assert login(district.viewer).get(url).status_code == 404


@pytest.mark.parametrize("user_name", ["supervisor", "clerk_a"])
def test_a_targets_page_has_a_fixed_number_of_queries(
    login: Login, district: District, catalogue: Catalogue, user_name: str
) -> None:
    target = _target(catalogue, district, "1200")
    client = login(getattr(district, user_name))
    url = reverse("indicators:target", args=[target.pk])
    before = _queries(client, url)
    for amount in ("1300", "1400"):
        do_set_target(
            indicator=catalogue.fai, unit=district.town_a, year=THIS_YEAR, amount=Decimal(amount),
            actor=district.supervisor, reason="调整",
        )  # fmt: skip
    assert _queries(client, url) == before


def test_the_same_number_typed_again_writes_nothing(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    target = _target(catalogue, district, "1200")
    client = login(district.supervisor)
    _post_cell(
        client,
        catalogue.fai,
        district.town_a,
        "300",
        year=THIS_YEAR,
        month=3,
        phasing=1,
        reason="分月",
    )
    versions = target.history.count()
    for month, amount in ((None, "1200.0"), (3, "300.00")):
        extra = {"month": month} if month else {}
        response = _post_cell(
            client, catalogue.fai, district.town_a, amount, year=THIS_YEAR, phasing=1, **extra
        )
        assert "is-valid" in _content(response)  # no reason asked: nothing changed
    assert target.history.count() == versions
