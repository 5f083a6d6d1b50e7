"""`bipin score GROUP YEAR-MONTH [--publish]`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bipin.scoring.models import Run
from bipin.scoring.tests.conftest import Competition

pytestmark = pytest.mark.django_db


def _score(*args: str) -> str:
    out = StringIO()
    call_command("score", *args, stdout=out)
    return out.getvalue()


def test_it_scores_a_group_by_name_and_prints_the_board(competition: Competition) -> None:
    printed = _score("乡镇组", "2026-09").splitlines()
    assert printed[0] == "乡镇组 2026年1-9月（乡镇组测试方案 v1，草稿）"
    rows = [line.split() for line in printed[2:5]]
    assert [(row[0], row[1], row[2]) for row in rows] == [
        ("1", "锦城街道", "104.80"),
        ("2", "於潜镇", "89.83"),
        ("3", "太湖源镇", "37.60"),
    ]
    assert "注：1 项缺少审核数据，未得分。" in printed
    assert Run.objects.drafts().count() == 1


def test_it_finds_a_group_by_code_and_publishes(competition: Competition) -> None:
    assert "已发布" in _score("towns", "2026-09", "--publish").splitlines()[0]
    # Scoring the month again is a correction: it is published only with a reason.
    with pytest.raises(CommandError, match="须说明原因"):
        _score("towns", "2026-09", "--publish")
    printed = _score("towns", "2026-09", "--publish", "--reason", "补报数据")
    assert "已发布，更正" in printed.splitlines()[0]
    assert Run.objects.published().count() == 2 and Run.objects.current().count() == 1


def test_an_unknown_group_or_month_is_a_clear_error(competition: Competition) -> None:
    with pytest.raises(CommandError, match="2026 年没有名称或代码为“街道组”的比拼组"):
        _score("街道组", "2026-09")
    with pytest.raises(CommandError, match="月份必须在 1 到 12 之间"):
        _score("乡镇组", "2026-13")
    with pytest.raises(CommandError, match="2025 年没有"):
        _score("乡镇组", "2025-09")
