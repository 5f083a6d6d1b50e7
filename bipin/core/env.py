"""Typed readers of the environment for settings.py.

Every reader fails loudly: a value that cannot be read raises ImproperlyConfigured with the
variable's name, what was expected and what was found, so a wrong value stops start-up
instead of running with a silent default.
"""

import builtins
from collections.abc import Mapping, Sequence
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Env:
    """Reads typed values from a mapping of environment variables."""

    def __init__(self, environ: Mapping[builtins.str, builtins.str]) -> None:
        self.environ = environ

    def _raw(self, name: builtins.str) -> builtins.str | None:
        value = self.environ.get(name)
        return None if value is None else value.strip()

    def str(self, name: builtins.str, default: builtins.str | None = None) -> builtins.str | None:
        value = self._raw(name)
        return default if value is None or value == "" else value

    def bool(self, name: builtins.str, default: bool) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}"
        )

    def int(
        self,
        name: builtins.str,
        default: int,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int:
        value = self._raw(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {number}")
        if maximum is not None and number > maximum:
            raise ImproperlyConfigured(f"{name} must be at most {maximum}; got {number}")
        return number

    def list(self, name: builtins.str, default: Sequence[builtins.str]) -> list[builtins.str]:
        value = self._raw(name)
        if value is None:
            return list(default)
        return [item.strip() for item in value.split(",") if item.strip()]

    def choice(
        self, name: builtins.str, default: builtins.str, choices: Sequence[builtins.str]
    ) -> builtins.str:
        value = self.str(name, default)
        assert value is not None
        if value not in choices:
            raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}")
        return value

    def path(self, name: builtins.str, default: Path) -> Path:
        value = self.str(name)
        return Path(value).expanduser().resolve() if value else default
