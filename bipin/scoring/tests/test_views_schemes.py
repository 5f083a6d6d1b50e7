"""The scheme pages: every group's schemes, a scheme in words, the supervisor's editor
(one form, two formsets, all or nothing), the frozen refusal and the new version, and the
preview of the board a scheme would give.

Every page is checked for a user who may use it, one who may not (403), a scheme that does
not exist (404), and its query count against more items, runs and units.
"""

import html
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bipin.indicators.actions import do_save_indicator
from bipin.indicators.choices import IndicatorKind
from bipin.indicators.models import Indicator, Target
from bipin.org.choices import UnitKind
from bipin.org.models import Group, GroupMember, Unit, User
from bipin.org.tests.test_browser import ARTIFACTS, DESKTOP, PHONE, browser, demo, sign_in
from bipin.scoring.actions import (
    AdjustmentSpec,
    ItemSpec,
    do_new_scheme_version,
    do_publish_run,
    do_save_scheme,
    do_score,
    item_specs,
)
from bipin.scoring.choices import AdjustmentKind, Basis, Counting, EfficacyForm
from bipin.scoring.models import Run, Scheme
from bipin.scoring.tests.conftest import SEPTEMBER, Competition, put_value

Login = Callable[[User], Client]

__all__ = ["browser", "demo"]  # fixtures of the browser test, used by name


def _content(response: Any) -> str:
    """The page as its reader sees the text ("<", not "&lt;")."""
    return html.unescape(response.content.decode())


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _published(competition: Competition) -> Run:
    """September scored and published: the scheme is frozen from now on."""
    supervisor = competition.district.supervisor
    run = do_score(competition.scheme, SEPTEMBER, actor=supervisor)
    return do_publish_run(run, actor=supervisor)


def _detail(scheme: Scheme) -> str:
    return reverse("scoring:scheme", args=[scheme.pk])


def _edit(scheme: Scheme) -> str:
    return reverse("scoring:scheme_edit", args=[scheme.pk])


def _preview(scheme: Scheme) -> str:
    return reverse("scoring:scheme_preview", args=[scheme.pk])


def _version(scheme: Scheme) -> str:
    return reverse("scoring:scheme_version", args=[scheme.pk])


def _add(group: Group) -> str:
    return f"{reverse('scoring:scheme_add')}?group={group.pk}"


# The form as the page posts it -------------------------------------------------------------


def _item(indicator: Indicator, weight: str, basis: str, **fields: str) -> dict[str, str]:
    row = {
        "indicator": str(indicator.pk),
        "weight": weight,
        "basis": basis,
        "cap": "1.2",
        "efficacy_form": EfficacyForm.MINMAX,
        "satisfactory": "",
        "not_allowed": "",
        "rank_step": "0.05",
    }
    return row | fields


#: A new row as the page adds it, left untouched.
BLANK_ROW = {
    "indicator": "",
    "weight": "",
    "basis": "",
    "cap": "1.2",
    "efficacy_form": EfficacyForm.MINMAX,
    "rank_step": "0.05",
}


def _adjustment(
    indicator: Indicator, name: str, per_unit: str, cap: str, kind: str = AdjustmentKind.BONUS
) -> dict[str, str]:
    return {
        "kind": kind,
        "name": name,
        "indicator": str(indicator.pk),
        "counting": Counting.VALUE,
        "per_unit": per_unit,
        "cap": cap,
    }


def _form(
    items: list[dict[str, str]],
    adjustments: list[dict[str, str]] | None = None,
    *,
    initial_items: int = 0,
    initial_adjustments: int = 0,
    **scheme: str,
) -> dict[str, str]:
    """The POST of the editor: the scheme's fields and both formsets (a row with
    DELETE="on" is one removed on the page)."""
    data = {"name": "乡镇组新方案", "note": "", "green_from": "0", "yellow_from": "-10"} | scheme
    for prefix, rows, initial in (
        ("items", items, initial_items),
        ("adjustments", adjustments or [], initial_adjustments),
    ):
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for index, row in enumerate(rows):
            data |= {f"{prefix}-{index}-{name}": value for name, value in row.items()}
    return data


def _saved_form(
    scheme: Scheme, **changes: str
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The rows of a saved scheme as its editor shows them."""
    items, adjustments = item_specs(scheme)
    item_rows = [
        {
            "indicator": str(spec.indicator.pk),
            "weight": str(spec.weight),
            "basis": spec.basis,
            "cap": str(spec.cap),
            "efficacy_form": spec.efficacy_form,
            "satisfactory": "" if spec.satisfactory is None else str(spec.satisfactory),
            "not_allowed": "" if spec.not_allowed is None else str(spec.not_allowed),
            "rank_step": str(spec.rank_step),
        }
        for spec in items
    ]
    adjustment_rows = [
        {
            "kind": spec.kind,
            "name": spec.name,
            "indicator": str(spec.indicator.pk),
            "counting": spec.counting,
            "per_unit": str(spec.per_unit),
            "cap": str(spec.cap),
        }
        for spec in adjustments
    ]
    return item_rows, adjustment_rows


def _other_group(competition: Competition) -> Group:
    """A group of departments of 2026 without a scheme."""
    district = competition.district
    group = Group.objects.create(year=2026, code="bumen", name="部门组", order=3)
    GroupMember.objects.create(group=group, unit=district.office, year=2026)
    GroupMember.objects.create(group=group, unit=district.statistics, year=2026)
    return group


# The list ----------------------------------------------------------------------------------


def test_everyone_signed_in_reads_every_groups_schemes(
    login: Login, competition: Competition
) -> None:
    district = competition.district
    _published(competition)
    for user in (district.clerk_b, district.viewer, district.provider, district.supervisor):
        response = login(user).get(reverse("scoring:schemes"))
        assert response.status_code == 200
        content = _content(response)
        assert "乡镇组测试方案" in content and "2026 年度" in content
        assert "4 个评分项" in content and "合计分值 100" in content
        assert "已冻结" in content and "用于 1 次评分" in content


def test_an_anonymous_visitor_is_sent_to_sign_in(competition: Competition) -> None:
    for url in (reverse("scoring:schemes"), _detail(competition.scheme)):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_supervisor_may_start_a_scheme_for_a_group_without_one(
    login: Login, competition: Competition
) -> None:
    departments = _other_group(competition)
    page = _content(login(competition.district.supervisor).get(reverse("scoring:schemes")))
    assert page.count("新建方案") == 1 and _add(departments) in page
    clerk_page = _content(login(competition.district.clerk_a).get(reverse("scoring:schemes")))
    assert "新建方案" not in clerk_page and "尚未制定评分方案" in clerk_page


def test_the_lists_query_count_does_not_grow_with_schemes_or_runs(
    login: Login, competition: Competition
) -> None:
    client = login(competition.district.clerk_a)
    url = reverse("scoring:schemes")
    before = _queries(client, url)
    _published(competition)
    do_new_scheme_version(competition.scheme, actor=competition.district.supervisor)
    departments = _other_group(competition)
    do_save_scheme(
        Scheme(group=departments, name="部门组方案"),
        items=[ItemSpec(competition.catalogue.fai, Decimal(100), Basis.LEVEL)],
        adjustments=[],
        actor=competition.district.supervisor,
    )
    assert _queries(client, url) == before


# A scheme ----------------------------------------------------------------------------------


def test_a_scheme_says_in_words_how_each_point_is_earned(
    login: Login, competition: Competition
) -> None:
    catalogue = competition.catalogue
    response = login(competition.district.clerk_a).get(_detail(competition.scheme))
    assert response.status_code == 200
    page = _content(response)
    assert "序时完成率 × 40 分，最高 120%" in page
    assert "功效系数：20 + 80 × (x − 最小值)/(最大值 − 最小值)" in page
    assert "按位次：第一名 20 分，每降一位少 5%" in page
    assert "每降一位少得 1 分" in page
    assert "每个 +0.5 分，最多 +1 分" in page and "每个 −0.2 分，最多 −0.4 分" in page
    assert "绿色：加权序时差距 ≥ 0 个百分点" in page and "红色：差距 < −10 个百分点" in page
    assert (
        catalogue.fai.get_absolute_url() in page and catalogue.new_above.get_absolute_url() in page
    )
    assert 'id="total-weight">100<' in page
    # A clerk reads the rules but is offered no change and no preview of unpublished scores.
    assert (
        "编辑" not in page
        and "另存为新版本" not in page
        and _preview(competition.scheme) not in page
    )


def test_a_threshold_item_and_an_excess_bonus_read_with_their_numbers(
    login: Login, competition: Competition
) -> None:
    catalogue = competition.catalogue
    scheme = do_save_scheme(
        Scheme(group=competition.district.group, name="阈值方案"),
        items=[
            ItemSpec(
                catalogue.gdp_growth,
                Decimal(10),
                Basis.LEVEL,
                efficacy_form=EfficacyForm.THRESHOLD,
                satisfactory=Decimal(8),
                not_allowed=Decimal(0),
            )
        ],
        adjustments=[
            AdjustmentSpec(
                AdjustmentKind.BONUS,
                "超额加分",
                catalogue.projects_1yi,
                Decimal("0.1"),
                Decimal(3),
                Counting.EXCESS,
            )
        ],
        actor=competition.district.supervisor,
    )
    page = _content(login(competition.district.clerk_a).get(_detail(scheme)))
    assert "阈值法：60 + 40 × (x − 不允许值)/(满意值 − 不允许值)" in page
    assert "满意值 8%，不允许值 0%" in page and "最高 120%" in page
    assert "超出年度目标的部分每个 +0.1 分，最多 +3 分" in page


def test_the_supervisor_is_offered_edit_new_version_and_preview(
    login: Login, competition: Competition
) -> None:
    scheme = competition.scheme
    page = _content(login(competition.district.supervisor).get(_detail(scheme)))
    assert _edit(scheme) in page and _version(scheme) in page and _preview(scheme) in page
    leader_page = _content(login(competition.district.leader).get(_detail(scheme)))
    assert _preview(scheme) in leader_page and _edit(scheme) not in leader_page
    _published(competition)
    frozen_page = _content(login(competition.district.supervisor).get(_detail(scheme)))
    assert _edit(scheme) not in frozen_page and _version(scheme) in frozen_page


def test_a_scheme_lists_its_versions_runs_and_history(
    login: Login, competition: Competition
) -> None:
    run = _published(competition)
    second = do_new_scheme_version(competition.scheme, actor=competition.district.supervisor)
    page = _content(login(competition.district.clerk_a).get(_detail(competition.scheme)))
    assert _detail(second) in page and "第 2 版" in page
    assert run.period.label in page and "已发布" in page
    assert "发布评分，方案冻结" in page  # the history says why it froze
    draft = do_score(competition.scheme, SEPTEMBER, actor=competition.district.supervisor)
    assert draft.corrects_id == run.pk
    # A clerk does not see the draft correction; the supervisor does.
    assert "更正" not in _content(
        login(competition.district.clerk_a).get(_detail(competition.scheme))
    )
    assert "更正" in _content(
        login(competition.district.supervisor).get(_detail(competition.scheme))
    )


def test_a_scheme_that_does_not_exist_is_not_found(login: Login, competition: Competition) -> None:
    client = login(competition.district.supervisor)
    missing = Scheme(pk=999999)
    for url in (_detail(missing), _edit(missing), _preview(missing)):
        assert client.get(url).status_code == 404
    assert client.post(_version(missing)).status_code == 404


def test_a_schemes_query_count_does_not_grow_with_items_or_runs(
    login: Login, competition: Competition
) -> None:
    client = login(competition.district.supervisor)
    catalogue = competition.catalogue
    small = do_save_scheme(
        Scheme(group=competition.district.group, name="小方案"),
        items=[ItemSpec(catalogue.fai, Decimal(100), Basis.COMPLETION)],
        adjustments=[],
        actor=competition.district.supervisor,
    )
    before = _queries(client, _detail(small))
    _published(competition)
    do_score(competition.scheme, SEPTEMBER, actor=competition.district.supervisor)
    assert _queries(client, _detail(competition.scheme)) == before


# The editor --------------------------------------------------------------------------------


def test_the_supervisor_adds_a_scheme_with_its_items_and_adjustments(
    login: Login, competition: Competition
) -> None:
    catalogue = competition.catalogue
    client = login(competition.district.supervisor)
    url = _add(competition.district.group)
    page = _content(client.get(url))
    assert "2026年度乡镇组比拼方案" in page and "items-__prefix__-indicator" in page
    response = client.post(
        url,
        _form(
            [
                _item(catalogue.fai, "60", Basis.COMPLETION, cap="1.5"),
                _item(catalogue.start_rate, "40", Basis.RANK, rank_step="0.1"),
                BLANK_ROW,  # left untouched: no item
            ],
            [_adjustment(catalogue.projects_1yi, "项目加分", "1", "3")],
        ),
    )
    scheme = Scheme.objects.get(name="乡镇组新方案")
    assert response.status_code == 302 and response["Location"] == _detail(scheme)
    assert scheme.version == 2  # the group's next version
    items, adjustments = item_specs(scheme)
    assert [(spec.indicator, spec.weight, spec.basis) for spec in items] == [
        (catalogue.fai, Decimal(60), Basis.COMPLETION),
        (catalogue.start_rate, Decimal(40), Basis.RANK),
    ]
    assert items[0].cap == Decimal("1.5") and items[1].rank_step == Decimal("0.1")
    assert [(spec.name, spec.per_unit, spec.cap) for spec in adjustments] == [
        ("项目加分", Decimal(1), Decimal(3))
    ]


def test_only_the_supervisor_writes_schemes(login: Login, competition: Competition) -> None:
    catalogue = competition.catalogue
    scheme = competition.scheme
    data = _form([_item(catalogue.fai, "100", Basis.COMPLETION)], reason="改")
    for user in (competition.district.clerk_a, competition.district.leader):
        client = login(user)
        assert client.get(_add(competition.district.group)).status_code == 403
        assert client.post(_add(competition.district.group), data).status_code == 403
        assert client.get(_edit(scheme)).status_code == 403
        assert client.post(_edit(scheme), data).status_code == 403
        assert client.post(_version(scheme)).status_code == 403
    assert Scheme.objects.count() == 1
    assert item_specs(scheme)[0][0].weight == Decimal(40)


def test_a_new_scheme_needs_a_group_that_exists(login: Login, competition: Competition) -> None:
    client = login(competition.district.supervisor)
    assert client.get(reverse("scoring:scheme_add")).status_code == 404
    assert client.get(f"{reverse('scoring:scheme_add')}?group=999999").status_code == 404
    assert client.get(f"{reverse('scoring:scheme_add')}?group=abc").status_code == 404


def test_the_supervisor_edits_an_open_scheme_and_the_reason_is_kept(
    login: Login, competition: Competition
) -> None:
    catalogue = competition.catalogue
    scheme = competition.scheme
    client = login(competition.district.supervisor)
    items, adjustments = _saved_form(scheme)
    items[0]["weight"] = "45"
    items[1]["DELETE"] = "on"  # 引进市外内资 removed on the page
    items[3]["weight"] = "35"
    adjustments.append(
        _adjustment(catalogue.new_above, "新增规上扣分", "0.5", "1", AdjustmentKind.DEDUCTION)
    )
    data = _form(items, adjustments, initial_items=4, initial_adjustments=2, name="乡镇组测试方案")
    response = client.post(_edit(scheme), data)
    assert response.status_code == 200 and "修改评分方案须说明原因" in _content(response)
    assert item_specs(scheme)[0][0].weight == Decimal(40)
    response = client.post(_edit(scheme), data | {"reason": "投资权重上调"})
    assert response.status_code == 302
    saved_items, saved_adjustments = item_specs(scheme)
    assert [(spec.indicator, spec.weight) for spec in saved_items] == [
        (catalogue.fai, Decimal(45)),
        (catalogue.gdp_growth, Decimal(20)),
        (catalogue.start_rate, Decimal(35)),
    ]
    assert [spec.name for spec in saved_adjustments] == [
        "亿元以上项目加分",
        "测试扣分",
        "新增规上扣分",
    ]
    assert scheme.history.first().history_change_reason == "投资权重上调"
    assert "投资权重上调" in _content(client.get(_detail(scheme)))


def test_a_broken_row_saves_nothing_and_every_error_stands_by_its_row(
    login: Login, competition: Competition
) -> None:
    catalogue = competition.catalogue
    scheme = competition.scheme
    client = login(competition.district.supervisor)
    items, adjustments = _saved_form(scheme)
    items[0]["weight"] = "50"  # a good change, which must not be saved either
    items.append(_item(catalogue.start_rate, "5", Basis.COMPLETION))  # a rate has no pace
    items.append(_item(catalogue.new_above, "5", Basis.LEVEL, efficacy_form=EfficacyForm.THRESHOLD))
    adjustments[0]["per_unit"] = "0"
    data = _form(
        items, adjustments, initial_items=4, initial_adjustments=2, name="改名", reason="调整"
    )
    response = client.post(_edit(scheme), data)
    assert response.status_code == 200
    page = _content(response)
    rows = page.split('<div class="formset-row ')
    # Items 5 and 6 and the first adjustment (after the items' blank template row) each
    # carry their own message, and no other row does.
    assert "同一指标只能有一个评分项" in rows[5] and "没有可按序时进度计算的年度总量" in rows[5]
    assert "阈值法须填写满意值和不允许值" in rows[6]
    assert "每单位分值和封顶分值须大于 0" in rows[8]
    assert all("row-errors" not in row for row in rows[1:5] + rows[9:])
    scheme.refresh_from_db()
    assert scheme.name == "乡镇组测试方案"
    assert [spec.weight for spec in item_specs(scheme)[0]] == [Decimal(w) for w in (40, 20, 20, 20)]
    assert scheme.history.count() == 1


def test_a_mistyped_field_and_a_broken_rule_show_together(
    login: Login, competition: Competition
) -> None:
    catalogue = competition.catalogue
    response = login(competition.district.supervisor).post(
        _add(competition.district.group),
        _form(
            [
                _item(catalogue.fai, "四十", Basis.COMPLETION),
                _item(catalogue.gdp_growth, "20", Basis.COMPLETION),
            ]
        ),
    )
    page = _content(response)
    assert response.status_code == 200
    rows = page.split('<div class="formset-row ')
    assert "输入一个数字" in rows[1]  # under 分值 of the first row
    assert "第 2 项“地区生产总值增速”：“地区生产总值增速”是比率或增速" in rows[2]
    assert Scheme.objects.count() == 1


def test_the_editor_offers_only_active_indicators_of_the_groups_units(
    login: Login, competition: Competition
) -> None:
    supervisor = competition.district.supervisor
    departments_only = do_save_indicator(
        None, actor=supervisor, reason="测试", code="DEPT_ON_TIME", name="按时办结率",
        unit_of_measure="%", kind=IndicatorKind.RATE, unit_kinds="department",
    )  # fmt: skip
    retired = do_save_indicator(
        None, actor=supervisor, reason="测试", code="OLD", name="停用指标",
        unit_of_measure="万元", kind=IndicatorKind.CUMULATIVE, active=False,
    )  # fmt: skip
    client = login(supervisor)
    page = _content(client.get(_edit(competition.scheme)))
    assert "固定资产投资" in page
    assert "按时办结率" not in page and "停用指标" not in page
    response = client.post(
        _add(competition.district.group),
        _form([_item(departments_only, "50", Basis.LEVEL), _item(retired, "50", Basis.LEVEL)]),
    )
    assert _content(response).count("请选择本比拼组适用的启用指标") == 2
    departments = _other_group(competition)
    assert "按时办结率" in _content(client.get(_add(departments)))


def test_the_editors_query_count_does_not_grow_with_items(
    login: Login, competition: Competition
) -> None:
    client = login(competition.district.supervisor)
    catalogue = competition.catalogue
    small = do_save_scheme(
        Scheme(group=competition.district.group, name="小方案"),
        items=[ItemSpec(catalogue.fai, Decimal(100), Basis.COMPLETION)],
        adjustments=[],
        actor=competition.district.supervisor,
    )
    assert _queries(client, _edit(small)) == _queries(client, _edit(competition.scheme))


# Frozen, and a new version -----------------------------------------------------------------


def test_a_frozen_scheme_says_why_it_cannot_be_edited_and_refuses_a_change(
    login: Login, competition: Competition
) -> None:
    scheme = competition.scheme
    _published(competition)
    client = login(competition.district.supervisor)
    page = _content(client.get(_edit(scheme)))
    assert "本方案已冻结，不能再修改" in page and "2026年1-9月" in page
    assert _version(scheme) in page and "items-TOTAL_FORMS" not in page
    items, adjustments = _saved_form(scheme)
    items[0]["weight"] = "60"
    data = _form(items, adjustments, initial_items=4, initial_adjustments=2, reason="改")
    response = client.post(_edit(scheme), data)
    assert response.status_code == 409
    assert item_specs(scheme)[0][0].weight == Decimal(40)


def test_a_new_version_copies_the_scheme_and_opens_it_for_changes(
    login: Login, competition: Competition
) -> None:
    scheme = competition.scheme
    _published(competition)
    client = login(competition.district.supervisor)
    assert client.get(_version(scheme)).status_code == 405
    response = client.post(_version(scheme))
    second = Scheme.objects.get(group=scheme.group, version=2)
    assert response.status_code == 302 and response["Location"] == _edit(second)
    assert not second.is_frozen
    assert item_specs(second) == item_specs(scheme)
    page = _content(client.get(_edit(second)))
    assert "已由第 1 版另存为第 2 版" in page and "items-TOTAL_FORMS" in page
    items, adjustments = _saved_form(second)
    items[0]["weight"] = "60"
    data = _form(items, adjustments, initial_items=4, initial_adjustments=2,
                 name=second.name, reason="新年度权重")  # fmt: skip
    assert client.post(_edit(second), data).status_code == 302
    assert item_specs(second)[0][0].weight == Decimal(60)
    assert item_specs(scheme)[0][0].weight == Decimal(40)  # the frozen one is as it was


# The preview -------------------------------------------------------------------------------


def test_the_preview_shows_the_board_the_scheme_would_give_and_saves_nothing(
    login: Login, competition: Competition
) -> None:
    for user in (competition.district.supervisor, competition.district.leader):
        response = login(user).get(_preview(competition.scheme))
        assert response.status_code == 200
        page = _content(response)
        # The default month is the latest with approved values: September's hand-worked board.
        assert "预览：2026年1-9月" in page
        totals = [row.result.total for row in response.context["results"]]
        assert totals == [Decimal("104.80"), Decimal("89.83"), Decimal("37.60")]
        assert "104.80" in page and "89.83" in page and "37.60" in page
        assert "序时完成率 120.0%" in page and "第 3 名" in page and "无审核数据" in page
        assert "不保存" in page and "缺少审核数据 1 条" in page
    assert not Run.objects.exists()


def test_the_preview_is_for_the_supervisor_and_leaders_only(
    login: Login, competition: Competition
) -> None:
    for user in (
        competition.district.clerk_a,
        competition.district.manager_a,
        competition.district.provider,
        competition.district.viewer,
    ):
        assert login(user).get(_preview(competition.scheme)).status_code == 403


def test_the_preview_takes_a_month_of_the_schemes_year_only(
    login: Login, competition: Competition
) -> None:
    client = login(competition.district.supervisor)
    page = _content(client.get(f"{_preview(competition.scheme)}?period=2026-03"))
    assert "预览：2026年1-3月" in page and "缺少审核数据 12 条" in page
    page = _content(client.get(f"{_preview(competition.scheme)}?period=2025-09"))
    assert "只能预览该年的月份" in page and "预览：2026年1-9月" in page
    page = _content(client.get(f"{_preview(competition.scheme)}?period=soon"))
    assert "无法识别的期间" in page and "预览：2026年1-9月" in page


def test_the_previews_query_count_does_not_grow_with_units(
    login: Login, competition: Competition
) -> None:
    client = login(competition.district.supervisor)
    url = _preview(competition.scheme)
    before = _queries(client, url)
    catalogue = competition.catalogue
    for number in range(3):
        town = Unit.objects.create(
            kind=UnitKind.TOWN,
            code=f"33011211{number}",
            name=f"测试镇{number}",
            parent=competition.district.district,
            order=110 + number,
        )
        GroupMember.objects.create(group=competition.district.group, unit=town, year=2026)
        Target.objects.create(indicator=catalogue.fai, unit=town, year=2026, amount=Decimal(500))
        put_value(catalogue.fai, town, "400")
        put_value(catalogue.start_rate, town, "70")
    assert _queries(client, url) == before


# In a real browser -------------------------------------------------------------------------


@pytest.mark.browser
def test_the_supervisor_reworks_a_new_version_in_the_browser(
    demo: None, live_server: Any, browser: Any
) -> None:
    """The editor's few lines of JavaScript: a row removed and one added, the fields of
    its basis shown, the total weight kept; then saved, and the page fits a phone."""
    scheme = Scheme.objects.get(group__code="xiangzhen", version=1)
    page = sign_in(browser, live_server, "supervisor", viewport=DESKTOP)
    page.goto(f"{live_server.url}{_detail(scheme)}")
    page.get_by_role("button", name="另存为新版本").click()
    second = Scheme.objects.get(group=scheme.group, version=2)
    page.wait_for_url(f"{live_server.url}{_edit(second)}")
    rows = page.locator("#items .formset-rows > .formset-row:not([hidden])")
    assert rows.count() == 12
    assert page.locator("#total-weight").inner_text() == "100"

    rows.first.get_by_role("button", name="删除此评分项").click()  # 固定资产投资, 15 points
    assert rows.count() == 11 and page.locator("#total-weight").inner_text() == "85"
    page.get_by_role("button", name="添加评分项").click()
    added = rows.last
    assert added.locator(".row-number").inner_text() == "第 12 项"
    added.locator("select[name$='-basis']").select_option(Basis.RANK)
    assert added.locator("[data-param=rank_step]").is_visible()
    assert not added.locator("[data-param=cap]").is_visible()
    added.locator("select[name$='-indicator']").select_option(label="固定资产投资（累计值）")
    added.locator("input[name$='-weight']").fill("15")
    assert page.locator("#total-weight").inner_text() == "100"
    page.fill("#id_reason", "固定资产投资改按位次计分")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server.url}{_detail(second)}")
    items = item_specs(second)[0]
    assert len(items) == 12 and items[0].indicator.code == "IND_INV"
    assert (items[-1].indicator.code, items[-1].basis) == ("FAI", Basis.RANK)
    assert "按位次：第一名 15 分，每降一位少 5%" in page.locator("#items").inner_text()
    page.screenshot(path=str(ARTIFACTS / "scoring-scheme-desktop-zh.png"), full_page=True)

    phone = sign_in(browser, live_server, "supervisor", viewport=PHONE, language="en")
    for url in (_edit(second), _preview(second), _detail(second)):
        phone.goto(f"{live_server.url}{url}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(ARTIFACTS / "scoring-scheme-phone-en.png"), full_page=True)
