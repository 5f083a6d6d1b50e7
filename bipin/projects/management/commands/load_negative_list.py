"""`bipin load_negative_list FILE [--user USERNAME]`: loads the market-access negative list
(市场准入负面清单) from an .xlsx or .csv file with the columns 事项编号, 事项内容, 类别
(禁止准入 or 许可准入) and 涉及行业代码 (codes separated by 、 or commas; a section letter
covers its divisions).

Every row is checked first; on any error the command prints them all and loads nothing.
Items are created or updated by their code; items not in the file stay. Safe to run again.
bipin ships a small demo list: bipin/projects/data/negative_list_demo.csv.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from bipin.core.excel import ImportRejected
from bipin.core.management.users import acting_user
from bipin.projects.imports import NEGATIVE_LIST_DEMO, load_negative_list_file


class Command(BaseCommand):
    help = "Loads the market-access negative list from an .xlsx or .csv file (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            default=str(NEGATIVE_LIST_DEMO),
            help="the file (default: the demo list)",
        )
        parser.add_argument(
            "--user", help="record the change as this user (default: the first supervisor)"
        )

    def handle(self, *args: Any, file: str, user: str | None, **options: Any) -> None:
        actor = acting_user(user)
        try:
            created, updated = load_negative_list_file(file, actor=actor)
        except ImportRejected as rejected:
            for problem in rejected.errors:
                self.stderr.write(str(problem))
            raise CommandError(
                _("发现 %(count)s 处错误，没有写入任何数据。") % {"count": len(rejected.errors)}
            ) from None
        except OSError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("负面清单已导入：新增 %(created)s 项，更新 %(updated)s 项。")
                % {"created": created, "updated": updated}
            )
        )
