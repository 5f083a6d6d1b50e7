from django.urls import path

from bipin.talent import views

app_name = "talent"

urlpatterns = [
    path("", views.talent_list, name="list"),
    path("new/", views.talent_create, name="create"),
    path("<int:pk>/", views.talent_detail, name="detail"),
    path("<int:pk>/edit/", views.talent_edit, name="edit"),
]
