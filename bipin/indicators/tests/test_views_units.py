"""The indicators section of a unit's page: the latest month's numbers against the
targets, of what the user may see."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bipin.conftest import District
from bipin.indicators import actions
from bipin.indicators.tests.conftest import LAST_YEAR, PERIOD, Catalogue


def _numbers(district: District, catalogue: Catalogue) -> None:
    """锦城: 固定资产投资 38,000 of a target of 50,000 at October (76 % against 83.3 %:
    −7.3 points, yellow), 110 % of last October's; 引进市外内资 1,200 of 1,000 (green)."""
    for period, amount in ((LAST_YEAR, "34545.5"), (PERIOD, "38000")):
        actions.do_save_value(
            indicator=catalogue.fai, unit=district.town_a, period=period, amount=amount,
            actor=district.provider,
        )  # fmt: skip
    actions.do_save_value(
        indicator=catalogue.outside, unit=district.town_a, period=PERIOD, amount="1200",
        actor=district.clerk_a,
    )  # fmt: skip
    for indicator, amount in ((catalogue.fai, "50000"), (catalogue.outside, "1000")):
        actions.do_set_target(
            indicator=indicator, unit=district.town_a, year=PERIOD.year, amount=amount,
            actor=district.supervisor, today=date(2024, 12, 1),
        )  # fmt: skip


def _section(district: District, login, user) -> str:
    page = login(user).get(district.town_a.get_absolute_url()).content.decode()
    if 'id="indicators"' not in page:
        return ""
    start = page.index('id="indicators"')
    return page[start : page.index("</section>", start)]


def test_a_units_page_shows_its_numbers_against_its_targets(
    district: District, catalogue: Catalogue, login
) -> None:
    _numbers(district, catalogue)
    section = _section(district, login, district.manager_a)
    assert "指标完成情况 · 2025年1-10月" in section
    assert "38,000.0" in section and "50,000.0" in section
    assert "76.0%" in section and "-7.3" in section and "text-bg-warning" in section
    assert "10.0%" in section  # growth against last October
    assert "120.0%" in section and "+36.7" in section  # 引进市外内资: 1,200 of 1,000


def test_the_section_holds_only_what_the_user_may_see(
    district: District, catalogue: Catalogue, login
) -> None:
    _numbers(district, catalogue)
    # The viewer sees no values at all, the leader all of them.
    assert _section(district, login, district.leader) != ""
    assert (
        'id="indicators"'
        not in login(district.viewer).get(district.town_a.get_absolute_url()).content.decode()
    )


def test_a_unit_without_numbers_has_no_section(
    district: District, catalogue: Catalogue, login
) -> None:
    assert _section(district, login, district.supervisor) == ""


def test_the_section_takes_a_fixed_number_of_queries(
    district: District, catalogue: Catalogue, login
) -> None:
    _numbers(district, catalogue)
    client = login(district.supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get(district.town_a.get_absolute_url())
    for indicator in (catalogue.gdp_growth, catalogue.new_above):
        actions.do_save_value(
            indicator=indicator, unit=district.town_a, period=PERIOD, amount="3",
            actor=district.supervisor,
        )  # fmt: skip
    with CaptureQueriesContext(connection) as more:
        client.get(district.town_a.get_absolute_url())
    assert len(more) == len(few)
