from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "bipin.alerts"
    label = "alerts"
    verbose_name = _("督查预警")

    def ready(self) -> None:
        # The rule kinds register themselves on import.
        from bipin.alerts import rules  # noqa: F401
        from bipin.alerts.demo import AlertsDemo
        from bipin.core.demo import demo_steps

        demo_steps.add("alerts", AlertsDemo())

        # A unit's page shows its standing alerts by severity.
        from bipin.alerts.views.alerts import unit_section
        from bipin.org.models import UnitSection, unit_sections

        unit_sections.add("alerts", UnitSection(order=7, render=unit_section))
