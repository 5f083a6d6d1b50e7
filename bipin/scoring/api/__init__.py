"""The competition's part of the API (比拼): schemes, runs and scores (runs.py), the 亩均
evaluation (evaluations.py); one router that bipin/api/urls.py mounts.

Scoped like the pages: a unit reads the published boards and its own breakdown; an object
the user may not see is 404; a write the user may not make is 403 with the action's message.
"""

from ninja import Router

from bipin.scoring.api import evaluations, runs

router = Router()
router.add_router("", runs.router)
router.add_router("", evaluations.router)
