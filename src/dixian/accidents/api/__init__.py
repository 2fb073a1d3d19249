"""REST API of the accidents app."""


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    from . import views as v

    router.register("accidents", v.AccidentViewSet)
    router.register("accidents", v.AccidentForwardViewSet, basename="accident-forwarding")
    router.register("accident-clocks", v.AccidentClockViewSet)
    router.register("accident-supplements", v.SupplementaryReportViewSet)
    router.register("investigations", v.InvestigationViewSet)
    router.register("accountability-decisions", v.AccountabilityDecisionViewSet)
    router.register("dishonesty-listings", v.DishonestyListingViewSet)
    router.register("accident-bulletins", v.BulletinViewSet)
    router.register("bulletin-receipts", v.BulletinReceiptViewSet)
