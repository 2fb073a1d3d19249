"""REST API of the enterprises app."""


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
