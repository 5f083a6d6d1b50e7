"""`bipin alerts run [--date YYYY-MM-DD] [--rule NAME]`: one pass of the warning rules by
hand, as the worker runs it each day; prints how many alerts it opened, kept and resolved,
rule by rule. Safe to run again: a second pass on the same day opens nothing new."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from bipin.alerts.engine import run_rules
from bipin.alerts.models import Rule


class Command(BaseCommand):
    help = _("督查预警：按规则核查一遍，输出新触发、保持和解除的预警数")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help=_("运行全部启用的预警规则"))
        run.add_argument("--date", help=_("按哪一天核查（YYYY-MM-DD），默认今天"))
        run.add_argument("--rule", action="append", help=_("只运行指定名称的规则，可重复"))

    def handle(self, *args: Any, **options: Any) -> None:
        today = self._date(options.get("date"))
        rules = Rule.objects.active()
        if options.get("rule"):
            names = options["rule"]
            rules = rules.filter(name__in=names)
            unknown = sorted(set(names) - set(rules.values_list("name", flat=True)))
            if unknown:
                raise CommandError(
                    _("没有这些启用的规则：%(names)s") % {"names": "、".join(unknown)}
                )
        result = run_rules(today, list(rules))
        for name, counts in result.by_rule.items():
            self.stdout.write(
                _("%(rule)s：新触发 %(opened)s，保持 %(kept)s，解除 %(resolved)s")
                % {
                    "rule": name,
                    "opened": counts["opened"],
                    "kept": counts["kept"],
                    "resolved": counts["resolved"],
                }
            )
        self.stdout.write(
            _(
                "%(day)s 核查完毕：新触发 %(opened)s，保持 %(kept)s，解除 %(resolved)s"
                "（升级 %(raised)s，降级 %(lowered)s，上报 %(escalated)s）"
            )
            % {
                "day": today.isoformat(),
                "opened": result.opened,
                "kept": result.kept,
                "resolved": result.resolved,
                "raised": result.raised,
                "lowered": result.lowered,
                "escalated": result.escalated,
            }
        )

    @staticmethod
    def _date(raw: str | None) -> date:
        if not raw:
            return timezone.localdate()
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise CommandError(
                _("日期“%(raw)s”无法识别，请写成 YYYY-MM-DD") % {"raw": raw}
            ) from None
