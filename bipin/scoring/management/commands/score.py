"""`bipin score GROUP YEAR-MONTH [--publish] [--reason TEXT] [--user USERNAME]`: scores a
competition group's month under its newest scheme and prints the board; GROUP is the
group's name (乡镇组) or code, or `all` for every group of the year. With --publish the run
is published (a month already published is corrected, and needs --reason)."""

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils.translation import gettext as _

from bipin.core.management.users import acting_user
from bipin.core.periods import Period
from bipin.indicators.choices import Colour
from bipin.org.models import Group
from bipin.scoring.actions import do_publish_run, do_score, scheme_for
from bipin.scoring.models import Run


def _width(text: str) -> int:
    """Columns a terminal gives `text`: two for a CJK character."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _cell(text: str, width: int, *, right: bool = False) -> str:
    padding = " " * max(width - _width(text), 0)
    return padding + text if right else text + padding


def board_lines(run: Run) -> list[str]:
    """The run's board as lines of text: rank, unit, total, points, bonus, deduction,
    rank change and colour."""
    scores = list(run.scores.select_related("unit").order_by("rank", "unit__order"))
    header = [
        _cell(_("名次"), 5),
        _cell(_("单位"), 18),
        _cell(_("总分"), 8, right=True),
        _cell(_("指标得分"), 9, right=True),
        _cell(_("加分"), 6, right=True),
        _cell(_("扣分"), 6, right=True),
        _cell(_("位次变化"), 9, right=True),
        "  " + _("颜色"),
    ]
    lines = ["".join(header)]
    for score in scores:
        lines.append(
            "".join(
                [
                    _cell(str(score.rank), 5),
                    _cell(score.unit.name, 18),
                    _cell(f"{score.total:.2f}", 8, right=True),
                    _cell(f"{score.item_points:.2f}", 9, right=True),
                    _cell(f"{score.bonus:.2f}", 6, right=True),
                    _cell(f"{-score.deduction:.2f}" if score.deduction else "0.00", 6, right=True),
                    _cell(score.change_arrow, 9, right=True),
                    "  " + (str(Colour(score.colour).label) if score.colour else "—"),
                ]
            )
        )
    return lines


class Command(BaseCommand):
    help = "Scores a competition group's month (e.g. 乡镇组 2026-10) and prints the board."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("group", help="the group's name or code, or 'all'")
        parser.add_argument("period", help="the month, e.g. 2026-10")
        parser.add_argument("--publish", action="store_true", help="publish the run")
        parser.add_argument("--reason", default="", help="why a published month is corrected")
        parser.add_argument("--user", help="act as this user (default: the first supervisor)")

    def handle(
        self,
        *args: Any,
        group: str,
        period: str,
        publish: bool,
        reason: str,
        user: str | None,
        **options: Any,
    ) -> None:
        try:
            month = Period.parse(period)
        except ValueError as error:
            raise CommandError(str(error)) from None
        actor = acting_user(user)
        groups = Group.objects.restrict(actor).for_year(month.year).order_by("order", "code")
        if group.lower() not in ("all", "全部"):
            groups = groups.filter(Q(name=group) | Q(code=group))
        chosen = list(groups)
        if not chosen:
            raise CommandError(
                _("%(year)s 年没有名称或代码为“%(group)s”的比拼组。")
                % {"year": month.year, "group": group}
            )
        for competition in chosen:
            scheme = scheme_for(competition)
            if scheme is None:
                raise CommandError(_("%(group)s还没有评分方案。") % {"group": competition})
            try:
                run = do_score(scheme, month, actor=actor)
                if publish:
                    run = do_publish_run(run, actor=actor, reason=reason)
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
            state = _("已发布") if run.is_published else _("草稿")
            self.stdout.write(
                _("%(group)s %(period)s（%(scheme)s，%(state)s%(correction)s）")
                % {
                    "group": competition.name,
                    "period": month.label,
                    "scheme": scheme,
                    "state": state,
                    "correction": _("，更正") if run.corrects_id else "",
                }
            )
            for line in board_lines(run):
                self.stdout.write(line)
            if run.missing_count:
                self.stdout.write(
                    _("注：%(count)s 项缺少审核数据，未得分。") % {"count": run.missing_count}
                )
            self.stdout.write("")
