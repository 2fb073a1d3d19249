"""REST API of the emergency app."""


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
