"""The Excel pages of every registered kind, under /excel/<kind>/."""

from django.urls import path

from bipin.core.excel import views

app_name = "excel"

urlpatterns = [
    path("<slug:kind>/import/", views.import_start, name="import"),
    path("<slug:kind>/import/<slug:job_id>/", views.import_job, name="import_job"),
    path("<slug:kind>/import/<slug:job_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("<slug:kind>/template/", views.import_template, name="template"),
    path("<slug:kind>/export/", views.export_records, name="export"),
]
