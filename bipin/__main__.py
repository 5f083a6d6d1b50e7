"""The `bipin` console script: Django's manage command for this project.

`bipin migrate`, `bipin createsuperuser`, `bipin demo`, `bipin <any command>`.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bipin.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - load the settings now, to report a bad value cleanly
    except ImproperlyConfigured as error:
        # A wrong environment value stops start-up with the message that names it,
        # not with a traceback.
        print(f"bipin: configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None

    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
