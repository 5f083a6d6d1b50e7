"""Warning rules (预警规则) in the API: the registered kinds with their parameters, and the
configured rules — everyone signed in reads them (a unit may know how it is warned), only
the supervisor creates and changes them (403 otherwise). A bad parameter is a 400 naming it
as `params.<name>`.
"""

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from ninja import Field, Router, Schema, Status

from bipin.alerts import actions
from bipin.alerts.choices import STANDING, Severity
from bipin.alerts.models import Rule
from bipin.alerts.rules import RuleKind, rule_kinds
from bipin.core.choices import Action
from bipin.core.views import AuthedRequest, get_restricted_or_404, require_action

router = Router(tags=["alerts"])


# Schemas -----------------------------------------------------------------------------------


class ParamOut(Schema):
    name: str = Field(description="参数名：params 中的键")
    label: str
    integer: bool = Field(description="整数参数为 true；否则为十进制数（以字符串表示）")
    default: int | Decimal = Field(description="默认值：未给出时使用")
    minimum: int | Decimal = Field(description="最小值")
    maximum: int | Decimal | None = Field(description="最大值；为空表示不设上限")
    help_text: str


class RuleKindOut(Schema):
    key: str = Field(description="规则类型，新建规则时的 kind")
    label: str
    explanation: str = Field(description="它预警什么")
    subject: str = Field(description="预警对象的类型")
    default_severity: Severity = Field(description="新建规则时的默认级别")
    graded: bool = Field(description="按差距分档：级别由参数中的分档决定，规则的 severity 不起作用")
    params: list[ParamOut] = Field(description="参数及其默认值和取值范围")


class RuleOut(Schema):
    id: int
    kind: str = Field(description="规则类型（见 /api/rule-kinds）")
    kind_label: str
    name: str
    severity: Severity = Field(description="预警级别：red、yellow、reminder（分档规则以分档为准）")
    severity_label: str = Field(alias="get_severity_display")
    params: dict[str, Any] = Field(
        description="参数（键为参数名）；整数为数字，小数为十进制字符串；未设的取默认值"
    )
    escalate_after_days: int = Field(
        description="触发后这么多天仍未认领即上报单位负责人，再过同样天数上报挂联领导"
    )
    active: bool = Field(description="启用")
    order: int
    note: str
    standing_count: int = Field(description="该规则未解除的预警条数（全区）")

    @staticmethod
    def resolve_kind_label(rule: Rule) -> str:
        return str(rule_kinds.get(rule.kind).label) if rule.kind in rule_kinds else rule.kind

    @staticmethod
    def resolve_params(rule: Rule) -> dict[str, Any]:
        if rule.kind not in rule_kinds:
            return dict(rule.params)
        kind = rule_kinds.get(rule.kind)
        return {param.name: param.read(rule.params.get(param.name)) for param in kind.params}


class RuleChangeIn(Schema):
    name: str = Field(max_length=60, description="规则名称，不能与其他规则重名")
    severity: Severity | None = Field(
        None, description="预警级别；不填取规则类型的默认级别（分档规则以分档为准）"
    )
    params: dict[str, Any] = Field(
        {}, description="参数（键为参数名，见 /api/rule-kinds）；未给出的取默认值"
    )
    escalate_after_days: int = Field(3, description="未认领几天后上报，至少 1 天")
    active: bool = True
    note: str = ""
    reason: str = Field("", max_length=200, description="原因，记入修改历史")


class RuleIn(RuleChangeIn):
    kind: str = Field(description="规则类型（见 /api/rule-kinds），创建后不能更改")


# Helpers -----------------------------------------------------------------------------------


def _param_out(kind: RuleKind) -> list[dict[str, Any]]:
    return [
        {
            "name": param.name,
            "label": str(param.label),
            "integer": param.is_integer,
            "default": param.default,
            "minimum": param.minimum,
            "maximum": param.maximum,
            "help_text": str(param.help_text),
        }
        for param in kind.params
    ]


def _rules() -> Any:
    # An aggregate drops Meta.ordering (Django leaves it out of GROUP BY queries): say it.
    return Rule.objects.annotate(
        standing_count=Count("alerts", filter=Q(alerts__status__in=STANDING))
    ).order_by("order", "pk")


def _save(request: AuthedRequest, rule: Rule | None, kind: str, payload: RuleChangeIn) -> Rule:
    severity = payload.severity
    if severity is None:
        if rule is not None:
            severity = Severity(rule.severity)
        elif kind in rule_kinds:
            severity = Severity(rule_kinds.get(kind).default_severity)
        else:
            severity = Severity.YELLOW  # the kind is refused below, naming it
    return actions.do_save_rule(
        rule,
        kind=kind,
        name=payload.name,
        severity=severity,
        params=payload.params,
        escalate_after_days=payload.escalate_after_days,
        active=payload.active,
        note=payload.note,
        actor=request.user,
        reason=payload.reason,
    )


# Endpoints ---------------------------------------------------------------------------------


@router.get(
    "/rule-kinds",
    response=list[RuleKindOut],
    summary="预警规则类型",
    description="可配置的规则类型：它预警什么、对象类型、默认级别和参数（默认值、取值范围）。",
)
def list_rule_kinds(request: AuthedRequest) -> Any:
    return [
        {
            "key": key,
            "label": str(kind.label),
            "explanation": str(kind.explanation),
            "subject": str(kind.subject_model._meta.verbose_name),
            "default_severity": kind.default_severity,
            "graded": kind.graded,
            "params": _param_out(kind),
        }
        for key, kind in rule_kinds.items()
    ]


@router.get(
    "/rules",
    response=list[RuleOut],
    summary="预警规则列表",
    description="督查室配置的全部预警规则（含停用的），按规则顺序。",
)
def list_rules(request: AuthedRequest) -> Any:
    return _rules().restrict(request.user, Action.VIEW)


@router.get("/rules/{rule_id}", response=RuleOut, summary="预警规则详情")
def get_rule(request: AuthedRequest, rule_id: int) -> Any:
    return get_restricted_or_404(_rules(), request.user, pk=rule_id)


@router.post(
    "/rules",
    response={201: RuleOut},
    summary="新建预警规则",
    description="督查室按规则类型新建规则；参数超出取值范围时返回 400，field 为 params.参数名。",
)
def create_rule(request: AuthedRequest, payload: RuleIn) -> Any:
    require_action(Rule.objects.all(), request.user, Action.ADD)
    rule = _save(request, None, payload.kind, payload)
    return Status(201, _rules().get(pk=rule.pk))


@router.put(
    "/rules/{rule_id}",
    response=RuleOut,
    summary="修改预警规则",
    description="督查室修改规则的名称、级别、参数、上报天数和启用状态（规则类型不能更改）。"
    "未给出的参数取默认值。",
)
def update_rule(request: AuthedRequest, rule_id: int, payload: RuleChangeIn) -> Any:
    rule = get_restricted_or_404(Rule.objects.all(), request.user, Action.CHANGE, pk=rule_id)
    _save(request, rule, rule.kind, payload)
    return _rules().get(pk=rule.pk)
