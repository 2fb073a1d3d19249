"""Schemathesis over the whole OpenAPI schema, in process, as the demo administrator.

The schema is loaded from ``/api/v1/schema/`` through the WSGI application (the served
schema is what is tested). Every operation becomes one pytest test; its requests go through
Django's WSGI handler in the test's thread, so they run inside the test's transaction and
whatever they create, change or delete (including demo data) is rolled back afterwards —
``test_demo_world_is_intact_afterwards`` checks that.

Bounded and reproducible: derandomized generation, no example database, a fixed number of
fuzzed examples per operation.
"""

from __future__ import annotations

import hashlib
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

TOKEN = "schemathesis0000000000000000000000000000"  # 40 characters, like a DRF token key
# Examples per operation: 4 keeps the run over ~250 operations within a few minutes;
# raise it (DIXIAN_SCHEMATHESIS_EXAMPLES=50) for a deeper fuzzing run.
MAX_EXAMPLES = int(os.environ.get("DIXIAN_SCHEMATHESIS_EXAMPLES", "4"))

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20240829,
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            # Authentication is ours (a real token below), not generated.
            "with-security-parameters": False,
        },
        "phases": {"stateful": {"enabled": False}},
        "headers": {"Authorization": f"Token {TOKEN}"},
    }
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WSGIHandler(), config=CONFIG)


@pytest.fixture
def admin_token(users):
    from rest_framework.authtoken.models import Token

    Token.objects.create(user=users["admin"], key=TOKEN)
    return TOKEN


@pytest.fixture
def in_transaction():
    """Django's handler recycles the connection at the start and end of each request (as a
    real server should); in a test that would end the test's transaction. Like
    ``django.test.Client``, keep the connection for the duration of the test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class ExistingRows:
    """Steers generated integer ids onto rows that exist.

    Random ids almost never name a demo row, so updates and deletes would only ever answer
    404 and related-object fields would only ever be refused. Generated integer ids (also
    digit strings, as path parameters come) are mapped onto an existing primary key of the
    right model, except one in five (chosen by the value itself, so runs stay
    reproducible), which is sent as generated.
    """

    def __init__(self):
        from dixian.core.models import (
            AuditEvent,
            Division,
            Industry,
            Jurisdiction,
            Message,
            Organisation,
            Person,
            Position,
        )

        self.by_collection = {
            "divisions": Division,
            "industries": Industry,
            "organisations": Organisation,
            "people": Person,
            "positions": Position,
            "jurisdictions": Jurisdiction,
            "audit-events": AuditEvent,
            "messages": Message,
        }
        self.by_field = {
            "division": Division,
            "areas": Division,
            "industries": Industry,
            "org": Organisation,
            "department": Organisation,
            "person": Person,
        }
        self.keys = {
            Division: list(Division.objects.values_list("pk", flat=True)),
            Industry: list(Industry.objects.values_list("pk", flat=True)),
            Organisation: list(Organisation.objects.values_list("pk", flat=True)),
            Person: list(Person.objects.values_list("pk", flat=True)),
            Position: list(Position.objects.values_list("pk", flat=True)),
            Jurisdiction: list(Jurisdiction.objects.values_list("pk", flat=True)),
            AuditEvent: list(AuditEvent.objects.values_list("seq", flat=True)),
            Message: list(Message.objects.values_list("pk", flat=True)),
        }

    def pick(self, model, value):
        keys = self.keys[model]
        number = value
        if isinstance(value, str) and value.isascii() and value.isdigit():
            number = int(value)  # path parameters arrive as strings
        if type(number) is not int or not keys or number % 5 == 4:
            return value
        key = keys[number % len(keys)]
        return str(key) if isinstance(value, str) else key

    def steer(self, case):
        collection = case.operation.path.removeprefix("/api/v1/").split("/")[0]
        model = self.by_collection.get(collection)
        for name in ("id", "seq"):
            if model is not None and name in (case.path_parameters or {}):
                case.path_parameters[name] = self.pick(model, case.path_parameters[name])
        if isinstance(case.body, dict):
            fields = {**self.by_field, "parent": model}
            for name, value in case.body.items():
                target = fields.get(name)
                if target is None:
                    continue
                if isinstance(value, list):
                    case.body[name] = [self.pick(target, v) for v in value]
                else:
                    case.body[name] = self.pick(target, value)


@pytest.fixture
def existing_rows(users):
    return ExistingRows()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, admin_token, in_transaction, existing_rows):
    existing_rows.steer(case)
    case.call_and_validate(checks=CHECKS)


def _fingerprint() -> dict[str, str]:
    from dixian.core.models import (
        Division,
        Industry,
        Jurisdiction,
        Message,
        Organisation,
        Person,
        Position,
        User,
    )

    def digest(qs, *fields):
        rows = [repr(row) for row in qs.order_by("pk").values_list("pk", *fields)]
        return f"{len(rows)}:{hashlib.sha256(chr(10).join(rows).encode()).hexdigest()}"

    return {
        "divisions": digest(Division.objects, "code", "name", "parent", "path"),
        "industries": digest(Industry.objects, "code", "name", "parent"),
        "organisations": digest(
            Organisation.objects, "name", "kind", "parent", "division", "path", "phone"
        ),
        "industry links": digest(
            Organisation.industries.through.objects, "organisation", "industry"
        ),
        "people": digest(Person.objects, "name", "org", "mobile", "email"),
        "positions": digest(Position.objects, "person", "org", "kind", "start_date", "end_date"),
        "jurisdictions": digest(Jurisdiction.objects, "department", "note"),
        "users": digest(User.objects, "username", "role", "org", "is_active"),
        "messages": digest(Message.objects, "recipient", "subject", "read_at"),
    }


@pytest.fixture(scope="module")
def demo_world_before(django_db_setup, django_db_blocker):
    """The committed demo world, before the schemathesis tests run."""
    with django_db_blocker.unblock():
        return _fingerprint()


@pytest.fixture(autouse=True)
def _snapshot_first(demo_world_before):
    """Taken before the first test of this module (module-scoped, autouse)."""


def test_demo_world_is_intact_afterwards(db, demo_world_before):
    from dixian.core import audit
    from dixian.core.models import AuditEvent

    assert _fingerprint() == demo_world_before
    checked, broken = audit.verify_chain()
    assert broken is None and checked == AuditEvent.objects.count()
