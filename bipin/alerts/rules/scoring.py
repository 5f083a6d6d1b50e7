"""Rule kinds about the competition: a unit at the bottom of its group, run after run."""

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bipin.alerts.choices import Severity
from bipin.alerts.rules.base import Finding, Param, PassContext, RuleKind, register
from bipin.org.models import Unit
from bipin.scoring.models import Run, Score

if TYPE_CHECKING:
    from bipin.alerts.models import Alert, Rule


@register
class BottomOfGroup(RuleKind):
    """The last K published boards of each group (a corrected month counts by its
    correction); a unit among the last N places on every one of them is warned. The alert
    is the year's: it stays while the streak lasts and resolves when a board breaks it."""

    key = "bottom_of_group"
    label = gettext_lazy("连续排名靠后")
    explanation = gettext_lazy("在本组连续若干期已发布的比拼中排名倒数若干位")
    subject_model = Unit
    default_severity = Severity.YELLOW
    params = (
        Param("places", gettext_lazy("倒数名次（N）"), 2, minimum=1, maximum=100),
        Param("runs", gettext_lazy("连续期数（K）"), 3, minimum=1, maximum=12),
    )

    def find(self, rule: "Rule", context: PassContext) -> Iterable[Finding]:
        settings = self.settings(rule)
        places, streak = int(settings["places"]), int(settings["runs"])
        latest = Run.objects.current().filter(published_at__date__lte=context.today)
        year = latest.order_by("-year").values_list("year", flat=True).first()
        if year is None:
            return
        runs_by_group: dict[int, list[Any]] = defaultdict(list)
        for run in (
            latest.filter(year=year)
            .select_related("group")
            .annotate(entrants=Count("scores"))
            .order_by("group_id", "-month")
        ):
            if len(runs_by_group[run.group_id]) < streak:
                runs_by_group[run.group_id].append(run)
        content_type_id = context.content_type_id(Unit)
        for runs in runs_by_group.values():
            if len(runs) < streak:
                continue
            ranks: dict[int, list[tuple[int, str, int, int]]] = defaultdict(list)
            board: dict[int, list[tuple[int, int]]] = defaultdict(list)
            for score in Score.objects.filter(run__in=runs).values("run_id", "unit_id", "rank"):
                board[score["run_id"]].append((score["unit_id"], score["rank"]))
            for run in runs:
                for unit_id, rank in board[run.pk]:
                    # Among the last N: fewer than N units placed strictly below. Units
                    # tied for last share a rank (1224 ranking) and are all last.
                    below = sum(1 for _unit, other in board[run.pk] if other > rank)
                    if below < places:
                        ranks[unit_id].append((run.month, run.period.label, rank, run.entrants))
            names = dict(Unit.objects.filter(pk__in=list(ranks)).values_list("pk", "name"))
            group = runs[0].group
            for unit_id, unit_ranks in ranks.items():
                if len(unit_ranks) < streak:
                    continue
                yield Finding(
                    subject_type_id=content_type_id,
                    subject_id=unit_id,
                    subject_label=f"{names[unit_id]} · {group.name}",
                    unit_id=unit_id,
                    severity=rule.severity,
                    period=str(year),
                    facts={
                        "group": group.name,
                        "places": places,
                        "runs": streak,
                        # Latest first: [period, rank, entrants].
                        "ranks": [list(entry[1:]) for entry in sorted(unit_ranks, reverse=True)],
                    },
                )

    def describe(self, alert: "Alert") -> str:
        facts = alert.facts
        ranks = "、".join(
            _("%(period)s 第 %(rank)s/%(count)s 名")
            % {"period": period, "rank": rank, "count": count}
            for period, rank, count in facts["ranks"]
        )
        return _("在%(group)s连续 %(runs)s 期排名倒数 %(places)s 位以内：%(ranks)s") % {
            "group": facts["group"],
            "runs": facts["runs"],
            "places": facts["places"],
            "ranks": ranks,
        }
