"""Pages of the monthly collection (月度数据填报): where a person lands to report, the grid
of a unit (every indicator that applies to it) and of an indicator (every unit it applies
to), a value's page with its versions, who has not submitted what, and the months with
their deadlines.

Every write goes through indicators.actions and every read through `restrict`. A grid cell
saves itself by htmx (`value_cell`) and answers with its row re-rendered, or with the
error under the input and the typed text kept. A grid reads its month in a fixed number of
queries, however many rows it has.
"""

from django.urls import path

from bipin.indicators.views.entry.cells import latest_open_period, month_label
from bipin.indicators.views.entry.grids import (
    entry,
    indicator_approve,
    indicator_grid,
    indicator_submit,
    unit_approve,
    unit_grid,
    unit_submit,
    value_cell,
)
from bipin.indicators.views.entry.months import (
    period_close,
    period_compute,
    period_deadline,
    periods,
    progress,
    progress_export,
    submission_progress,
)
from bipin.indicators.views.entry.values import value_correct, value_detail, value_step

__all__ = ["latest_open_period", "month_label", "submission_progress", "urlpatterns"]

_MONTH = "<int:year>-<int:month>"

urlpatterns = [
    path("entry/", entry, name="entry"),
    path(f"entry/unit/<int:unit_pk>/{_MONTH}/", unit_grid, name="unit_grid"),
    path(f"entry/unit/<int:unit_pk>/{_MONTH}/submit/", unit_submit, name="unit_submit"),
    path(f"entry/unit/<int:unit_pk>/{_MONTH}/approve/", unit_approve, name="unit_approve"),
    path(f"entry/indicator/<int:indicator_pk>/{_MONTH}/", indicator_grid, name="indicator_grid"),
    path(
        f"entry/indicator/<int:indicator_pk>/{_MONTH}/submit/",
        indicator_submit,
        name="indicator_submit",
    ),
    path(
        f"entry/indicator/<int:indicator_pk>/{_MONTH}/approve/",
        indicator_approve,
        name="indicator_approve",
    ),
    path(f"entry/cell/<int:indicator_pk>/<int:unit_pk>/{_MONTH}/", value_cell, name="value_cell"),
    path("values/<int:pk>/", value_detail, name="value"),
    path("values/<int:pk>/step/", value_step, name="value_step"),
    path("values/<int:pk>/correct/", value_correct, name="value_correct"),
    path("progress/", progress, name="progress"),
    path(f"progress/{_MONTH}/", progress, name="progress"),
    path(f"progress/{_MONTH}/export/", progress_export, name="progress_export"),
    path("periods/", periods, name="periods"),
    path(f"periods/{_MONTH}/deadline/", period_deadline, name="period_deadline"),
    path(f"periods/{_MONTH}/close/", period_close, name="period_close"),
    path(f"periods/{_MONTH}/compute/", period_compute, name="period_compute"),
]
