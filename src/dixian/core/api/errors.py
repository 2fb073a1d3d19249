"""One JSON error shape for the API: {"error": {"code", "message", "fields"}}."""

from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_handler


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
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
            fields = {
                k: [str(e) for e in (v if isinstance(v, list) else [v])] for k, v in data.items()
            }
            message = "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
    elif isinstance(data, list):
        message = " ".join(str(e) for e in data)
    code = getattr(exc, "default_code", "error")
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response
