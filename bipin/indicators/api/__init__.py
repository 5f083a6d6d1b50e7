"""The indicator data's part of the API (指标数据): the catalogue and the annual targets
(catalogue.py); monthly values with their workflow (submit, approve, return, correct), the
list of what has not been submitted and the reporting periods (values.py); one router
that bipin/api/urls.py mounts.

Scoped like the pages: an object the user may not see is 404, as one that does not exist
(a value written with PUT is named by its indicator, unit and month: a unit the user may
not see is 404 too); a write the user may not make at all is 403 with the action's
message; input that breaks a rule is 400 with the message and, where there is one, the
field. Amounts are decimal strings in the answers, never floats; in a request an amount
may be a number or a string as people write it ("12.5%", "１２．５", "1,234.5").
"""

from ninja import Router

from bipin.indicators.api import catalogue, values

router = Router()
router.add_router("", catalogue.router)
router.add_router("", values.router)
