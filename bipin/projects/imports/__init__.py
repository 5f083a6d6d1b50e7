"""Excel in and out of investment projects: the import template, the importer of the
office's ledger (招商引资签约项目台账), the export of the project list, and the loader of the
market-access negative list.

An import is all or nothing (one transaction; any error and nothing is written) and lists
every error of the file with its sheet, row and column. Rows are upserted on the project
code, so importing the same file twice changes nothing; a row without a code is the
project of the same investor and name, if the importer may change one, else a new project
with the next code of its year. Every row goes through `do_import_projects` (a batch of
rows at a time), which holds the rules of stages, the negative list, counting and the
roadmap.

The importer reads in two passes over memory, not over the file: it parses and checks
every row first (what each row names is looked up in tables read once per import, not in
a query per row), then writes. So codes are generated knowing every code of the file,
duplicates within the file are found before anything is written, and the progress of the
writing (the slow part) has a true total.
"""

from bipin.projects.imports.columns import Lookups, is_foreign_origin, project_columns
from bipin.projects.imports.export import (
    PROJECTS_EXCEL,
    export_projects,
    export_queryset,
    project_template,
)
from bipin.projects.imports.ledger import ProjectPreview, import_projects
from bipin.projects.imports.negative_list import (
    NEGATIVE_LIST_DEMO,
    load_negative_list_file,
    negative_list_columns,
    read_negative_list,
)

__all__ = [
    "NEGATIVE_LIST_DEMO", "PROJECTS_EXCEL", "Lookups", "ProjectPreview", "export_projects",
    "export_queryset", "import_projects", "is_foreign_origin", "load_negative_list_file",
    "negative_list_columns", "project_columns", "project_template", "read_negative_list",
]  # fmt: skip
