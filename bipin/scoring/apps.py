from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "bipin.scoring"
    label = "scoring"
    verbose_name = _("比拼评分")

    def ready(self) -> None:
        from bipin.core.demo import demo_steps
        from bipin.scoring.demo import ScoringDemo

        demo_steps.add("scoring", ScoringDemo())

        # A unit's page shows its latest published rank in its group.
        from bipin.org.models import UnitSection, unit_sections
        from bipin.scoring.views.boards import unit_section

        unit_sections.add("scoring", UnitSection(order=6, render=unit_section))

        # The 亩均 evaluation: its demo (figures of 2025, the schemes, the published
        # evaluation) after the competition's, and the figures sheet (bipin import figures).
        from bipin.core.excel import excel_kinds
        from bipin.scoring.demo_evaluation import EvaluationDemo
        from bipin.scoring.imports import FIGURES_EXCEL

        demo_steps.add("evaluation", EvaluationDemo())
        excel_kinds.add("figures", FIGURES_EXCEL)
