"""Rule kinds about enterprise service: a request past its deadline (办理期限)."""

from collections.abc import Iterable
from itertools import chain
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bipin.alerts.choices import Severity
from bipin.alerts.rules.base import Finding, PassContext, RuleKind, register
from bipin.enterprises.choices import FINISHED
from bipin.enterprises.models import Enterprise, ServiceRequest

if TYPE_CHECKING:
    from bipin.alerts.models import Alert, Rule


@register
class RequestOverdue(RuleKind):
    """One alert per handling department: a request routed to two departments binds both.
    A request not yet routed to any department is the enterprise's town's to chase."""

    key = "request_overdue"
    label = gettext_lazy("企业诉求超期")
    explanation = gettext_lazy("企业诉求已过办理期限仍未办结，预警承办部门")
    subject_model = ServiceRequest
    default_severity = Severity.RED

    def find(self, rule: "Rule", context: PassContext) -> Iterable[Finding]:
        content_type_id = context.content_type_id(ServiceRequest)
        routed = (
            ServiceRequest.departments.through.objects.filter(
                servicerequest__deadline__lt=context.today
            )
            .exclude(servicerequest__status__in=FINISHED)
            .values(
                request=F("servicerequest_id"),
                handling_unit=F("unit_id"),
                request_code=F("servicerequest__code"),
                enterprise_name=F("servicerequest__enterprise__name"),
                enterprise_pk=F("servicerequest__enterprise_id"),
                due_on=F("servicerequest__deadline"),
            )
        )
        unrouted = (
            ServiceRequest.objects.filter(deadline__lt=context.today, departments__isnull=True)
            .exclude(status__in=FINISHED)
            .values(
                request=F("pk"),
                handling_unit=F("enterprise__unit_id"),
                request_code=F("code"),
                enterprise_name=F("enterprise__name"),
                enterprise_pk=F("enterprise_id"),
                due_on=F("deadline"),
            )
        )
        for row in chain(routed.iterator(chunk_size=5000), unrouted.iterator(chunk_size=5000)):
            yield Finding(
                subject_type_id=content_type_id,
                subject_id=row["request"],
                subject_label=f"{row['request_code']} · {row['enterprise_name']}",
                unit_id=row["handling_unit"],
                severity=rule.severity,
                facts={
                    "code": row["request_code"],
                    "enterprise": row["enterprise_name"],
                    "enterprise_id": row["enterprise_pk"],
                    "deadline": row["due_on"].isoformat(),
                },
            )

    def linked_objects(self, alert: "Alert") -> list[tuple[type[models.Model], int]]:
        enterprise = alert.facts.get("enterprise_id")
        return [(ServiceRequest, alert.subject_id)] + (
            [(Enterprise, enterprise)] if enterprise else []
        )

    def describe(self, alert: "Alert") -> str:
        facts = alert.facts
        return _("%(enterprise)s 的诉求 %(code)s 办理期限为 %(deadline)s，已超期 %(days)s 天") % {
            "enterprise": facts["enterprise"],
            "code": facts["code"],
            "deadline": facts["deadline"],
            "days": self.days_between(alert, facts["deadline"]),
        }
