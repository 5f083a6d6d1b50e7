"""The pages of 指标数据: the catalogue, the targets, and the monthly collection. Each
views module lists its own patterns."""

from django.urls import URLPattern

from bipin.indicators.views import catalogue, entry, targets

app_name = "indicators"
urlpatterns: list[URLPattern] = [
    *catalogue.urlpatterns,
    *targets.urlpatterns,
    *entry.urlpatterns,
]
