"""`bipin import KIND FILE [--dry-run] [--user USERNAME] [--reason TEXT]`: imports an .xlsx
of a registered kind (projects, talents, enterprises, values …), all or nothing. --reason is
for the kinds that ask for one (a change of targets after the year began).

The command acts as a user, whose scope limits what may be imported (a town's clerk
imports only their town's rows); by default the first supervisor. It prints its progress
on large files, the warnings of the rows (a growth that differs from the bureau's, a
possible duplicate), then what it created, updated and left unchanged; on any error it prints
every error with its sheet, row and column and exits non-zero having written nothing.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from bipin.core.excel import excel_kinds
from bipin.core.management.users import acting_user

#: Rows between two progress lines.
PROGRESS_LINES_EVERY = 1000


class Command(BaseCommand):
    help = "Imports an .xlsx file of a registered kind (projects …): all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help=f"what the file holds: {', '.join(excel_kinds)}")
        parser.add_argument("file", help="the .xlsx file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and preview, write nothing"
        )
        parser.add_argument("--user", help="import as this user (default: the first supervisor)")
        parser.add_argument(
            "--reason",
            default="",
            help="why (kinds that ask for one: "
            + (", ".join(key for key, kind in excel_kinds.items() if kind.reason_help) or "none")
            + "), e.g. a change of targets after the year began",
        )

    def handle(
        self,
        *args: Any,
        kind: str,
        file: str,
        dry_run: bool,
        user: str | None,
        reason: str,
        **options: Any,
    ) -> None:
        try:
            excel_kind = excel_kinds.get(kind)
        except KeyError as error:
            raise CommandError(str(error.args[0])) from None
        actor = acting_user(user)
        self.stdout.write(
            _("正在导入 %(file)s（%(kind)s，操作人 %(user)s）…")
            % {"file": file, "kind": excel_kind.label, "user": actor.username}
        )
        printed = 0

        def progress(done: int, total: int) -> None:
            nonlocal printed
            if done // PROGRESS_LINES_EVERY > printed // PROGRESS_LINES_EVERY or (
                done == total and done != printed
            ):
                self.stdout.write(
                    _("已处理 %(done)s/%(total)s 行") % {"done": done, "total": total}
                )
                printed = done

        extra: dict[str, str] = {}
        if excel_kind.reason_help:
            extra["reason"] = reason
        elif reason:
            raise CommandError(_("“%(kind)s”的导入不需要原因。") % {"kind": excel_kind.label})
        report = excel_kind.import_file(
            file, actor=actor, dry_run=dry_run, progress=progress, **extra
        )
        for note in report.notes:
            self.stdout.write(note)
        for row in report.rows:
            for remark in row.remarks:
                if remark.warning:
                    self.stdout.write(
                        self.style.WARNING(
                            _("第 %(row)s 行：%(text)s") % {"row": row.row, "text": remark.text}
                        )
                    )
        if report.errors:
            for problem in report.errors:
                self.stderr.write(str(problem))
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))
