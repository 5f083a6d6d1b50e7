"""Placeholder until its helper writes it."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
