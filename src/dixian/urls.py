from django.urls import include, path
from django.views.i18n import set_language

from .core.views import pages

handler404 = "dixian.core.api.errors.handler404"
handler500 = "dixian.core.api.errors.handler500"

urlpatterns = [
    path("", pages.home, name="home"),
    path("accounts/login/", pages.login_view, name="login"),
    path("accounts/logout/", pages.logout_view, name="logout"),
    path("accounts/token/", pages.api_token, name="api_token"),
    path("inbox/", pages.InboxView.as_view(), name="inbox"),
    path("inbox/<int:pk>/", pages.MessageDetail.as_view(), name="message_detail"),
    path("inbox/read-all/", pages.inbox_mark_all_read, name="inbox_read_all"),
    path("inbox/bell/", pages.bell, name="bell"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", pages.health, name="health"),
    path("api/v1/", include("dixian.core.api.urls")),
    path("duties/", include("dixian.duties.urls")),
    path("enterprises/", include("dixian.enterprises.urls")),
    path("workforce/", include("dixian.workforce.urls")),
    path("prevention/", include("dixian.prevention.urls")),
    path("monitoring/", include("dixian.monitoring.urls")),
    path("alerts/", include("dixian.alerts.urls")),
    path("emergency/", include("dixian.emergency.urls")),
    path("accidents/", include("dixian.accidents.urls")),
    path("", include("dixian.core.urls")),
]
