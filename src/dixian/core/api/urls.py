from importlib import import_module

from django.conf import settings
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from dixian.duties.api import KeyTaskViewSet, MilestoneViewSet, ProgressReportViewSet

from . import views

router = DefaultRouter()
router.register("divisions", views.DivisionViewSet)
router.register("industries", views.IndustryViewSet)
router.register("organisations", views.OrganisationViewSet)
router.register("people", views.PersonViewSet)
router.register("positions", views.PositionViewSet)
router.register("jurisdictions", views.JurisdictionViewSet)
router.register("audit-events", views.AuditEventViewSet)
router.register("messages", views.MessageViewSet, basename="message")
router.register("key-tasks", KeyTaskViewSet)
router.register("milestones", MilestoneViewSet)
router.register("progress-reports", ProgressReportViewSet)
# Each app registers its own viewsets (dixian.<app>.api.register(router)).
for _app in settings.DIXIAN_DEMO_APPS:
    import_module(f"dixian.{_app}.api").register(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (no inline script), so
    # the page works under a strict Content-Security-Policy; assets come from the sidecar.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
