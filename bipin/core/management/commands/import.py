"""`bipin import KIND FILE [--dry-run] [--user USERNAME]`: imports an .xlsx of a registered
kind (projects now; talent and enterprises later), all or nothing.

The command acts as a user, whose scope limits what may be imported (a town's clerk
imports only their town's rows); by default the first supervisor. It prints its progress
on large files, then what it created, updated and left unchanged; on any error it prints
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

    def handle(
        self, *args: Any, kind: str, file: str, dry_run: bool, user: str | None, **options: Any
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

        report = excel_kind.import_file(file, actor=actor, dry_run=dry_run, progress=progress)
        for note in report.notes:
            self.stdout.write(note)
        if report.errors:
            for problem in report.errors:
                self.stderr.write(str(problem))
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))
