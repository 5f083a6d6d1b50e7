"""`bipin export KIND FILE [--user USERNAME] [--unit CODE] [--year Y] [--filter KEY=VALUE …]
[--template]`: writes the rows of a registered kind that the user may see, filtered as
the kind's list page filters them, to a formatted .xlsx with a totals row; or, with
--template, the blank import template.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from bipin.core.excel import excel_kinds
from bipin.core.management.users import acting_user


class Command(BaseCommand):
    help = "Exports the rows of a registered kind (projects …) to .xlsx, or its import template."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help=f"what to export: {', '.join(excel_kinds)}")
        parser.add_argument("file", help="the .xlsx file to write")
        parser.add_argument("--user", help="export as this user (default: the first supervisor)")
        parser.add_argument("--unit", help="only this unit (by code) and the units below it")
        parser.add_argument("--year", help="only this year (the list's year filter)")
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
        user: str | None,
        unit: str | None,
        year: str | None,
        filters: list[str],
        template: bool,
        **options: Any,
    ) -> None:
        try:
            excel_kind = excel_kinds.get(kind)
        except KeyError as error:
            raise CommandError(str(error.args[0])) from None
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
