from django.urls import path

from bipin.alerts.views import alerts as alert_views

app_name = "alerts"

urlpatterns = [
    path("", alert_views.overview, name="list"),
    path("<int:pk>/", alert_views.overview, name="alert"),
    path("rules/<int:pk>/", alert_views.overview, name="rule"),
    path("inbox/<int:pk>/", alert_views.overview, name="notification"),
]
