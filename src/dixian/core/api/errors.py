"""One JSON error shape for the API: {"error": {"code", "message", "fields"}}.

``fields`` maps a request field (or ``non_field_errors``) to its messages; it is empty for
errors that are not about a field (401, 403, 404, 405, 409, 415 …).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This object is still in use and cannot be deleted.")
    default_code = "conflict"


def _as_api_exception(exc):
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, ProtectedError | RestrictedError):
        return Conflict()
    return exc


def _messages(value) -> list[str]:
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _messages(v)]
    if isinstance(value, list | tuple):
        return [m for v in value for m in _messages(v)]
    return [str(value)]


def exception_handler(exc, context):
    exc = _as_api_exception(exc)
    response = drf_handler(exc, context)
    if response is None:
        return None
    data = response.data
    fields = {}
    message = ""
    if isinstance(data, dict):
        if "detail" in data and len(data) == 1:
            message = str(data["detail"])
        else:
            fields = {str(k): _messages(v) for k, v in data.items()}
            message = "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
    elif isinstance(data, list):
        message = " ".join(_messages(data))
    code = getattr(exc, "default_code", "error")
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _envelope(status_code: int, code: str, message: str):
    from django.http import JsonResponse

    body = {"error": {"code": code, "message": message, "fields": {}}}
    return JsonResponse(body, status=status_code, json_dumps_params={"ensure_ascii": False})


def handler404(request, exception=None):
    """Root ``handler404``: unknown URLs under /api/ answer in the API's error shape (JSON),
    everything else gets the usual page."""
    if _is_api(request):
        return _envelope(
            404, exceptions.NotFound.default_code, str(exceptions.NotFound.default_detail)
        )
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    """Root ``handler500``: a server error under /api/ answers in the API's error shape."""
    if _is_api(request):
        return _envelope(500, "server_error", str(_("A server error occurred.")))
    from django.views.defaults import server_error

    return server_error(request)
