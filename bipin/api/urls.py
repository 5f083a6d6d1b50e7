"""The one API root at /api/: it mounts each app's router (app/api.py).

OpenAPI 3 schema at /api/openapi.json, interactive documentation at /api/docs (served
locally by django-ninja, no CDN).
"""

from ninja import NinjaAPI

from bipin.alerts import api as alerts_api
from bipin.core import api as core_api
from bipin.enterprises.api import enterprises as enterprises_api
from bipin.enterprises.api import requests as requests_api
from bipin.indicators import api as indicators_api
from bipin.org import api as org_api
from bipin.projects import api as projects_api
from bipin.scoring import api as scoring_api
from bipin.talent import api as talent_api

api = NinjaAPI(
    title="bipin API",
    version="1",
    description="比拼 · 双招双引 平台接口。用个人 API 令牌（Authorization: Bearer …）或登录会话访问；"
    "每个用户只能看到其权限范围内的对象，其余对象一律返回 404。",
    auth=core_api.API_AUTH,
    urls_namespace="api",
)
core_api.install_error_handlers(api)
api.add_router("/", core_api.router)
api.add_router("/", org_api.router)
api.add_router("/", projects_api.router)
api.add_router("/", enterprises_api.router)
api.add_router("/", requests_api.router)
api.add_router("/", talent_api.router)
api.add_router("/", indicators_api.router)
api.add_router("/", scoring_api.router)
api.add_router("/", alerts_api.router)
