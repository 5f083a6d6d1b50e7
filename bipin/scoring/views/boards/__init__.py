"""The pages of the competition's results (比拼榜): every group's board of a month, one
group's board with each unit's trend, the runs and a run's page with the supervisor's
buttons (publish, discard, score again), a unit's 成绩单 and the side-by-side comparison
of units, each with its Excel export; and the scoring section of a unit's page.

Who sees what is the scoping's (querysets.py): a published board is everyone's, drafts
are the supervisor's and the leaders'; a 成绩单's lines are read only through
`Score.objects.with_breakdown(user)`, so a unit's people open their own and get 404 for
another unit's. Every page reads its rows in a fixed number of queries.
"""

from django.urls import URLPattern, path

from bipin.scoring.views.boards.boards import board, board_export, board_list
from bipin.scoring.views.boards.common import BoardRow
from bipin.scoring.views.boards.compare import compare, compare_export
from bipin.scoring.views.boards.runs import (
    run_detail,
    run_discard,
    run_list,
    run_new,
    run_publish,
    run_rescore,
)
from bipin.scoring.views.boards.scorecards import (
    scorecard,
    scorecard_export,
    unit_scorecard,
    unit_section,
)

__all__ = ["BoardRow", "unit_section", "urlpatterns"]

_MONTH = "<int:year>-<int:month>"

urlpatterns: list[URLPattern] = [
    path("", board_list, name="list"),
    path(f"groups/<int:group_pk>/{_MONTH}/", board, name="board"),
    path("runs/", run_list, name="runs"),
    path("runs/new/", run_new, name="run_new"),
    path("runs/<int:pk>/", run_detail, name="run"),
    path("runs/<int:pk>/export/", board_export, name="board_export"),
    path("runs/<int:pk>/publish/", run_publish, name="run_publish"),
    path("runs/<int:pk>/discard/", run_discard, name="run_discard"),
    path("runs/<int:pk>/rescore/", run_rescore, name="run_rescore"),
    path("scores/<int:score_pk>/", scorecard, name="scorecard"),
    path("scores/<int:score_pk>/export/", scorecard_export, name="scorecard_export"),
    path(f"units/<int:unit_pk>/{_MONTH}/", unit_scorecard, name="unit_scorecard"),
    path("compare/", compare, name="compare"),
    path("compare/export/", compare_export, name="compare_export"),
]
