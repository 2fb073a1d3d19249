"""REST API of the monitoring app."""


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    from . import views

    router.register("readings", views.ReadingViewSet, basename="reading")
    router.register("monitored-objects", views.MonitoredObjectViewSet)
    router.register("monitoring-points", views.PointViewSet)
    router.register("gateways", views.GatewayViewSet)
    router.register("alarm-rules", views.RuleViewSet)
    router.register("alarms", views.AlarmViewSet)
    router.register("alarms", views.AlarmTransitionViewSet, basename="alarm-transition")
