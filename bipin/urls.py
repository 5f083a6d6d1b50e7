from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from bipin.api.urls import api
from bipin.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", core_views.account, name="account"),
    path(
        "account/password/",
        core_views.PasswordChangeView.as_view(success_url="/account/"),
        name="password_change",
    ),
    path("account/tokens/new/", core_views.token_create, name="token_create"),
    path("account/tokens/<int:pk>/revoke/", core_views.token_revoke, name="token_revoke"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("bipin.org.urls")),
    path("projects/", include("bipin.projects.urls")),
    path("enterprises/", include("bipin.enterprises.urls")),
    path("talent/", include("bipin.talent.urls")),
    path("indicators/", include("bipin.indicators.urls")),
    path("scoring/", include("bipin.scoring.urls")),
    path("alerts/", include("bipin.alerts.urls")),
    path("excel/", include("bipin.core.excel.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

handler403 = "bipin.core.views.permission_denied"
handler404 = "bipin.core.views.page_not_found"
handler500 = "bipin.core.views.server_error"
