"""OpenAPI generation: every operation documents its error responses in the one error shape.

Set as ``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "dixian.core.api.schema.DixianAutoSchema"``.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable error code, e.g. `not_found`.")
    message = serializers.CharField(help_text="Human-readable summary (may be empty).")
    # Declared fields are popped off the class by DRF's metaclass, so this does not shadow
    # ``Serializer.fields``.
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per request field (`non_field_errors` for the whole body); "
        "empty unless the error is about the submitted data.",
    )

    class Meta:
        ref_name = "ErrorDetail"


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()

    class Meta:
        ref_name = "Error"


ERROR_DESCRIPTIONS = {
    "400": "Invalid request data or query parameter; `error.fields` names the fields.",
    "401": "Not authenticated: send `Authorization: Token <key>` or a session cookie.",
    "403": "Authenticated but not allowed (read-only role, outside your scope, or CSRF).",
    "404": "No such object within your scope.",
    "409": "The object is still in use and cannot be deleted.",
    "415": "Unsupported media type: the API accepts `application/json` bodies only.",
}


# The API's viewsets accept any path segment as a lookup value (not only dot-free ones, DRF's
# default "[^/.]+"), so that a malformed id such as "1.5" still reaches the view and gets the
# JSON 404 rather than Django's HTML page.
LOOKUP_VALUE_REGEX = "[^/]+"
_DRF_DEFAULT_LOOKUP_REGEX = "[^/.]+"


class DixianAutoSchema(AutoSchema):
    """AutoSchema that adds the documented error responses to each operation."""

    def _resolve_path_parameters(self, variables):
        # Document lookups by the model field they look up (an integer id), as drf-spectacular
        # does for DRF's default lookup pattern, rather than as a string matching the pattern.
        path_regex = self.path_regex
        self.path_regex = path_regex.replace(
            f">{LOOKUP_VALUE_REGEX})", f">{_DRF_DEFAULT_LOOKUP_REGEX})"
        )
        try:
            return super()._resolve_path_parameters(variables)
        finally:
            self.path_regex = path_regex

    def _error_codes(self) -> list[str]:
        codes = []
        has_body = self.method in ("POST", "PUT", "PATCH") and (
            self.get_request_serializer() is not None
        )
        has_query = self._is_list_view() and bool(self.get_filter_backends())
        if has_body or has_query:
            codes.append("400")
        permissions = getattr(self.view, "permission_classes", [])
        if not all(p is AllowAny for p in permissions):
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.method == "DELETE":
            codes.append("409")
        if has_body:
            codes.append("415")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]),
                    code,
                    direction=direction,
                )
        return responses
