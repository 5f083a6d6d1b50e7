"""The columns of the project ledger, and the lookups of what its rows name (units,
industries, leading industries, leaders, the negative list), read once per import."""

import re
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from bipin.core.choices import Role
from bipin.core.excel import (
    AMOUNT_FORMAT,
    DATE_FORMAT,
    Column,
    choice_parser,
    header_key,
    parse_amount,
    parse_bool,
    parse_date,
    parse_name,
    parse_text,
    parse_title,
    tidy,
)
from bipin.core.uscc import normalize_uscc, validate_uscc
from bipin.org.choices import UnitKind
from bipin.org.models import Unit, User
from bipin.projects.choices import Channel, InvestorKind, NegativeKind, Stage
from bipin.projects.models import STAGE_DATE_FIELDS, Industry, LeadingIndustry, NegativeListItem


def _parse_uscc(value: Any) -> str:
    """A USCC checked where it is read, so that the message says which position is wrong."""
    code = normalize_uscc(str(value))
    try:
        validate_uscc(code)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
    return code


def _parse_leaders(value: Any) -> list[str]:
    return [name for name in re.split(r"[、,，;；/\s]+", tidy(str(value))) if name]


_STAGE_SPELLINGS = {
    "已签约": Stage.SIGNED, "已注册": Stage.REGISTERED, "已供地": Stage.LAND,
    "已开工": Stage.STARTED, "在建": Stage.STARTED, "已投产": Stage.PRODUCING,
    "已达产": Stage.AT_CAPACITY, "已终止": Stage.TERMINATED, "在谈": Stage.NEGOTIATING,
    "洽谈中": Stage.NEGOTIATING, "签约未开工": Stage.SIGNED,
}  # fmt: skip
_DATE_HELP = gettext_lazy("到达该阶段的日期；留空则清除该日期，表中没有这一列则不改变已有日期")
_DATE_ALLOWED = gettext_lazy("日期，如 2026-03-18、2026年3月18日 或 2026.3.18；不能晚于今天")
_AMOUNT_ALLOWED = gettext_lazy("不小于 0 的数字，可带千分位，如 12,000.50")


def _date_column(key: str, header: str, *aliases: str) -> Column:
    return Column(
        key,
        header,
        aliases,
        parse_date,
        help=_DATE_HELP,
        allowed=_DATE_ALLOWED,
        width=12,
        number_format=DATE_FORMAT,
    )


@cache
def project_columns() -> tuple[Column, ...]:
    """The columns of the template and of the export, in order; aliases take the headers
    of the office's own ledger (the sample sheet) and its variants."""
    return (
        Column(
            "code", gettext_noop("项目编号"), ("编号",), parse_name,
            help=gettext_lazy("留空则自动生成；填写已有编号则更新该项目"),
            allowed=gettext_lazy("如 ZS2026-0001"),
        ),
        Column(
            "name", gettext_noop("项目名称"), (), parse_title, required=True, width=36,
            help=gettext_lazy("没有项目编号时，投资方和项目名称都相同的行视为同一项目"),
        ),
        Column(
            "investor_name", gettext_noop("投资方"), ("投资主体", "投资企业", "投资方名称", "签约企业"),
            parse_title, required=True, width=30,
        ),
        Column(
            "investor_origin", gettext_noop("投资方来源地"), ("来源地", "投资方所在地", "投资来源地"),
            parse_title, help=gettext_lazy("省市或国家"),
            allowed=gettext_lazy("如 上海市、江苏省苏州市、德国"),
        ),
        Column(
            "investor_kind", gettext_noop("内外资"), ("内资/外资", "资金性质"),
            choice_parser(InvestorKind, extra={"港澳台": InvestorKind.FOREIGN}),
            help=gettext_lazy("留空则按来源地判断：外国及港澳台为外资"),
            allowed=gettext_lazy("内资、外资"), width=8, options="内外资",
        ),
        Column(
            "contracted_investment", gettext_noop("总投资（万元）"),
            ("总投资", "计划总投资（万元）", "协议投资额（万元）", "合同投资额（万元）", "投资额（万元）"),
            parse_amount, required=True, allowed=_AMOUNT_ALLOWED, number_format=AMOUNT_FORMAT,
        ),
        Column(
            "fixed_asset_investment", gettext_noop("固定资产投资（万元）"),
            ("其中：固定资产投资（万元）", "固投（万元）"), parse_amount,
            allowed=_AMOUNT_ALLOWED, number_format=AMOUNT_FORMAT,
        ),
        Column(
            "foreign_capital", gettext_noop("其中：外资（万美元）"),
            ("外资（万美元）", "其中外资（万美元）", "利用外资（万美元）"), parse_amount,
            allowed=_AMOUNT_ALLOWED, number_format=AMOUNT_FORMAT,
        ),
        Column(
            "industry", gettext_noop("所属行业"), ("行业", "国民经济行业", "行业代码", "行业分类"),
            parse_name, required=True, width=30, options="所属行业", strict_options=False,
            help=gettext_lazy("GB/T 4754-2017 国民经济行业分类的大类"),
            allowed=gettext_lazy("大类代码（两位数字，如 39）或大类名称（如 计算机、通信和其他电子设备制造业）"),
        ),
        Column(
            "leading_industry", gettext_noop("主导产业"), ("主导产业类别",), parse_name,
            options="主导产业", allowed=gettext_lazy("见下拉列表"),
        ),
        Column(
            "channel", gettext_noop("招商方式"), (), choice_parser(Channel), options="招商方式",
            allowed=", ".join(str(label) for label in Channel.labels),
        ),
        Column(
            "stage", gettext_noop("当前进度"), ("阶段", "当前阶段", "项目阶段", "项目进度", "进度"),
            choice_parser(Stage, extra=_STAGE_SPELLINGS), width=10, options="当前进度",
            help=gettext_lazy("留空则取已填日期的最后一个阶段；签约及以后的阶段须有签约日期"),
            allowed=gettext_lazy("线索、洽谈、签约、注册、供地、开工、投产、达产、终止"),
        ),
        _date_column("lead_on", gettext_noop("线索日期"), "线索时间"),
        _date_column("negotiating_on", gettext_noop("洽谈日期"), "洽谈时间"),
        _date_column("signed_on", gettext_noop("签约日期"), "签约时间"),
        _date_column("registered_on", gettext_noop("注册日期"), "注册时间"),
        _date_column("land_on", gettext_noop("供地日期"), "供地时间"),
        _date_column("started_on", gettext_noop("开工日期"), "开工时间"),
        _date_column("producing_on", gettext_noop("投产日期"), "投产时间"),
        _date_column("at_capacity_on", gettext_noop("达产日期"), "达产时间"),
        _date_column("terminated_on", gettext_noop("终止日期"), "终止时间"),
        Column(
            "termination_reason", gettext_noop("终止原因"), (), parse_text, width=24,
            help=gettext_lazy("终止的项目必填"),
        ),
        Column(
            "responsible_unit", gettext_noop("责任单位"), ("责任主体", "属地单位", "所属镇街", "属地"),
            parse_name, required=True, options="责任单位",
            allowed=gettext_lazy("单位全称、简称或代码"),
        ),
        Column(
            "platform", gettext_noop("落地平台"), ("平台", "所在平台"), parse_name, options="落地平台",
            allowed=gettext_lazy("平台的全称、简称或代码"),
        ),
        Column(
            "leaders", gettext_noop("挂联区领导"), ("挂联领导", "联系领导"), _parse_leaders,
            options="挂联区领导", strict_options=False,
            help=gettext_lazy("缺少的挂联会新建；已有的挂联不会因本列为空而解除"),
            allowed=gettext_lazy("区领导姓名，多人用“、”分隔"),
        ),
        Column(
            "uscc", gettext_noop("统一社会信用代码"), ("信用代码", "社会信用代码"), _parse_uscc, width=22,
            help=gettext_lazy("项目公司注册后填写"),
            allowed=gettext_lazy("18 位，GB 32100-2015（含校验位）"),
        ),
        Column(
            "is_capital_increase", gettext_noop("现有企业增资"), ("是否增资", "增资项目"), parse_bool,
            width=10, options="是否", help=gettext_lazy("增资计入金额，不计为新项目"),
            allowed=gettext_lazy("是、否；留空为否"),
        ),
        Column("note", gettext_noop("备注"), (), parse_text, width=30),
    )  # fmt: skip


#: The stage of each date field.
STAGE_OF_DATE = {field: stage for stage, field in STAGE_DATE_FIELDS.items()}
#: Row keys that are not fields of do_import_project's **fields.
NON_FIELD_KEYS = {"stage", "leaders", "termination_reason", *STAGE_OF_DATE}

# Where an investor comes from ----------------------------------------------------------------

#: Hong Kong, Macao and Taiwan count with foreign capital in China's investment statistics
#: (外商投资 includes 港澳台商投资, 外商投资统计调查制度).
_HK_MACAO_TAIWAN = ("香港", "澳门", "台湾")
_COUNTRIES = (
    "日本", "新加坡", "意大利", "加拿大", "澳大利亚", "荷兰", "瑞士", "瑞典", "以色列",
    "西班牙", "比利时", "丹麦", "芬兰", "挪威", "奥地利", "新西兰", "马来西亚", "印度",
    "越南", "俄罗斯", "巴西", "墨西哥", "爱尔兰", "卢森堡", "开曼群岛", "英属维尔京群岛",
    "维尔京群岛", "百慕大", "萨摩亚", "毛里求斯", "沙特阿拉伯", "阿联酋", "卡塔尔", "葡萄牙",
    "希腊", "波兰", "捷克", "匈牙利", "土耳其", "南非", "智利", "阿根廷", "菲律宾", "柬埔寨",
    "老挝", "缅甸", "蒙古", "哈萨克斯坦", "巴基斯坦", "孟加拉", "欧洲", "北美",
)  # fmt: skip


def is_foreign_origin(origin: str) -> bool:
    """Whether an investor's origin is abroad: a country (德国, 美国, Germany, 日本东京) or
    Hong Kong, Macao or Taiwan. Provinces and cities of the mainland, with or without
    their 省/市, are not."""
    text = tidy(origin).replace(" ", "").removeprefix("中国")
    if not text:
        return False
    if text.startswith(_HK_MACAO_TAIWAN + _COUNTRIES):
        return True
    if re.fullmatch(r"[A-Za-z.,'()&-]+", text):
        return True
    country = re.match(r"^(\w{1,4}?国)", text)
    return country is not None and country[1] not in ("中国", "全国")


# Looking up what rows name -------------------------------------------------------------------


class Lookups:
    """What rows of a ledger name (units, industries, leading industries, leaders, the
    negative list), read once per import so that checking a row costs no query."""

    def __init__(self) -> None:
        self.units: dict[str, list[Unit]] = {}
        for unit in Unit.objects.only("pk", "code", "name", "short_name", "kind", "active"):
            for text in {unit.code, unit.name, unit.short_name} - {""}:
                self.units.setdefault(header_key(text), []).append(unit)
        self.divisions: dict[str, Industry] = {}
        self.sections: dict[str, Industry] = {}
        for industry in Industry.objects.all():
            table = self.sections if industry.section_id is None else self.divisions
            table[header_key(industry.code)] = industry
            table[header_key(industry.name)] = industry
        self.leading = {
            header_key(industry.name): industry
            for industry in LeadingIndustry.objects.filter(active=True)
        }
        self.leaders: dict[str, User] = {}
        for leader in User.objects.filter(role=Role.LEADER, is_active=True):
            for text in {leader.username, leader.name} - {""}:
                self.leaders[header_key(text)] = leader
        self.licences: dict[int, list[str]] = {}
        self.prohibited: dict[int, NegativeListItem] = {}
        through = NegativeListItem.industries.through.objects.select_related("negativelistitem")
        for link in through:
            item = link.negativelistitem
            if item.kind == NegativeKind.LICENSED:
                self.licences.setdefault(link.industry_id, []).append(f"{item.code} {item.text}")
            else:
                self.prohibited.setdefault(link.industry_id, item)

    def unit(self, text: str, *, scope: set[int] | None = None, platform: bool = False) -> Unit:
        candidates = self.units.get(header_key(text), [])
        if platform:
            candidates = [unit for unit in candidates if unit.kind == UnitKind.PLATFORM]
        if len(candidates) > 1 and scope is not None:
            candidates = [unit for unit in candidates if unit.pk in scope] or candidates
        if not candidates:
            if platform:
                names = sorted(
                    {
                        u.name
                        for us in self.units.values()
                        for u in us
                        if u.kind == UnitKind.PLATFORM
                    }
                )
                raise ValueError(
                    _("“%(name)s”不是平台：落地平台应为 %(allowed)s 之一。")
                    % {"name": text, "allowed": "、".join(names) or "—"}
                )
            raise ValueError(
                _("未知单位“%(name)s”：应填单位全称、简称或代码（见模板的“选项”表）。")
                % {"name": text}
            )
        if len(candidates) > 1:
            raise ValueError(
                _("有 %(count)s 个单位叫“%(name)s”（代码 %(codes)s），请填写单位代码。")
                % {
                    "count": len(candidates),
                    "name": text,
                    "codes": "、".join(unit.code for unit in candidates),
                }
            )
        if not candidates[0].active:
            raise ValueError(_("单位“%(name)s”已停用。") % {"name": text})
        return candidates[0]

    def industry(self, text: str) -> Industry:
        """A division by its code ("39", "C39", a 4-digit class code "3911" of it) or its
        exact name, or both ("39 计算机、通信和其他电子设备制造业")."""
        key = header_key(text)
        if key in self.divisions and not key.isalpha():
            return self.divisions[key]
        match = re.fullmatch(r"([a-t])?(\d{2})(\d{1,2})?(\D*)", key)
        if match and match[2] in self.divisions:
            division = self.divisions[match[2]]
            named = match[4].strip("-_.:()")
            if named and self.divisions.get(named) not in (None, division):
                raise ValueError(
                    _("行业代码 %(code)s 与名称“%(name)s”不一致：%(code)s 是“%(real)s”。")
                    % {"code": match[2], "name": match[4], "real": division.name}
                )
            return division
        if key in self.divisions:
            return self.divisions[key]
        section = self.sections.get(key)
        if section is not None:
            raise ValueError(
                _("“%(name)s”是门类（%(code)s %(section)s），请填写其下的大类，如 %(example)s。")
                % {
                    "name": text,
                    "code": section.code,
                    "section": section.name,
                    "example": next(
                        (
                            f"{d.code} {d.name}"
                            for d in self.divisions.values()
                            if d.section_id == section.pk
                        ),
                        "—",
                    ),
                }
            )
        raise ValueError(
            _(
                "未知行业“%(name)s”：应填 GB/T 4754-2017 大类代码（两位数字，如 39）或大类名称（如 计算机、通信和其他电子设备制造业）。"
            )
            % {"name": text}
        )

    def leading_industry(self, text: str) -> LeadingIndustry:
        found = self.leading.get(header_key(text))
        if found is None:
            allowed = "、".join(industry.name for industry in self.leading.values())
            raise ValueError(
                _("未知主导产业“%(name)s”：应为 %(allowed)s 之一。")
                % {"name": text, "allowed": allowed or "—"}
            )
        return found

    def leader(self, text: str) -> User:
        found = self.leaders.get(header_key(text))
        if found is None:
            allowed = "、".join(sorted({str(leader) for leader in self.leaders.values()}))
            raise ValueError(
                _("未知区领导“%(name)s”：应为 %(allowed)s 之一。")
                % {"name": text, "allowed": allowed or "—"}
            )
        return found

    def licences_of(self, industry: Industry) -> list[str]:
        """Licensed items of the negative list covering an industry (or its section)."""
        return self.licences.get(industry.pk, []) + (
            self.licences.get(industry.section_id, []) if industry.section_id else []
        )
