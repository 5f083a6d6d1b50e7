"""The competition's results as Excel workbooks: a run's board, a unit's 成绩单 and the
comparison of units, each with the columns of its page (core/excel's TableWriter: a
heading, a bold frozen header, numbers as numbers with their formats).

The pages build the rows (views/boards/); these functions only lay them out, so that
what is exported is what the page shows.
"""

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bipin.core.excel import Column, WorkbookWriter
from bipin.scoring.models import Run

if TYPE_CHECKING:
    from bipin.scoring.views.boards import BoardRow

POINTS = "0.00"
PERCENT = "0.0"
AMOUNT = "#,##0.####"


def _state(run: Run) -> str:
    """ "（草稿）", "（更正）" or nothing: what a heading says of its run."""
    if not run.is_published:
        return _("（草稿）")
    if run.corrects_id is not None:
        return _("（更正）")
    return ""


def _month(run: Run) -> str:
    return _("%(year)s年%(month)s月") % {"year": run.year, "month": run.month}


# The board ------------------------------------------------------------------------------------

BOARD_COLUMNS = (
    Column("rank", gettext_noop("名次"), width=8),
    Column("unit", gettext_noop("单位"), width=22),
    Column("total", gettext_noop("总分"), width=10, number_format=POINTS),
    Column("item_points", gettext_noop("指标得分"), width=10, number_format=POINTS),
    Column("bonus", gettext_noop("加分"), width=8, number_format=POINTS),
    Column("deduction", gettext_noop("扣分"), width=8, number_format=POINTS),
    Column("previous_rank", gettext_noop("上期名次"), width=10),
    Column("change", gettext_noop("位次变化"), width=10),
    Column("gap", gettext_noop("加权序时差距（百分点）"), width=14, number_format=PERCENT),
    Column("colour", gettext_noop("颜色"), width=8),
)


def board_workbook(run: Run, rows: "list[BoardRow]") -> bytes:
    """A run's board: one row per unit, best first; deductions negative, so that item
    points + bonus + deduction is the total."""
    writer = WorkbookWriter()
    table = writer.table(
        _("比拼榜"),
        BOARD_COLUMNS,
        heading=_("%(group)s %(month)s 比拼榜%(state)s")
        % {"group": run.group.name, "month": _month(run), "state": _state(run)},
    )
    for row in rows:
        score = row.score
        table.append(
            {
                "rank": score.rank,
                "unit": score.unit.name,
                "total": score.total,
                "item_points": score.item_points,
                "bonus": score.bonus,
                "deduction": -score.deduction,
                "previous_rank": score.previous_rank,
                "change": score.change_arrow,
                "gap": score.gap,
                "colour": row.colour_label,
            }
        )
    return writer.to_bytes()


# A unit's 成绩单 --------------------------------------------------------------------------------

SCORECARD_COLUMNS = (
    Column("label", gettext_noop("评分项"), width=24),
    Column("kind", gettext_noop("类别"), width=8),
    Column("basis", gettext_noop("评分依据"), width=14),
    Column("weight", gettext_noop("分值"), width=8, number_format=POINTS),
    Column("unit_of_measure", gettext_noop("计量单位"), width=10),
    Column("target", gettext_noop("年度目标"), width=12, number_format=AMOUNT),
    Column("actual", gettext_noop("实际值"), width=12, number_format=AMOUNT),
    Column("completion", gettext_noop("完成率（%）"), width=10, number_format=PERCENT),
    Column("time_progress", gettext_noop("序时进度（%）"), width=10, number_format=PERCENT),
    Column("gap", gettext_noop("序时差距（百分点）"), width=12, number_format=PERCENT),
    Column("growth", gettext_noop("同比增长（%）"), width=10, number_format=PERCENT),
    Column("measure", gettext_noop("计分值"), width=14),
    Column("points", gettext_noop("得分"), width=8, number_format=POINTS),
    Column("lost", gettext_noop("失分"), width=8, number_format=POINTS),
    Column("note", gettext_noop("说明"), width=24),
)
HISTORY_COLUMNS = (
    Column("month", gettext_noop("月份"), width=10),
    Column("rank", gettext_noop("名次"), width=8),
    Column("total", gettext_noop("总分"), width=10, number_format=POINTS),
)
_KINDS = {
    "item": gettext_noop("评分项"),
    "bonus": gettext_noop("加分"),
    "deduction": gettext_noop("扣分"),
}


def scorecard_workbook(card: dict[str, Any]) -> bytes:
    """A 成绩单 (the page's context, views.boards.scorecards.scorecard_context): every line with its
    numbers, a total row that is the unit's total, and the rank history on a second sheet."""
    score, run = card["score"], card["run"]
    writer = WorkbookWriter()
    heading = _("%(unit)s %(month)s 成绩单%(state)s · %(group)s 第 %(rank)s 名 / %(members)s") % {
        "unit": score.unit.name,
        "month": _month(run),
        "state": _state(run),
        "group": run.group.name,
        "rank": score.rank,
        "members": card["members"],
    }
    table = writer.table(_("成绩单"), SCORECARD_COLUMNS, heading=heading)
    for line in [*card["items"], *card["adjustments"]]:
        item = line.item
        table.append(
            {
                "label": line.label,
                "kind": _(_KINDS.get(item.kind, item.kind)),
                "basis": line.basis,
                "weight": item.weight,
                "unit_of_measure": item.indicator.unit_of_measure,
                "target": item.target,
                "actual": item.actual,
                "completion": item.completion,
                "time_progress": item.time_progress,
                "gap": item.gap,
                "growth": item.growth,
                "measure": line.measure if item.measure is not None else None,
                "points": item.points,
                "lost": item.lost if item.kind == "item" else None,
                "note": "；".join(text for text in (line.rule, line.note) if text),
            }
        )
    table.totals(
        {
            "weight": card["item_weight"],
            "points": card["lines_total"],
            "lost": card["lost_total"],
        },
        label=_("合计"),
    )
    history = writer.table(_("名次走势"), HISTORY_COLUMNS, heading=heading)
    for point in card["history"]:
        history.append({"month": point.label, "rank": point.rank, "total": point.total})
    return writer.to_bytes()


# Comparing units --------------------------------------------------------------------------------


def compare_workbook(comparison: dict[str, Any]) -> bytes:
    """Units side by side (views.boards.compare.compare_context): per item each unit's actual,
    completion and points; then the totals and the ranks."""
    run, scores = comparison["run"], comparison["scores"]
    columns = [
        Column("label", gettext_noop("评分项"), width=24),
        Column("weight", gettext_noop("分值"), width=8, number_format=POINTS),
    ]
    for score in scores:
        name = score.unit.name
        columns += [
            Column(f"actual-{score.pk}", f"{name} {_('实际值')}", width=14, number_format=AMOUNT),
            Column(f"completion-{score.pk}", f"{name} {_('完成率（%）')}", width=12, number_format=PERCENT),
            Column(f"points-{score.pk}", f"{name} {_('得分')}", width=10, number_format=POINTS),
        ]  # fmt: skip
    writer = WorkbookWriter()
    table = writer.table(
        _("单位对比"),
        columns,
        heading=_("%(group)s %(month)s 单位对比%(state)s")
        % {"group": run.group.name, "month": _month(run), "state": _state(run)},
    )
    for row in [*comparison["items"], *comparison["adjustments"]]:
        values: dict[str, Any] = {"label": row.label, "weight": row.weight}
        for score, cell in zip(scores, row.cells, strict=True):
            if cell.line is None:
                continue
            item = cell.line.item
            values[f"actual-{score.pk}"] = item.actual if item.kind == "item" else item.measure
            values[f"completion-{score.pk}"] = item.completion
            values[f"points-{score.pk}"] = item.points
        table.append(values)
    table.totals({f"points-{score.pk}": score.total for score in scores}, label=_("总分"))
    # As text: the column's number format is for points.
    table.totals({f"points-{score.pk}": str(score.rank) for score in scores}, label=_("名次"))
    return writer.to_bytes()
