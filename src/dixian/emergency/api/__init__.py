"""REST API of the emergency app: read access to every register, scoped like the pages."""


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    from . import views as v

    for prefix, viewset in v.VIEWSETS:
        router.register(prefix, viewset)
