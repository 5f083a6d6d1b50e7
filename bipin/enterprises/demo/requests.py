"""The service requests' part of the demo (企业诉求): the enterprises' requests of the last
eleven months, in every status, some past their deadline.

The district demo walks ~300 requests through the actions, each step taken by whom the
rules say and dated when it happened: the town's clerk takes the request in and assigns
it, the department's clerk takes it up and answers it, the town's clerk closes it with the
enterprise's rating, or reopens it when the enterprise is not satisfied. Most are handled
within their category's time limit with at most one visit and a 满意; some are late, some
needed two or three visits, a few were reopened; the recent ones are still open, some of
them past their deadline.

The city and province get about one request per town through the import action
(`do_import_requests`), which takes a request in its final status at once: the benchmarks
need volume, not history.

Descriptions are generated from parts; no real enterprise's matter is meant.
"""

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from django.utils import timezone

from bipin.core.demo import DemoContext, DemoStep
from bipin.core.excel import Outcome
from bipin.enterprises import actions
from bipin.enterprises.choices import Intake, Satisfaction, Status
from bipin.enterprises.models import (
    LOCAL_UNIT_KINDS,
    Enterprise,
    ServiceCategory,
    ServiceRequest,
)
from bipin.enterprises.reference import load_categories
from bipin.org.choices import UnitKind
from bipin.org.models import Unit, User
from bipin.projects.demo import demo_today

#: Requests of the district demo.
DISTRICT_REQUESTS = 300
#: How far back the district's requests go.
WINDOW_DAYS = 330
REASON = "演示数据"
T = TypeVar("T")

# Who handles what: the departments (short names) a category goes to, the first most often.
_DEPARTMENTS = {
    "政策兑现": ["经信局", "财政局", "商务局", "科技局"],
    "要素保障": ["自然资源和规划局", "发改局", "经信局"],
    "融资服务": ["财政局", "发改局", "经信局"],
    "人才用工": ["人力社保局", "人才办"],
    "审批服务": ["市场监管局", "自然资源和规划局", "投资促进局", "发改局"],
    "降本减负": ["经信局", "财政局", "发改局"],
    "其他": ["发改局", "商务局", "农业农村局"],
}
_CATEGORY_WEIGHTS = {
    "政策兑现": 20, "要素保障": 16, "融资服务": 12, "人才用工": 14, "审批服务": 18,
    "降本减负": 12, "其他": 8,
}  # fmt: skip
_INTAKE_WEIGHTS = {Intake.VISIT: 35, Intake.HOTLINE: 30, Intake.ONLINE: 25, Intake.FORUM: 10}
_VISIT_WEIGHTS = {0: 44, 1: 42, 2: 10, 3: 4}
_SATISFACTION_WEIGHTS = {
    Satisfaction.SATISFIED: 74,
    Satisfaction.FAIRLY: 18,
    Satisfaction.DISSATISFIED: 8,
}
_MATTERS = {
    "政策兑现": [
        "申请兑现{year}年度工业投资技改补助，材料已报送，询问审核进度",
        "申请规上企业培育奖励资金，希望尽快拨付",
        "申请高新技术企业认定奖励，请求协调兑现时间",
        "外贸稳增长补助申报遇到系统问题，请求指导",
    ],
    "要素保障": [
        "扩产项目需新增用地约{mu}亩，请求协调用地指标",
        "厂区用电容量不足，申请增容{kva}千伏安",
        "新厂房天然气管道接入进度缓慢，请求协调",
        "园区道路施工影响货车进出，请求协调通行",
    ],
    "融资服务": [
        "流动资金紧张，希望对接银行办理{amount}万元信用贷款",
        "申请政策性担保贷款，请求协调担保机构",
        "希望了解科技型企业知识产权质押融资办理流程",
    ],
    "人才用工": [
        "急需招聘技术工人{people}名，请求协助对接招聘渠道",
        "引进的高层次人才子女入学问题，请求协调",
        "申请人才公寓{people}套，用于新引进工程师",
        "希望联系职业院校开展订单式培养",
    ],
    "审批服务": [
        "新建厂房施工许可办理，请求加快审批",
        "食品生产许可证延续申请，询问办理时限",
        "环评手续办理遇到问题，请求指导",
        "企业名称变更后相关证照同步变更，请求一次办结",
    ],
    "降本减负": [
        "申请社保费阶段性缓缴，请求指导办理",
        "对物流成本偏高反映情况，希望给予支持",
        "申请城镇土地使用税困难减免",
    ],
    "其他": [
        "厂区周边环境整治，请求协调相关部门",
        "希望参加区里组织的产销对接活动",
        "反映企业周边公交线路不便，员工通勤困难",
    ],
}
_REPLIES = [
    "已会同相关部门研究办理，{result}，已电话告知企业。",
    "经核实，{result}，企业表示认可。",
    "已上门对接，{result}，后续跟踪服务。",
]
_RESULTS = [
    "符合政策条件，资金已拨付到位",
    "已完成审批，证照已送达企业",
    "已协调解决，相关工作按计划推进",
    "已对接到位，企业已办理完成",
    "已列入专题协调，明确了时间节点",
]
_REOPEN_REASONS = [
    "企业反映问题未实际解决，要求重新办理",
    "企业对答复不满意：资金尚未到账",
    "企业认为办理时间过长，要求进一步协调",
]


@dataclass
class _Plan:
    """One request to build: what it is, and what happens to it, step by step."""

    enterprise: Enterprise
    category: ServiceCategory
    intake: str
    description: str
    departments: list[Unit]
    submitted_on: date
    #: The steps after the submission: (step, day, what the step's action takes).
    steps: list[tuple[str, date, dict[str, Any]]] = field(default_factory=list)


class RequestsDemo(DemoStep):
    name = "requests"

    def is_loaded(self) -> bool:
        return ServiceRequest.objects.exists()

    def generate(self, context: DemoContext) -> None:
        # `bipin demo --reset` flushed the categories the migration loaded.
        load_categories(ServiceCategory)
        enterprises = list(Enterprise.objects.select_related("unit").order_by("uscc"))
        if not enterprises:
            context.out.write("  requests: no enterprises, so no requests\n")
            return
        if context.scale == "district":
            _DistrictBuilder(context, enterprises).build()
        else:
            _import_region(context, enterprises)
        statuses = Counter(ServiceRequest.objects.values_list("status", flat=True))
        overdue = sum(
            1
            for status, deadline in ServiceRequest.objects.values_list("status", "deadline")
            if status not in (Status.DONE, Status.CLOSED) and deadline < demo_today()
        )
        context.out.write(
            f"  requests: {sum(statuses.values())} requests "
            f"({', '.join(f'{Status(status).label} {statuses[status]}' for status in Status if statuses[status])}), "
            f"{overdue} past their deadline\n"
        )


def _weighted(rng: random.Random, weights: Mapping[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _at(day: date, rng: random.Random, first_hour: int = 9, last_hour: int = 17) -> datetime:
    """A working-hours time of `day`, never later than now."""
    moment = timezone.make_aware(
        datetime.combine(day, time(rng.randint(first_hour, last_hour), rng.randint(0, 59)))
    )
    return min(moment, timezone.now() - timedelta(minutes=1))


class _DistrictBuilder:
    """Lin'an: ~300 requests walked through the actions by the people who take each step."""

    def __init__(self, context: DemoContext, enterprises: list[Enterprise]) -> None:
        self.rng = context.rng
        self.today = demo_today()
        self.enterprises = enterprises
        # Key enterprises ask more (and get asked more).
        self.enterprise_weights = [3 if enterprise.is_key else 1 for enterprise in enterprises]
        self.categories = {category.name: category for category in ServiceCategory.objects.all()}
        departments = Unit.objects.filter(kind=UnitKind.DEPARTMENT)
        self.departments = {unit.short_name: unit for unit in departments}
        people = User.objects.filter(role__in=("unit_clerk", "unit_manager")).order_by("username")
        self.clerks = {person.unit_id: person for person in people if person.role == "unit_clerk"}
        self.managers = {
            person.unit_id: person for person in people if person.role == "unit_manager"
        }

    def build(self) -> None:
        plans = [self._plan() for _ in range(DISTRICT_REQUESTS)]
        # In the order they came in, so that the codes follow the dates.
        for plan in sorted(plans, key=lambda plan: (plan.submitted_on, plan.enterprise.uscc)):
            self._build(plan)

    # Planning -----------------------------------------------------------------------------

    def _plan(self) -> _Plan:
        rng = self.rng
        enterprise = rng.choices(self.enterprises, weights=self.enterprise_weights)[0]
        name = _weighted(rng, _CATEGORY_WEIGHTS)
        category = self.categories.get(name) or next(iter(self.categories.values()))
        # More recent requests than old ones: the window is sampled toward its end.
        age = int(WINDOW_DAYS * rng.random() ** 1.3)
        submitted_on = self.today - timedelta(days=age)
        plan = _Plan(
            enterprise=enterprise,
            category=category,
            intake=str(_weighted(rng, _INTAKE_WEIGHTS)),
            description=self._description(name),
            departments=self._departments(name),
            submitted_on=submitted_on,
        )
        self._fate(plan)
        return plan

    def _description(self, category: str) -> str:
        rng = self.rng
        text = rng.choice(_MATTERS.get(category, _MATTERS["其他"]))
        return text.format(
            year=self.today.year - 1,
            mu=rng.choice((10, 15, 20, 30, 50)),
            kva=rng.choice((400, 630, 800, 1250)),
            amount=rng.choice((200, 300, 500, 1000)),
            people=rng.choice((5, 10, 20, 30)),
        )

    def _departments(self, category: str) -> list[Unit]:
        rng = self.rng
        names = [name for name in _DEPARTMENTS.get(category, []) if name in self.departments]
        if not names:
            names = sorted(self.departments)[:1]
        first = names[0] if rng.random() < 0.6 else rng.choice(names)
        chosen = [first]
        if len(names) > 1 and rng.random() < 0.15:
            chosen.append(rng.choice([name for name in names if name != first]))
        return [self.departments[name] for name in chosen]

    def _fate(self, plan: _Plan) -> None:
        """What happens to the request by the demo's today, as steps with their days."""
        rng = self.rng
        today = self.today
        limit = plan.category.time_limit_days
        age = (today - plan.submitted_on).days
        assign_on = min(plan.submitted_on + timedelta(days=rng.choice((0, 0, 1, 2))), today)
        if age <= 1 and rng.random() < 0.6:
            return  # just taken in: 提交
        plan.steps.append(("assign", assign_on, {"departments": plan.departments}))
        start_on = min(assign_on + timedelta(days=rng.choice((0, 1, 1, 2, 3))), today)
        if (age <= 4 and rng.random() < 0.5) or rng.random() < 0.04:
            return  # 已分派, not yet taken up (a few long forgotten: overdue)
        plan.steps.append(("start", start_on, {}))
        # Most are answered within the time limit; about one in five runs late.
        if rng.random() < 0.78:
            took = rng.randint(max(1, limit // 4), limit)
        else:
            took = rng.randint(limit + 1, limit * 4 + 20)
        done_on = max(plan.submitted_on + timedelta(days=took), start_on)
        if done_on > today:
            return  # 办理中, overdue if past its deadline
        self._finish(plan, done_on)
        self._close(plan, done_on, reopened=False)

    def _finish(self, plan: _Plan, done_on: date) -> None:
        rng = self.rng
        reply = rng.choice(_REPLIES).format(result=rng.choice(_RESULTS))
        visits = _weighted(rng, _VISIT_WEIGHTS)
        plan.steps.append(("finish", done_on, {"reply": reply, "visits": visits}))

    def _close(self, plan: _Plan, done_on: date, *, reopened: bool) -> None:
        rng = self.rng
        closed_on = done_on + timedelta(days=rng.randint(1, 10))
        if closed_on > self.today:
            return  # 已办结, waiting for the enterprise's rating
        satisfaction = str(_weighted(rng, _SATISFACTION_WEIGHTS))
        if satisfaction == Satisfaction.DISSATISFIED and not reopened and rng.random() < 0.6:
            # Not satisfied and more can be done: reopened, and worked again.
            reason = rng.choice(_REOPEN_REASONS)
            plan.steps.append(("reopen", closed_on, {"reason": reason}))
            again = closed_on + timedelta(days=rng.randint(0, 3))
            if again > self.today or rng.random() < 0.4:
                return  # 重新打开
            plan.steps.append(("start", again, {}))
            redone = again + timedelta(days=rng.randint(2, 12))
            if redone > self.today:
                return  # 办理中 again
            self._finish(plan, redone)
            self._close(plan, redone, reopened=True)
            return
        plan.steps.append(("close", closed_on, {"satisfaction": satisfaction}))

    # Building -----------------------------------------------------------------------------

    def _build(self, plan: _Plan) -> None:
        rng = self.rng
        town = plan.enterprise.unit_id
        clerk = self.clerks[town]
        manager = self.managers.get(town, clerk)
        request = actions.do_submit_request(
            actor=clerk,
            enterprise=plan.enterprise,
            category=plan.category,
            intake=plan.intake,
            description=plan.description,
            submitted_on=plan.submitted_on,
            reason=REASON,
            at=_at(plan.submitted_on, rng, 8, 10),
        )
        handler = self.clerks[plan.departments[0].pk]
        for step, day, taken in plan.steps:
            match step:
                case "assign":
                    assigner = manager if rng.random() < 0.3 else clerk
                    actions.do_assign_request(
                        request, actor=assigner, at=_at(day, rng, 11, 12), **taken
                    )
                case "start":
                    actions.do_start_request(request, actor=handler, at=_at(day, rng, 13, 14))
                case "finish":
                    actions.do_finish_request(
                        request, actor=handler, done_on=day, at=_at(day, rng, 15, 17), **taken
                    )
                case "close":
                    actions.do_close_request(
                        request, actor=clerk, closed_on=day, at=_at(day, rng, 9, 17), **taken
                    )
                case "reopen":
                    actions.do_reopen_request(
                        request, actor=clerk, at=_at(day, rng, 9, 10), **taken
                    )


def _import_region(context: DemoContext, enterprises: Sequence[Enterprise]) -> None:
    """The city or province: about one request per town or subdistrict, in its final
    status, by the import action as the town's clerk."""
    rng = context.rng
    today = demo_today()
    categories = list(ServiceCategory.objects.all())
    clerks = {
        person.unit_id: person
        for person in User.objects.filter(role="unit_clerk", unit__kind__in=LOCAL_UNIT_KINDS)
    }
    departments: dict[int | None, list[Unit]] = {}
    for unit in Unit.objects.filter(kind=UnitKind.DEPARTMENT).order_by("code"):
        departments.setdefault(unit.parent_id, []).append(unit)
    by_town: dict[int, list[Enterprise]] = {}
    for enterprise in enterprises:
        by_town.setdefault(enterprise.unit_id, []).append(enterprise)
    numbers: Counter[int] = Counter()
    for town_id in sorted(by_town):
        town = by_town[town_id][0].unit
        handlers = departments.get(town.parent_id)
        if not handlers or town_id not in clerks:
            continue
        rows = []
        for _ in range(rng.choice((0, 1, 1, 2))):
            category = rng.choice(categories)
            submitted_on = today - timedelta(days=int(WINDOW_DAYS * rng.random() ** 1.3))
            status, fields = _final_status(rng, category, submitted_on, today)
            numbers[submitted_on.year] += 1
            rows.append(
                actions.RequestRow(
                    code=f"SQ{submitted_on.year}-{numbers[submitted_on.year]:04d}",
                    fields={
                        "enterprise": rng.choice(by_town[town_id]),
                        "category": category,
                        "description": rng.choice(_MATTERS["其他"]),
                        "intake": str(_weighted(rng, _INTAKE_WEIGHTS)),
                        "submitted_on": submitted_on,
                        "status": status,
                        **fields,
                    },
                    departments=[] if status == Status.SUBMITTED else [rng.choice(handlers)],
                )
            )
        if rows:
            results = actions.do_import_requests(rows, actor=clerks[town_id], reason=REASON)
            assert all(outcome == Outcome.CREATED for _request, outcome in results)


def _final_status(
    rng: random.Random, category: ServiceCategory, submitted_on: date, today: date
) -> tuple[str, dict[str, Any]]:
    """A request's status by the demo's today and what it has by then."""
    limit = category.time_limit_days
    # About one in five runs late (and is past its deadline while still open).
    late = rng.random() >= 0.78
    took = rng.randint(limit + 1, limit * 4 + 20) if late else rng.randint(1, limit)
    done_on = submitted_on + timedelta(days=took)
    if done_on > today:
        return str(rng.choice((Status.ASSIGNED, Status.IN_PROGRESS))), {}
    finished = {
        "reply": rng.choice(_REPLIES).format(result=rng.choice(_RESULTS)),
        "visits": _weighted(rng, _VISIT_WEIGHTS),
        "done_on": done_on,
    }
    closed_on = done_on + timedelta(days=rng.randint(1, 10))
    if closed_on > today:
        return Status.DONE, finished
    return Status.CLOSED, {
        **finished,
        "closed_on": closed_on,
        "satisfaction": str(_weighted(rng, _SATISFACTION_WEIGHTS)),
    }
