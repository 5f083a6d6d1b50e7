"""Pages of the indicators app: targets (being written)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
