"""REST API of the prevention app."""


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    from . import views as v

    router.register("risk-points", v.RiskPointViewSet)
    router.register("risk-checks", v.RiskCheckViewSet)
    router.register("major-hazard-sources", v.MajorHazardSourceViewSet)
    router.register("hazard-inventory", v.InventoryViewSet)
    router.register("hazard-filings", v.FilingViewSet)
    router.register("hazards", v.HazardViewSet)
    router.register("public-reports", v.PublicReportViewSet)
