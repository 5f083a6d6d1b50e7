from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "bipin.projects"
    label = "projects"
    verbose_name = _("招商引资")

    def ready(self) -> None:
        from bipin.core.demo import demo_steps
        from bipin.core.excel import excel_kinds
        from bipin.org.models import linkable_models
        from bipin.projects.demo import ProjectsDemo
        from bipin.projects.imports import PROJECTS_EXCEL
        from bipin.projects.models import Project

        linkable_models.add("projects.project", Project)
        demo_steps.add("projects", ProjectsDemo())
        excel_kinds.add("projects", PROJECTS_EXCEL)
