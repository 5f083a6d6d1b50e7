from django.urls import URLPattern

app_name = "enterprises"
urlpatterns: list[URLPattern] = [
    # Enterprises ---------------------------------------------------------------------------
    # Service requests ----------------------------------------------------------------------
]
