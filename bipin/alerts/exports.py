"""The alert list as an Excel workbook: the columns of the overview's rows (core/excel's
TableWriter: a heading, a bold frozen header, dates as dates)."""

from collections.abc import Iterable
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bipin.alerts.choices import Escalation
from bipin.alerts.models import Alert
from bipin.core.excel import Column, WorkbookWriter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ALERT_COLUMNS = (
    Column("number", gettext_noop("预警编号"), width=10),
    Column("severity", gettext_noop("预警级别"), width=12),
    Column("rule", gettext_noop("预警规则"), width=18),
    Column("subject", gettext_noop("预警对象"), width=36),
    Column("unit", gettext_noop("责任单位"), width=18),
    Column("responsible", gettext_noop("责任人"), width=12),
    Column("period", gettext_noop("期间"), width=10),
    Column("opened_on", gettext_noop("触发日期"), width=12),
    Column("days", gettext_noop("持续天数"), width=10),
    Column("status", gettext_noop("状态"), width=10),
    Column("escalation", gettext_noop("上报层级"), width=12),
    Column("remedy", gettext_noop("整改措施"), width=36),
    Column("remedy_due", gettext_noop("计划完成日期"), width=12),
    Column("finding", gettext_noop("预警内容"), width=60),
)


def alerts_workbook(alerts: Iterable[Alert], today: date) -> bytes:
    """One row per alert, in the list's order (oldest first)."""
    writer = WorkbookWriter()
    table = writer.table(
        _("督查预警"),
        ALERT_COLUMNS,
        heading=_("督查预警清单（%(day)s）") % {"day": today.isoformat()},
    )
    for alert in alerts:
        table.append(
            {
                "number": alert.pk,
                "severity": alert.get_severity_display(),
                "rule": alert.rule.name,
                "subject": alert.subject_label,
                "unit": alert.unit.name,
                "responsible": str(alert.responsible) if alert.responsible else "",
                "period": alert.period,
                "opened_on": alert.opened_on,
                "days": alert.days_open(today),
                "status": alert.get_status_display(),
                "escalation": Escalation(alert.escalation).label,
                "remedy": alert.remedy,
                "remedy_due": alert.remedy_due,
                "finding": alert.describe(),
            }
        )
    return writer.to_bytes()
