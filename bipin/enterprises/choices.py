from django.db import models
from django.utils.translation import gettext_lazy as _


class Size(models.TextChoices):
    """规上: an industrial enterprise above the statistical threshold (annual revenue of
    20 million yuan), which reports to the statistics bureau monthly."""

    ABOVE_SCALE = "above_scale", _("规上")
    BELOW_SCALE = "below_scale", _("规下")


class Grade(models.TextChoices):
    """亩均评价 classes (亩均论英雄): A 优先发展, B 提升发展, C 整治提升, D 倒逼转型; T not
    rated (utilities, enterprises in production for less than two years). Set by the
    scoring app's published evaluation."""

    A = "A", _("A 类（优先发展）")
    B = "B", _("B 类（提升发展）")
    C = "C", _("C 类（整治提升）")
    D = "D", _("D 类（倒逼转型）")
    T = "T", _("T 类（暂不评价）")


class Intake(models.TextChoices):
    """How a request came in."""

    VISIT = "visit", _("上门")
    HOTLINE = "hotline", _("电话/12345")
    ONLINE = "online", _("线上")
    FORUM = "forum", _("座谈会")


class Status(models.TextChoices):
    """A request's status, in the order it is worked."""

    SUBMITTED = "submitted", _("提交")
    ASSIGNED = "assigned", _("已分派")
    IN_PROGRESS = "in_progress", _("办理中")
    DONE = "done", _("已办结")
    CLOSED = "closed", _("已关闭")
    REOPENED = "reopened", _("重新打开")


#: Statuses of a finished request (办结): they count for the on-time and one-visit rates.
FINISHED = (Status.DONE, Status.CLOSED)
#: Statuses of an open request (the backlog).
OPEN = (Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    FAIRLY = "fairly", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


#: Ratings that count as satisfied for the satisfaction rate (满意率 = 满意 + 基本满意).
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.FAIRLY)
