"""The status steps of an enterprise's request (企业诉求), through the actions: each step's
rule, who may take it, and every bad input refused with its message and nothing written.

The other request tests build their requests with the helpers here: an enterprise of
锦城 (town_a) and one of 於潜 (town_b), a clerk of each department of the conftest district
(office = 区发展和改革局, statistics = 区统计局), and `walk`, which drives a request to a
status through the actions as the people who take each step.
"""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bipin.conftest import District
from bipin.core.choices import Role
from bipin.core.excel import Outcome
from bipin.core.uscc import check_character
from bipin.enterprises import actions
from bipin.enterprises.choices import Intake, Satisfaction, Status
from bipin.enterprises.models import Enterprise, RequestStep, ServiceCategory, ServiceRequest
from bipin.enterprises.stats import request_figures
from bipin.org.models import Unit, User
from bipin.projects.models import Industry

TODAY = timezone.localdate()
#: The submission date of the test requests: recent, never in the future.
SUBMITTED = TODAY - timedelta(days=20)


def uscc(serial: int) -> str:
    first17 = f"91330185MA{serial:07d}"
    return first17 + check_character(first17)


def make_enterprise(district: District, unit: Unit, name: str, serial: int) -> Enterprise:
    return actions.do_create_enterprise(
        actor=district.supervisor,
        uscc=uscc(serial),
        name=name,
        industry=Industry.objects.get(code="39"),
        unit=unit,
        size="above_scale",
    )


def category(name: str = "审批服务") -> ServiceCategory:
    """A shipped category (loaded by the migration): 审批服务 has 7 days, 政策兑现 15."""
    return ServiceCategory.objects.get(name=name)


def clerk_of(unit: Unit, username: str | None = None, role: str = Role.UNIT_CLERK) -> User:
    """A clerk (or manager) of a department: the conftest district has none."""
    return User.objects.create_user(
        username=username or f"clerk_{unit.code}",
        password="x-test-password-9!",
        name=f"{unit.short_name}填报员",
        unit=unit,
        role=role,
    )


class Requests:
    """The enterprises and department clerks the request tests share."""

    def __init__(self, district: District) -> None:
        self.district = district
        self.enterprise_a = make_enterprise(district, district.town_a, "锦城精密机械有限公司", 1)
        self.enterprise_b = make_enterprise(district, district.town_b, "於潜竹木制品有限公司", 2)
        self.office_clerk = clerk_of(district.office, "clerk_office")
        self.statistics_clerk = clerk_of(district.statistics, "clerk_statistics")

    def submit(
        self,
        enterprise: Enterprise | None = None,
        *,
        on: date = SUBMITTED,
        name: str = "审批服务",
        actor: User | None = None,
        **fields: Any,
    ) -> ServiceRequest:
        enterprise = enterprise or self.enterprise_a
        town_clerk = self.district.clerk_a if enterprise.unit == self.district.town_a else None
        values: dict[str, Any] = {
            "description": "新建厂房施工许可办理，请求加快审批",
            "intake": Intake.VISIT,
        }
        values.update(fields)
        return actions.do_submit_request(
            actor=actor or town_clerk or self.district.clerk_b,
            enterprise=enterprise,
            category=category(name),
            submitted_on=on,
            **values,
        )

    def town_clerk(self, request: ServiceRequest) -> User:
        if request.enterprise.unit_id == self.district.town_a.pk:
            return self.district.clerk_a
        return self.district.clerk_b

    def walk(
        self,
        request: ServiceRequest,
        to: str,
        *,
        departments: list[Unit] | None = None,
        done_on: date | None = None,
        visits: int = 1,
        satisfaction: str = Satisfaction.SATISFIED,
        closed_on: date | None = None,
    ) -> ServiceRequest:
        """Drives a request on to the status `to` through the actions, each step by whom
        the rules say: the town's clerk assigns and closes, the department's clerk handles."""
        order = [Status.ASSIGNED, Status.IN_PROGRESS, Status.DONE, Status.CLOSED]
        town = self.town_clerk(request)
        departments = departments or [self.district.office]
        handler = self.office_clerk if departments[0] == self.district.office else None
        handler = handler or self.statistics_clerk
        done_on = done_on or min(request.submitted_on + timedelta(days=3), TODAY)
        # From where the request stands (a reopened one is taken up again).
        first = order.index(Status(request.status)) + 1 if request.status in order else 0
        if request.status == Status.REOPENED:
            first = 1
        for status in order[first : order.index(Status(to)) + 1]:
            if status == Status.ASSIGNED:
                actions.do_assign_request(request, actor=town, departments=departments)
            elif status == Status.IN_PROGRESS:
                actions.do_start_request(request, actor=handler)
            elif status == Status.DONE:
                actions.do_finish_request(
                    request, actor=handler, reply="已办理完毕", visits=visits, done_on=done_on
                )
            else:
                actions.do_close_request(
                    request,
                    actor=town,
                    satisfaction=satisfaction,
                    closed_on=closed_on or max(done_on, request.submitted_on),
                )
        return request


@pytest.fixture
def requests(district: District) -> Requests:
    return Requests(district)


def messages_of(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    value = error.value
    return value.message_dict if hasattr(value, "error_dict") else {"": value.messages}


# Submitting ---------------------------------------------------------------------------------


def test_a_submitted_request_gets_its_deadline_code_and_first_step(
    district: District, requests: Requests
) -> None:
    request = requests.submit(on=SUBMITTED, name="政策兑现", intake=Intake.HOTLINE)
    assert request.status == Status.SUBMITTED
    assert request.deadline == SUBMITTED + timedelta(days=15)
    assert request.code == f"SQ{SUBMITTED.year}-0001"
    assert requests.submit().code == f"SQ{SUBMITTED.year}-0002"
    step = request.steps.get()
    assert (step.from_status, step.to_status, step.actor) == (
        "",
        Status.SUBMITTED,
        district.clerk_a,
    )
    assert step.note == "电话/12345"
    version = request.history.get()
    assert (version.history_user, version.history_change_reason) == (district.clerk_a, "登记诉求")


def test_a_submission_dated_in_the_future_is_refused(requests: Requests) -> None:
    with pytest.raises(ValidationError) as error:
        requests.submit(on=TODAY + timedelta(days=1))
    assert messages_of(error) == {"submitted_on": ["日期不能晚于今天。"]}
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("who", ["clerk_b", "office_clerk", "leader", "viewer", "provider"])
def test_only_the_town_or_the_supervisor_takes_a_request_in(
    district: District, requests: Requests, who: str
) -> None:
    actor = getattr(requests, who, None) or getattr(district, who)
    with pytest.raises(ValidationError) as error:
        requests.submit(requests.enterprise_a, actor=actor)
    assert messages_of(error) == {"": ["您只能为本镇街的企业登记诉求。"]}
    assert not ServiceRequest.objects.exists()
    assert requests.submit(requests.enterprise_a, actor=district.supervisor).pk


# Assigning ----------------------------------------------------------------------------------


def test_the_town_assigns_a_request_to_departments(district: District, requests: Requests) -> None:
    request = requests.submit()
    actions.do_assign_request(
        request, actor=district.clerk_a, departments=[district.office, district.statistics]
    )
    request.refresh_from_db()
    assert request.status == Status.ASSIGNED
    assert set(request.departments.all()) == {district.office, district.statistics}
    step = request.steps.last()
    assert step is not None
    assert (step.from_status, step.to_status, step.actor) == (
        Status.SUBMITTED,
        Status.ASSIGNED,
        district.clerk_a,
    )
    assert step.note == "分派至：区发展和改革局、区统计局"


def test_reassigning_a_request_in_progress_keeps_its_status(
    district: District, requests: Requests
) -> None:
    request = requests.walk(requests.submit(), Status.IN_PROGRESS)
    actions.do_assign_request(request, actor=district.supervisor, departments=[district.statistics])
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert list(request.departments.all()) == [district.statistics]


@pytest.mark.parametrize(
    ("departments", "message"),
    [
        ([], "请至少选择一个承办部门。"),
        (["town_b"], "“於潜镇”不是部门，诉求只能分派给部门。"),
    ],
)
def test_a_request_is_assigned_to_departments_only(
    district: District, requests: Requests, departments: list[str], message: str
) -> None:
    request = requests.submit()
    with pytest.raises(ValidationError) as error:
        actions.do_assign_request(
            request,
            actor=district.clerk_a,
            departments=[getattr(district, name) for name in departments],
        )
    assert messages_of(error) == {"departments": [message]}
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    assert request.steps.count() == 1


@pytest.mark.parametrize("who", ["clerk_b", "office_clerk", "leader", "viewer"])
def test_only_the_town_or_the_supervisor_assigns(
    district: District, requests: Requests, who: str
) -> None:
    request = requests.submit()
    actor = getattr(requests, who, None) or getattr(district, who)
    with pytest.raises(ValidationError) as error:
        actions.do_assign_request(request, actor=actor, departments=[district.office])
    assert error.value.code == "not_allowed"
    assert error.value.messages == ["只有督查室或企业所在镇街可以分派诉求。"]
    assert not request.departments.exists()


def test_a_finished_request_is_not_assigned_again(district: District, requests: Requests) -> None:
    request = requests.walk(requests.submit(), Status.DONE)
    with pytest.raises(ValidationError) as error:
        actions.do_assign_request(request, actor=district.clerk_a, departments=[district.office])
    assert error.value.code == "status"
    assert error.value.messages == ["“已办结”状态的诉求不能分派。"]


# Handling -----------------------------------------------------------------------------------


def test_the_assigned_department_takes_it_up_and_finishes_it(
    district: District, requests: Requests
) -> None:
    request = requests.walk(requests.submit(), Status.ASSIGNED)
    actions.do_start_request(request, actor=requests.office_clerk, note="已联系企业")
    actions.do_finish_request(
        request, actor=requests.office_clerk, reply="  已发放施工许可证  ", visits=1
    )
    request.refresh_from_db()
    assert request.status == Status.DONE
    assert (request.reply, request.visits, request.done_on) == ("已发放施工许可证", 1, TODAY)
    assert request.on_time is False  # 审批服务: 7 days, submitted 20 days ago
    steps = list(request.steps.values_list("to_status", "actor__username", "note"))
    assert steps[-2:] == [
        (Status.IN_PROGRESS, "clerk_office", "已联系企业"),
        (Status.DONE, "clerk_office", "已发放施工许可证"),
    ]


@pytest.mark.parametrize("who", ["statistics_clerk", "clerk_a", "clerk_b", "leader"])
def test_only_an_assigned_department_takes_a_request_up(
    district: District, requests: Requests, who: str
) -> None:
    request = requests.walk(requests.submit(), Status.ASSIGNED)
    actor = getattr(requests, who, None) or getattr(district, who)
    with pytest.raises(ValidationError) as error:
        actions.do_start_request(request, actor=actor)
    assert error.value.messages == ["只有承办部门可以受理诉求。"]
    request.refresh_from_db()
    assert request.status == Status.ASSIGNED


def test_the_supervisor_may_handle_any_request(district: District, requests: Requests) -> None:
    request = requests.walk(requests.submit(), Status.ASSIGNED)
    actions.do_start_request(request, actor=district.supervisor)
    actions.do_finish_request(request, actor=district.supervisor, reply="已办结", visits=0)
    assert request.status == Status.DONE


def test_a_request_is_taken_up_only_once_assigned(requests: Requests) -> None:
    request = requests.submit()
    with pytest.raises(ValidationError) as error:
        actions.do_start_request(request, actor=requests.office_clerk)
    # Not assigned: nobody's department is on it yet.
    assert error.value.messages == ["只有承办部门可以受理诉求。"]
    request = requests.walk(requests.submit(), Status.IN_PROGRESS)
    with pytest.raises(ValidationError) as error:
        actions.do_start_request(request, actor=requests.office_clerk)
    assert error.value.messages == ["“办理中”状态的诉求不能受理。"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reply": "  "}, "reply", "办结须填写答复意见。"),
        ({"visits": None}, "visits", "办结须填写企业跑动次数（未跑动填 0）。"),
        ({"visits": -1}, "visits", "跑动次数不能为负数。"),
        ({"done_on": TODAY + timedelta(days=1)}, "done_on", "日期不能晚于今天。"),
        (
            {"done_on": SUBMITTED - timedelta(days=1)},
            "done_on",
            f"办结日期不能早于提交日期（{SUBMITTED}）。",
        ),
    ],
)
def test_a_finish_without_its_particulars_is_refused(
    requests: Requests, changes: dict[str, Any], field: str, message: str
) -> None:
    request = requests.walk(requests.submit(), Status.IN_PROGRESS)
    values: dict[str, Any] = {"reply": "已办理", "visits": 1, "done_on": TODAY, **changes}
    with pytest.raises(ValidationError) as error:
        actions.do_finish_request(request, actor=requests.office_clerk, **values)
    assert messages_of(error)[field] == [message]
    request.refresh_from_db()
    assert (request.status, request.reply, request.visits, request.done_on) == (
        Status.IN_PROGRESS,
        "",
        None,
        None,
    )


def test_an_unstarted_request_is_not_finished(requests: Requests) -> None:
    request = requests.walk(requests.submit(), Status.ASSIGNED)
    with pytest.raises(ValidationError) as error:
        actions.do_finish_request(request, actor=requests.office_clerk, reply="x", visits=0)
    assert error.value.messages == ["“已分派”状态的诉求不能办结。"]


# Closing and reopening ----------------------------------------------------------------------


def test_the_town_closes_a_finished_request_with_the_rating(
    district: District, requests: Requests
) -> None:
    request = requests.walk(requests.submit(), Status.DONE, done_on=SUBMITTED + timedelta(days=2))
    actions.do_close_request(
        request, actor=district.clerk_a, satisfaction=Satisfaction.FAIRLY, closed_on=TODAY
    )
    request.refresh_from_db()
    assert (request.status, request.satisfaction, request.closed_on) == (
        Status.CLOSED,
        Satisfaction.FAIRLY,
        TODAY,
    )
    assert request.on_time is True
    assert request.steps.last().note == "基本满意"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"satisfaction": ""}, "satisfaction", "请选择企业的满意度。"),
        ({"closed_on": TODAY + timedelta(days=1)}, "closed_on", "日期不能晚于今天。"),
        ({"closed_on": SUBMITTED}, "closed_on", "关闭日期不能早于办结日期。"),
    ],
)
def test_a_close_without_its_particulars_is_refused(
    district: District, requests: Requests, changes: dict[str, Any], field: str, message: str
) -> None:
    request = requests.walk(requests.submit(), Status.DONE, done_on=SUBMITTED + timedelta(days=1))
    values = {"satisfaction": Satisfaction.SATISFIED, "closed_on": TODAY, **changes}
    with pytest.raises(ValidationError) as error:
        actions.do_close_request(request, actor=district.clerk_a, **values)
    assert messages_of(error) == {field: [message]}
    request.refresh_from_db()
    assert (request.status, request.satisfaction) == (Status.DONE, "")


def test_a_satisfaction_score_on_an_unfinished_request_is_refused(
    district: District, requests: Requests
) -> None:
    request = requests.walk(requests.submit(), Status.IN_PROGRESS)
    with pytest.raises(ValidationError) as error:
        actions.do_close_request(
            request, actor=district.clerk_a, satisfaction=Satisfaction.SATISFIED
        )
    assert error.value.messages == ["“办理中”状态的诉求不能关闭。"]
    # The record's own rule, as an import meets it.
    request.satisfaction = Satisfaction.SATISFIED
    with pytest.raises(ValidationError) as error:
        actions.check_request(request)
    assert messages_of(error) == {"satisfaction": ["诉求办结并关闭时才能评价满意度。"]}
    request.refresh_from_db()
    assert request.satisfaction == ""


def test_a_request_closed_without_a_reply_is_refused(requests: Requests) -> None:
    request = requests.walk(requests.submit(), Status.DONE)
    request.status, request.reply = Status.CLOSED, ""
    request.satisfaction, request.closed_on = Satisfaction.SATISFIED, TODAY
    with pytest.raises(ValidationError) as error:
        actions.check_request(request)
    assert messages_of(error) == {"reply": ["没有答复意见的诉求不能关闭。"]}


@pytest.mark.parametrize("field", ["submitted_on", "done_on", "closed_on"])
def test_a_date_in_the_future_for_what_has_happened_is_refused(
    requests: Requests, field: str
) -> None:
    request = requests.walk(requests.submit(), Status.CLOSED)
    setattr(request, field, TODAY + timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        actions.check_request(request)
    assert messages_of(error)[field] == ["日期不能晚于今天。"]


def test_the_rules_of_a_records_dates_and_departments(
    district: District, requests: Requests
) -> None:
    request = requests.walk(requests.submit(), Status.CLOSED, done_on=TODAY)
    request.closed_on = TODAY - timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        actions.check_request(request, departments=[district.town_b])
    assert messages_of(error) == {
        "closed_on": ["关闭日期不能早于办结日期。"],
        "departments": ["“於潜镇”不是部门，诉求只能分派给部门。"],
    }
    request = requests.walk(requests.submit(), Status.ASSIGNED)
    with pytest.raises(ValidationError) as error:
        actions.check_request(request, departments=[])
    assert messages_of(error) == {"departments": ["“已分派”的诉求须有承办部门。"]}


@pytest.mark.parametrize("who", ["office_clerk", "clerk_b", "leader"])
def test_only_the_town_or_the_supervisor_closes_and_reopens(
    district: District, requests: Requests, who: str
) -> None:
    request = requests.walk(requests.submit(), Status.DONE)
    actor = getattr(requests, who, None) or getattr(district, who)
    with pytest.raises(ValidationError) as error:
        actions.do_close_request(request, actor=actor, satisfaction=Satisfaction.SATISFIED)
    assert error.value.messages == ["只有督查室或企业所在镇街可以关闭诉求。"]
    with pytest.raises(ValidationError) as error:
        actions.do_reopen_request(request, actor=actor, reason="不满意")
    assert error.value.messages == ["只有督查室或企业所在镇街可以重新打开诉求。"]


def test_a_reopened_request_goes_back_to_its_departments_unfinished(
    district: District, requests: Requests
) -> None:
    request = requests.walk(
        requests.submit(), Status.CLOSED, satisfaction=Satisfaction.DISSATISFIED
    )
    actions.do_reopen_request(request, actor=district.clerk_a, reason="  资金尚未到账  ")
    request.refresh_from_db()
    assert request.status == Status.REOPENED
    assert (request.done_on, request.closed_on, request.satisfaction) == (None, None, "")
    assert request.reply == "已办理完毕"  # the old answer stays for the department to see
    assert request.steps.last().note == "资金尚未到账"  # type: ignore[union-attr]
    assert request.history.first().history_change_reason == "资金尚未到账"
    actions.do_start_request(request, actor=requests.office_clerk)
    actions.do_finish_request(request, actor=requests.office_clerk, reply="资金已到账", visits=0)
    assert (request.status, request.done_on) == (Status.DONE, TODAY)


def test_a_reopen_needs_the_reason_and_a_finished_request(
    district: District, requests: Requests
) -> None:
    request = requests.walk(requests.submit(), Status.DONE)
    with pytest.raises(ValidationError) as error:
        actions.do_reopen_request(request, actor=district.clerk_a, reason=" ")
    assert messages_of(error) == {"reason": ["重新打开须说明企业不满意的原因。"]}
    request = requests.walk(requests.submit(), Status.IN_PROGRESS)
    with pytest.raises(ValidationError) as error:
        actions.do_reopen_request(request, actor=district.clerk_a, reason="不满意")
    assert error.value.messages == ["“办理中”状态的诉求不能重新打开。"]


# Who may take which step now ----------------------------------------------------------------


def test_the_steps_each_person_may_take_follow_the_status(
    district: District, requests: Requests
) -> None:
    request = requests.submit()
    office, town = requests.office_clerk, district.clerk_a

    def allowed(user: User) -> list[str]:
        fresh = ServiceRequest.objects.prefetch_related("departments").get(pk=request.pk)
        return actions.allowed_steps(fresh, user)

    assert allowed(town) == ["assign", "edit"]
    assert allowed(office) == []
    requests.walk(request, Status.ASSIGNED)
    assert allowed(town) == ["assign", "edit"]
    assert allowed(office) == ["start"]
    assert allowed(requests.statistics_clerk) == []
    requests.walk(request, Status.IN_PROGRESS)
    assert allowed(office) == ["finish"]
    assert allowed(district.supervisor) == ["assign", "finish", "edit"]
    requests.walk(request, Status.DONE)
    assert allowed(town) == ["close", "reopen", "edit"]
    assert allowed(office) == []
    requests.walk(request, Status.CLOSED)
    assert allowed(town) == ["reopen", "edit"]
    for nobody in (district.clerk_b, district.leader, district.viewer, district.provider):
        assert allowed(nobody) == []


# Corrections, backdating and the import's writes ---------------------------------------------


def test_a_change_of_category_moves_the_deadline_and_departments_may_not_edit(
    district: District, requests: Requests
) -> None:
    request = requests.submit(name="审批服务")
    actions.do_update_request(
        request, actor=district.clerk_a, reason="类别登记错误", category=category("要素保障")
    )
    request.refresh_from_db()
    assert request.deadline == SUBMITTED + timedelta(days=30)
    assert request.history.first().history_change_reason == "类别登记错误"
    requests.walk(request, Status.ASSIGNED)
    with pytest.raises(ValidationError) as error:
        actions.do_update_request(request, actor=requests.office_clerk, description="改")
    assert error.value.messages == ["只有督查室或企业所在镇街可以修改诉求。"]


def test_steps_taken_in_the_past_keep_their_time_in_the_steps_and_the_history(
    district: District, requests: Requests
) -> None:
    at = timezone.make_aware(datetime.combine(SUBMITTED, datetime.min.time())) + timedelta(hours=9)
    request = actions.do_submit_request(
        actor=district.clerk_a,
        enterprise=requests.enterprise_a,
        category=category(),
        intake=Intake.FORUM,
        description="座谈会上提出",
        submitted_on=SUBMITTED,
        at=at,
    )
    actions.do_assign_request(
        request, actor=district.clerk_a, departments=[district.office], at=at + timedelta(hours=2)
    )
    assert list(request.steps.values_list("at", flat=True)) == [at, at + timedelta(hours=2)]
    assert sorted(request.history.values_list("history_date", flat=True))[0] == at
    with pytest.raises(ValidationError) as error:
        actions.do_start_request(
            request, actor=requests.office_clerk, at=timezone.now() + timedelta(hours=1)
        )
    assert messages_of(error) == {"at": ["时间不能晚于现在。"]}
    request.refresh_from_db()
    assert request.status == Status.ASSIGNED


def test_an_import_writes_a_request_in_its_status_with_one_step_and_again_nothing(
    district: District, requests: Requests
) -> None:
    row = actions.RequestRow(
        code="SQ2026-0100",
        fields={
            "enterprise": requests.enterprise_a,
            "category": category("政策兑现"),
            "description": "申请技改补助",
            "intake": Intake.ONLINE,
            "submitted_on": SUBMITTED,
            "status": Status.DONE,
            "reply": "已拨付",
            "visits": 0,
            "done_on": SUBMITTED + timedelta(days=5),
        },
        departments=[district.office],
    )
    [(request, outcome)] = actions.do_import_requests([row], actor=district.clerk_a, reason="导入")
    assert outcome == Outcome.CREATED
    assert request.deadline == SUBMITTED + timedelta(days=15)
    assert list(request.steps.values_list("from_status", "to_status", "note")) == [
        ("", Status.DONE, "Excel 导入（状态：已办结）")
    ]
    versions, steps = ServiceRequest.history.count(), RequestStep.objects.count()
    [(_same, outcome)] = actions.do_import_requests([row], actor=district.clerk_a, reason="导入")
    assert outcome == Outcome.UNCHANGED
    assert (ServiceRequest.history.count(), RequestStep.objects.count()) == (versions, steps)
    closed = actions.RequestRow(
        row.code,
        {**row.fields, "status": Status.CLOSED, "closed_on": TODAY, "satisfaction": "satisfied"},
        row.departments,
    )
    [(request, outcome)] = actions.do_import_requests([closed], actor=district.clerk_a, reason="")
    assert outcome == Outcome.UPDATED
    assert request.steps.last().from_status == Status.DONE  # type: ignore[union-attr]


def test_an_import_refuses_every_bad_row_and_writes_none(
    district: District, requests: Requests
) -> None:
    good = actions.RequestRow(
        "SQ2026-0200",
        {
            "enterprise": requests.enterprise_a,
            "category": category(),
            "description": "x",
            "intake": Intake.VISIT,
            "submitted_on": SUBMITTED,
            "status": Status.SUBMITTED,
        },
        [],
    )
    bad = actions.RequestRow(
        "SQ2026-0201",
        {**good.fields, "status": Status.IN_PROGRESS, "satisfaction": "satisfied"},
        [district.office],
    )
    other_town = actions.RequestRow(
        "SQ2026-0202", {**good.fields, "enterprise": requests.enterprise_b}, []
    )
    with pytest.raises(actions.RowErrors) as refused:
        actions.do_import_requests([good, bad, other_town], actor=district.clerk_a, reason="")
    assert set(refused.value.errors) == {1, 2}
    assert refused.value.errors[1].message_dict == {
        "satisfaction": ["诉求办结并关闭时才能评价满意度。"]
    }
    assert refused.value.errors[2].messages == ["您只能为本镇街的企业登记诉求。"]
    assert not ServiceRequest.objects.exists()
    assert not RequestStep.objects.exists()


def test_the_figures_count_a_request_once_overall_and_once_per_department(
    district: District, requests: Requests
) -> None:
    request = requests.walk(
        requests.submit(), Status.DONE, departments=[district.office, district.statistics]
    )
    overall, departments = request_figures(ServiceRequest.objects.all())
    assert (overall.total, overall.finished) == (1, 1)
    assert [(figures.unit, figures.finished) for figures in departments] == [
        (district.office, 1),
        (district.statistics, 1),
    ]
    assert request.on_time is True
