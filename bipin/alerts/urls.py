from bipin.alerts.views import alerts, inbox, rules

app_name = "alerts"

urlpatterns = alerts.urlpatterns + inbox.urlpatterns + rules.urlpatterns
