"""Forms of the project pages. Each validates what a person typed; the action checks the
pipeline's rules (stage order, the negative list, counting) and says what is wrong."""

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bipin.core.choices import Action
from bipin.core.forms import ReasonFormMixin, StyledFormMixin
from bipin.org.choices import UnitKind
from bipin.org.forms import UnitChoiceField
from bipin.org.models import Unit
from bipin.projects.actions import ENTRY_STAGES, EVIDENCE_EXTENSIONS, PROJECT_FIELDS
from bipin.projects.choices import DuplicateStatus, Stage
from bipin.projects.models import Industry, LeadingIndustry, Project
from bipin.projects.querysets import ProjectQuerySet

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def project_units(user: Any, action: str) -> QuerySet[Unit]:
    """The units whose projects `user` may `action`: the responsible units a form offers.

    The same reach as `Project.objects.restrict(user, action)`, read for units.
    """
    return Unit.objects.reached_by(user, ProjectQuerySet, action)


class IndustryChoiceField(forms.ModelChoiceField):
    """A GB/T 4754-2017 division, shown with its code."""

    def label_from_instance(self, obj: Industry) -> str:
        return f"{obj.code} {obj.name}"


class ProjectForm(StyledFormMixin, ReasonFormMixin, forms.ModelForm):
    """The particulars of a project; a new one also says at which stage it enters."""

    stage = forms.ChoiceField(
        label=_("录入阶段"),
        choices=[(stage.value, stage.label) for stage in ENTRY_STAGES],
        help_text=_("之后的阶段请在项目页面通过阶段变更推进"),
    )
    stage_on = forms.DateField(label=_("该阶段日期"), widget=_DATE)
    industry = IndustryChoiceField(
        queryset=Industry.objects.filter(section__isnull=False).order_by("code"),
        label=_("所属行业"),
        help_text=_("国民经济行业分类（GB/T 4754-2017）大类"),
    )
    leading_industry = forms.ModelChoiceField(
        queryset=LeadingIndustry.objects.filter(active=True),
        label=_("主导产业"),
        required=False,
    )
    responsible_unit = UnitChoiceField(queryset=Unit.objects.none(), label=_("责任单位"))
    platform = UnitChoiceField(queryset=Unit.objects.none(), label=_("落地平台"), required=False)

    class Meta:
        model = Project
        fields = list(PROJECT_FIELDS)
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "code": _("留空则自动生成，如 ZS2026-0001"),
            "contracted_investment": _("单位：万元；1亿元 = 10000万元"),
        }

    field_order = [
        "code", "name", "investor_name", "investor_origin", "investor_kind", "stage",
        "stage_on", "responsible_unit", "platform", "industry", "leading_industry", "channel",
        "contracted_investment", "fixed_asset_investment", "foreign_capital",
        "is_capital_increase", "uscc", "note", "reason",
    ]  # fmt: skip

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        creating = self.instance.pk is None
        units = project_units(user, Action.ADD if creating else Action.CHANGE)
        self.fields["responsible_unit"].queryset = units.with_tree_fields().order_siblings_by(  # type: ignore[attr-defined]
            "order", "code"
        )
        self.fields["platform"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            kind=UnitKind.PLATFORM, active=True
        ).order_by("order", "code")
        self.fields["code"].required = False
        self.fields["uscc"].widget.attrs.update({"maxlength": 18, "autocomplete": "off"})
        if creating:
            del self.fields["reason"]
            self.fields["stage_on"].initial = timezone.localdate()
            if user.unit_id and units.filter(pk=user.unit_id).exists():
                self.fields["responsible_unit"].initial = user.unit_id
        else:
            del self.fields["stage"], self.fields["stage_on"]
            self.fields["code"].required = True
            self.fields["code"].help_text = _("改动编号后，按旧编号导入的台账将新建项目")
            if self.instance.leading_industry_id:
                # A tag switched off later stays on the projects that carry it.
                self.fields["leading_industry"].queryset = LeadingIndustry.objects.filter(  # type: ignore[attr-defined]
                    active=True
                ) | LeadingIndustry.objects.filter(pk=self.instance.leading_industry_id)

    def clean_code(self) -> str:
        return (self.cleaned_data.get("code") or "").strip()

    def changes(self) -> dict[str, Any]:
        """The particulars to hand to the action."""
        return {
            name: self.cleaned_data[name] for name in PROJECT_FIELDS if name in self.cleaned_data
        }


class StageForm(StyledFormMixin, forms.Form):
    """A stage change: forward one step, back with a reason, or restore a terminated one."""

    to = forms.ChoiceField(label=_("变更为"))
    on = forms.DateField(label=_("发生日期"), widget=_DATE)
    reason = forms.CharField(
        label=_("原因"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("退回之前的阶段或恢复已终止的项目时必填"),
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [  # type: ignore[attr-defined]
            (stage.value, stage.label)
            for stage in Stage
            if stage not in (project.stage, Stage.TERMINATED)
        ]
        following = project.next_stage()
        self.fields["to"].initial = following.value if following else None
        self.fields["on"].initial = timezone.localdate()


class TerminateForm(StyledFormMixin, forms.Form):
    on = forms.DateField(label=_("终止日期"), widget=_DATE)
    reason = forms.CharField(
        label=_("终止原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class ReplanForm(StyledFormMixin, forms.Form):
    planned_on = forms.DateField(label=_("新的计划日期"), widget=_DATE)
    reason = forms.CharField(label=_("调整原因"), max_length=200)


class MilestoneNoteForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=_("节点备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvidenceForm(StyledFormMixin, forms.Form):
    upload = forms.FileField(
        label=_("佐证材料"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(EVIDENCE_EXTENSIONS))}),
    )
    name = forms.CharField(
        label=_("名称"), required=False, max_length=200, help_text=_("留空则用文件名")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["upload"].help_text = gettext(
            "PDF、图片、Word、Excel 或 OFD，不超过 %(limit)s MB"
        ) % {"limit": settings.BIPIN_UPLOAD_MAX_MB}


class DecideDuplicateForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("甄别结果"),
        choices=[
            (DuplicateStatus.DISTINCT.value, DuplicateStatus.DISTINCT.label),
            (DuplicateStatus.MERGED.value, _("合并")),
        ],
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=500)
