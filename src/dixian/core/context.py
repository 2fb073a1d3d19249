"""Per-request context (request id, acting user) for the audit chain."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("dixian_request_id", default="")
actor_var: ContextVar[object | None] = ContextVar("dixian_actor", default=None)
