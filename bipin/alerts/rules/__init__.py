"""The rule kinds of 督查预警, registered on import (the app's `ready`)."""

from bipin.alerts.rules import enterprises, indicators, projects, scoring  # noqa: F401
from bipin.alerts.rules.base import Finding, Param, PassContext, RuleKind, rule_kinds

__all__ = ["Finding", "Param", "PassContext", "RuleKind", "rule_kinds"]
