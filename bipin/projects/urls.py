from django.urls import path

from bipin.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("mine/", views.my_projects, name="mine"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/stage/", views.project_stage, name="stage"),
    path("<int:pk>/terminate/", views.project_terminate, name="terminate"),
    path("milestones/<int:pk>/replan/", views.milestone_replan, name="milestone_replan"),
    path("milestones/<int:pk>/note/", views.milestone_note, name="milestone_note"),
    path("milestones/<int:pk>/evidence/", views.milestone_evidence, name="milestone_evidence"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("duplicates/<int:pk>/decide/", views.duplicate_decide, name="duplicate_decide"),
]
