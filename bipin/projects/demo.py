"""The projects' part of the demo (filled in below)."""

from bipin.core.demo import DemoContext, DemoStep
from bipin.projects.models import Project


class ProjectsDemo(DemoStep):
    name = "projects"

    def is_loaded(self) -> bool:
        return Project.objects.exists()

    def generate(self, context: DemoContext) -> None:
        pass
