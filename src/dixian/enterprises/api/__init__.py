"""REST API of the enterprises app: enterprises (with profile and grade), licences, grades."""


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    from .views import EnterpriseViewSet, GradeLevelViewSet, LicenceViewSet

    router.register("enterprises", EnterpriseViewSet)
    router.register("licences", LicenceViewSet)
    router.register("grade-levels", GradeLevelViewSet)
