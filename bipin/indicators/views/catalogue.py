"""Pages of the indicators app: catalogue (being written)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
