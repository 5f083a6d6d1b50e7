"""Django admin of the pipeline's reference data (industries, leading industries, the
negative list, the roadmap template) and a read-mostly view of projects. Projects are
changed on their pages, where the actions check the pipeline's rules."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from bipin.projects.models import (
    DuplicateCheck,
    Industry,
    LeadingIndustry,
    Milestone,
    MilestoneTemplate,
    NegativeListItem,
    Project,
    StageEvent,
)


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "section"]
    list_filter = [("section", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name"]


@admin.register(LeadingIndustry)
class LeadingIndustryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "order", "active"]
    list_editable = ["order", "active"]


@admin.register(NegativeListItem)
class NegativeListItemAdmin(SimpleHistoryAdmin):
    list_display = ["code", "kind", "text"]
    list_filter = ["kind"]
    search_fields = ["code", "text"]
    filter_horizontal = ["industries"]


@admin.register(MilestoneTemplate)
class MilestoneTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["stage", "after", "months", "requires_evidence"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = readonly_fields = ("stage", "planned_on", "actual_on", "requires_evidence", "note")
    can_delete = False


class StageEventInline(admin.TabularInline):
    model = StageEvent
    extra = 0
    fields = readonly_fields = ("happened_on", "from_stage", "to_stage", "actor", "reason")
    can_delete = False


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    """Projects for reading and for repairs; their pages are where they are worked on,
    since only the actions keep the stage rules, roadmaps and counting."""

    list_display = ["code", "name", "responsible_unit", "stage", "contracted_investment"]
    list_filter = ["stage", "channel", "investor_kind"]
    search_fields = ["code", "name", "investor_name", "uscc"]
    list_select_related = ["responsible_unit"]
    readonly_fields = ["stage", "counting_year", "counting_unit", "merged_into", "created_at"]
    raw_id_fields = ["responsible_unit", "platform"]
    inlines = [MilestoneInline, StageEventInline]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(DuplicateCheck)
class DuplicateCheckAdmin(SimpleHistoryAdmin):
    list_display = ["project", "candidate", "reason", "status", "decided_by", "decided_at"]
    list_filter = ["status", "reason"]
    raw_id_fields = ["project", "candidate"]
