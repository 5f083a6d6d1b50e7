"""`bipin export KIND [PERIOD] FILE [--user USERNAME] [--unit CODE] [--year Y]
[--indicators CODE,CODE] [--filter KEY=VALUE …] [--template]`: writes the rows of a
registered kind that the user may see, filtered as the kind's list page filters them, to a
formatted .xlsx with a totals row; or, with --template, the blank import template.

A kind that exports one period at a time (the monthly report: `bipin export values
2026-10 FILE`; the targets: `bipin export targets 2026 FILE`) declares its
`period_argument`; the period then comes before the file.
"""

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from bipin.core.excel import excel_kinds
from bipin.core.management.users import acting_user


class Command(BaseCommand):
    help = "Exports the rows of a registered kind (projects …) to .xlsx, or its import template."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help=f"what to export: {', '.join(excel_kinds)}")
        with_period = [
            f"{key} {kind.period_argument} FILE"
            for key, kind in excel_kinds.items()
            if kind.period_argument
        ]
        parser.add_argument(
            "file",
            metavar="[PERIOD] FILE",
            help="the .xlsx file to write; kinds of one period take the period first: "
            + "; ".join(with_period),
        )
        # The file, when the first argument was the period (argparse has no optional
        # positional before a required one).
        parser.add_argument("then_file", nargs="?", help=argparse.SUPPRESS)
        parser.add_argument("--user", help="export as this user (default: the first supervisor)")
        parser.add_argument("--unit", help="only this unit (by code) and the units below it")
        parser.add_argument("--year", help="only this year (the list's year filter)")
        parser.add_argument(
            "--indicators", help="only these indicators, by code, comma-separated (values, targets)"
        )
        parser.add_argument(
            "--filter",
            dest="filters",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="any other filter of the kind's list page: "
            + "; ".join(f"{key}: {kind.filter_help}" for key, kind in excel_kinds.items()),
        )
        parser.add_argument(
            "--template", action="store_true", help="write the blank import template instead"
        )

    def handle(
        self,
        *args: Any,
        kind: str,
        file: str,
        then_file: str | None,
        user: str | None,
        unit: str | None,
        year: str | None,
        indicators: str | None,
        filters: list[str],
        template: bool,
        **options: Any,
    ) -> None:
        try:
            excel_kind = excel_kinds.get(kind)
        except KeyError as error:
            raise CommandError(str(error.args[0])) from None
        period, file = self._period_and_file(excel_kind.period_argument, file, then_file, template)
        if template:
            with open(file, "wb") as destination:
                destination.write(excel_kind.template())
            self.stdout.write(self.style.SUCCESS(_("已写出导入模板：%(file)s") % {"file": file}))
            return
        wanted: dict[str, str] = {}
        for pair in filters:
            key, sep, value = pair.partition("=")
            if not sep or not key:
                raise CommandError(_("筛选条件应写成 KEY=VALUE：%(pair)s") % {"pair": pair})
            wanted[key.strip()] = value.strip()
        if unit:
            wanted["unit"] = unit
        if year:
            wanted["year"] = year
        if indicators:
            wanted["indicators"] = indicators
        if period:
            wanted["period"] = period
        actor = acting_user(user)
        try:
            queryset = excel_kind.export_queryset(actor, wanted)
        except ValueError as error:
            raise CommandError(str(error)) from None
        count = queryset.count()
        excel_kind.export_file(queryset, file)
        self.stdout.write(
            self.style.SUCCESS(_("已导出 %(count)s 行到 %(file)s") % {"count": count, "file": file})
        )

    @staticmethod
    def _period_and_file(
        period_argument: str, first: str, second: str | None, template: bool
    ) -> tuple[str, str]:
        """The period (for a kind that takes one; a template needs none) and the file."""
        if second is None and (template or not period_argument):
            return "", first
        if second is not None and period_argument:
            return first, second
        usage = f"{period_argument} FILE" if period_argument else "FILE"
        raise CommandError(_("参数应为：%(usage)s") % {"usage": usage})
