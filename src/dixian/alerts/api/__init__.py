"""REST API of the alerts app."""


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    from .views import (
        AcknowledgementViewSet,
        CapMessageViewSet,
        FeedbackViewSet,
        WarningTargetViewSet,
        WarningViewSet,
    )

    router.register("warnings", WarningViewSet)
    router.register("warning-targets", WarningTargetViewSet)
    router.register("acknowledgements", AcknowledgementViewSet, basename="acknowledgement")
    router.register("warning-feedback", FeedbackViewSet)
    router.register("cap-messages", CapMessageViewSet, basename="cap-message")
