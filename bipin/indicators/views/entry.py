"""Pages of the indicators app: entry (being written)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
