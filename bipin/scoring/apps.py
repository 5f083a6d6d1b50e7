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
