from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "bipin.org"
    label = "org"
    verbose_name = _("组织")

    def ready(self) -> None:
        from bipin.core.demo import demo_steps
        from bipin.org.demo import OrgDemo
        from bipin.org.models import Unit, linkable_models

        linkable_models.add("org.unit", Unit)
        demo_steps.add("org", OrgDemo())
