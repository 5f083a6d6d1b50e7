from django.http import HttpRequest

from bipin.core.navigation import main_menu


def navigation(request: HttpRequest) -> dict:
    """The module menu of the page shell (resolved per request: URLs depend on the apps)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"main_menu": main_menu()}
