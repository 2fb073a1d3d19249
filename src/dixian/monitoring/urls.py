from django.urls import path
from django.utils.translation import gettext_lazy as _

from dixian.core import navigation
from dixian.core.navigation import NavItem
from dixian.core.views.generic import registry_urls

from . import views as v

app_name = "monitoring"

urlpatterns = [
    path("", v.Overview.as_view(), name="overview"),
    path("live/", v.LiveIndex.as_view(), name="live_index"),
    path("live/<int:pk>/", v.EnterpriseLive.as_view(), name="live"),
    path("live/<int:pk>/panel/", v.EnterpriseLivePanel.as_view(), name="live_panel"),
    path("alarms/", v.AlarmList.as_view(), name="alarm_list"),
    path("alarms/panel/", v.AlarmPanel.as_view(), name="alarm_panel"),
    path("alarms/<int:pk>/", v.AlarmDetail.as_view(), name="alarm_detail"),
    path("alarms/<int:pk>/step/", v.AlarmStep.as_view(), name="alarm_step"),
    path("points/", v.PointList.as_view(), name="point_list"),
    path("points/<int:pk>/", v.PointDetail.as_view(), name="point_detail"),
    path("points/<int:pk>/series/", v.PointSeries.as_view(), name="point_series"),
    *registry_urls(
        "objects", "monitoredobject", v.ObjectList, v.ObjectDetail, v.ObjectEdit, v.ObjectDelete
    ),
    path("gateways/", v.GatewayList.as_view(), name="gateway_list"),
    path("gateways/<int:pk>/", v.GatewayDetail.as_view(), name="gateway_detail"),
    path("gateways/<int:pk>/token/", v.GatewayToken.as_view(), name="gateway_token"),
    path("rules/", v.RuleList.as_view(), name="rule_list"),
    path("rules/<int:pk>/", v.RuleDetail.as_view(), name="rule_detail"),
    path("rules/<int:pk>/edit/", v.RuleEdit.as_view(), name="rule_edit"),
    path("dead-letters/", v.DeadLetterList.as_view(), name="deadletter_list"),
    path("dead-letters/<int:pk>/", v.DeadLetterDetail.as_view(), name="deadletter_detail"),
]

_P = "risks"
navigation.register(
    NavItem(_P, _("Monitoring overview"), "monitoring:overview", "activity", order=10)
)
navigation.register(
    NavItem(_P, _("Live monitoring"), "monitoring:live_index", "heartbeat", order=11)
)
navigation.register(NavItem(_P, _("Alarm board"), "monitoring:alarm_list", "alarm", order=12))
navigation.register(NavItem(_P, _("Measuring points"), "monitoring:point_list", "gauge", order=13))
navigation.register(
    NavItem(
        _P, _("Monitored objects"), "monitoring:monitoredobject_list", "building-factory", order=14
    )
)
navigation.register(NavItem(_P, _("Gateways"), "monitoring:gateway_list", "router", order=15))
navigation.register(NavItem(_P, _("Alarm rules"), "monitoring:rule_list", "adjustments", order=16))
navigation.register(
    NavItem(_P, _("Dead letters"), "monitoring:deadletter_list", "mail-x", order=17)
)
