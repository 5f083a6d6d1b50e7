"""督查预警's part of the API: alerts and the units' answers (alerts.py), the rules and
their kinds (rules.py), a person's messages (notifications.py); one router that
bipin/api/urls.py mounts.

Scoped like the pages: an alert the user may not see is 404; an answer the user may not
give is 403 with the action's message; a message is its recipient's alone.
"""

from ninja import Router

from bipin.alerts.api import alerts, notifications, rules

router = Router()
router.add_router("", alerts.router)
router.add_router("", rules.router)
router.add_router("", notifications.router)
