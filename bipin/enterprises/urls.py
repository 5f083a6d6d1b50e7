from django.urls import URLPattern, path

from bipin.enterprises.views import enterprises, requests

app_name = "enterprises"
urlpatterns: list[URLPattern] = [
    # Enterprises ---------------------------------------------------------------------------
    path("", enterprises.enterprise_list, name="list"),
    path("mine/", enterprises.my_enterprises, name="mine"),
    path("new/", enterprises.enterprise_create, name="create"),
    path("<int:pk>/", enterprises.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", enterprises.enterprise_edit, name="edit"),
    # Service requests ----------------------------------------------------------------------
    path("requests/", requests.request_list, name="requests"),
    path("requests/queue/", requests.request_queue, name="queue"),
    path("requests/stats/", requests.request_stats, name="request_stats"),
    path("requests/new/", requests.request_create, name="request_create"),
    path("requests/<int:pk>/", requests.request_detail, name="request"),
    path("requests/<int:pk>/edit/", requests.request_edit, name="request_edit"),
    path("requests/<int:pk>/assign/", requests.request_assign, name="request_assign"),
    path("requests/<int:pk>/start/", requests.request_start, name="request_start"),
    path("requests/<int:pk>/finish/", requests.request_finish, name="request_finish"),
    path("requests/<int:pk>/close/", requests.request_close, name="request_close"),
    path("requests/<int:pk>/reopen/", requests.request_reopen, name="request_reopen"),
    path("requests/categories/", requests.categories, name="categories"),
    path("requests/categories/new/", requests.category_create, name="request_category_create"),
    path(
        "requests/categories/<int:pk>/edit/",
        requests.category_edit,
        name="request_category_edit",
    ),
]
