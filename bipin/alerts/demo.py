"""督查预警's part of the demo: one rule of every kind, as a supervision office would set
them, a few people who take mail or the daily digest, and one pass of the rules for the
day the demo is loaded — so the inbox, the overview and the unit pages have alerts to show.
"""

from decimal import Decimal
from typing import Any

from django.utils import timezone

from bipin.alerts.actions import do_save_rule
from bipin.alerts.choices import Severity
from bipin.alerts.engine import run_rules
from bipin.alerts.models import NotificationPreference, Rule
from bipin.core.choices import Role
from bipin.core.demo import DemoContext, DemoStep
from bipin.org.models import User

#: (kind, name, severity, params, escalate after days)
RULES: list[tuple[str, str, str, dict[str, Any], int]] = [
    ("milestone_overdue", "项目节点逾期", Severity.RED, {}, 3),
    ("milestone_due_soon", "项目节点 15 天内到期", Severity.REMINDER, {"days": 15}, 3),
    (
        "completion_behind",
        "指标进度落后序时",
        Severity.YELLOW,
        {"green_from": Decimal(0), "yellow_from": Decimal(-10)},
        5,
    ),
    (
        "forecast_miss",
        "预计完不成年度目标",
        Severity.YELLOW,
        {"tolerance": Decimal(0), "red_margin": Decimal(10)},
        5,
    ),
    ("bottom_of_group", "连续三期排名倒数两位", Severity.YELLOW, {"places": 2, "runs": 3}, 5),
    ("value_not_submitted", "月度数据逾期未报", Severity.YELLOW, {}, 2),
    ("request_overdue", "企业诉求超期未办结", Severity.RED, {}, 2),
    ("project_stalled", "项目 90 天无进展", Severity.YELLOW, {"days": 90}, 7),
]


class AlertsDemo(DemoStep):
    name = "alerts"

    def is_loaded(self) -> bool:
        return Rule.objects.exists()

    def generate(self, context: DemoContext) -> None:
        if context.scale != "district":
            context.out.write("  alerts: the district demo only (benchmarks make their own)\n")
            return
        supervisor = User.objects.get(username="supervisor")
        for order, (kind, name, severity, params, days) in enumerate(RULES, start=1):
            rule = do_save_rule(
                None,
                kind=kind,
                name=name,
                severity=severity,
                params=params,
                escalate_after_days=days,
                active=True,
                actor=supervisor,
            )
            Rule.objects.filter(pk=rule.pk).update(order=order)
        # The office reads its mail; the town's manager takes one digest a day.
        for username, digest in (("supervisor", False), ("manager_jincheng", True)):
            user = User.objects.get(username=username)
            NotificationPreference.objects.create(user=user, email=True, daily_digest=digest)
        result = run_rules(timezone.localdate())
        leaders = User.objects.filter(role=Role.LEADER).count()
        context.out.write(
            f"督查预警：{len(RULES)} 条规则，首次核查触发 {result.opened} 条预警"
            f"（{leaders} 位挂联领导）\n"
        )
