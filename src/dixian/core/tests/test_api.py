"""The REST API under /api/v1/: authentication, JSON only, scoping, audited writes, errors,
OpenAPI schema and the vendored docs page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from dixian.core.choices import Channel, OrgKind
from dixian.core.models import AuditEvent, Message, Organisation, Position
from dixian.core.notify import enqueue

API = "/api/v1"
ALUMINA = "山西河源氧化铝有限公司"
RED_MUD_YARD = "山西河源氧化铝有限公司赤泥堆场"
BUILDING_SITE = "平陆县城南棚户区改造项目（示例工地）"
CAOCHUAN_COAL = "平陆县鸿岭煤业有限公司（基建矿井）"
FIREWORKS = "平陆县金诚烟花爆竹批发有限公司"


def org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


@pytest.fixture
def api(users):
    """A test client authenticated by DRF token for a demo username."""

    def make(username: str) -> Client:
        token, _ = Token.objects.get_or_create(user=users[username])
        return Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    return make


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def all_org_names(client: Client) -> set[str]:
    response = client.get(f"{API}/organisations/", {"limit": 500})
    assert response.json()["next"] is None
    return names(response)


# --- authentication -------------------------------------------------------------------


def test_token_authentication(api, users):
    response = api("inspector").get(f"{API}/organisations/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert ALUMINA in names(response)


def test_session_authentication(client_for):
    response = client_for("township").get(f"{API}/organisations/")
    assert response.status_code == 200
    assert CAOCHUAN_COAL in names(response)


def test_session_writes_need_the_csrf_token(users):
    c = Client(enforce_csrf_checks=True)
    c.force_login(users["admin"])
    body = {"name": "CSRF 测试单位", "kind": OrgKind.OTHER}
    assert_error(c.post(f"{API}/organisations/", body, content_type="application/json"), 403)
    c.get("/")  # a page sets the CSRF cookie
    token = c.cookies["csrftoken"].value
    response = c.post(
        f"{API}/organisations/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201, response.content


def test_token_writes_need_no_csrf_token(users):
    token = Token.objects.create(user=users["admin"])
    c = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token.key}")
    response = c.post(
        f"{API}/organisations/",
        {"name": "令牌测试单位", "kind": OrgKind.OTHER},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/organisations/"),
        ("get", "/messages/"),
        ("get", "/audit-events/"),
        ("post", "/organisations/"),
    ],
)
def test_unauthenticated_requests_get_401_with_the_error_envelope(db, method, path):
    response = getattr(Client(), method)(f"{API}{path}", content_type="application/json")
    error = assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    assert error["message"]


def test_a_bad_token_is_refused(db):
    c = Client(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(c.get(f"{API}/organisations/"), 401, "authentication_failed")


def test_an_inactive_users_token_is_refused(users):
    token = Token.objects.create(user=users["office"])
    users["office"].is_active = False
    users["office"].save(update_fields=["is_active"])
    c = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert_error(c.get(f"{API}/organisations/"), 401)


# --- JSON only ------------------------------------------------------------------------


def test_form_encoded_bodies_are_refused_with_415(api):
    response = api("admin").post(f"{API}/organisations/", {"name": "表单单位", "kind": "other"})
    assert_error(response, 415, "unsupported_media_type")
    assert not Organisation.objects.filter(name="表单单位").exists()


def test_multipart_bodies_are_refused_with_415(api):
    from django.test.client import MULTIPART_CONTENT

    response = api("admin").post(
        f"{API}/organisations/", {"name": "表单单位"}, content_type=MULTIPART_CONTENT
    )
    assert_error(response, 415)


def test_malformed_json_is_a_400(api):
    response = api("admin").post(
        f"{API}/organisations/", "{not json", content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


def test_responses_are_json_only(api):
    response = api("admin").get(f"{API}/organisations/", HTTP_ACCEPT="text/html")
    assert_error(response, 406)
    response = api("admin").get(f"{API}/organisations/?format=api")
    assert response.status_code == 404


# --- scoping --------------------------------------------------------------------------


def test_enterprise_user_sees_only_its_own_organisations(api):
    assert all_org_names(api("enterprise")) == {ALUMINA, RED_MUD_YARD}


def test_township_user_sees_its_townships_organisations(api):
    visible = all_org_names(api("township"))
    expected = set(
        Organisation.objects.filter(division__path__startswith="140829/140829104/").values_list(
            "name", flat=True
        )
    )
    assert CAOCHUAN_COAL in expected and "曹川镇人民政府" in expected
    assert visible == expected
    assert ALUMINA not in visible and "平陆县人民政府" not in visible


def test_inspector_sees_the_enterprises_of_its_jurisdiction(api):
    visible = all_org_names(api("inspector"))
    # 县应急局: coal, metal/non-metal mines, tailings, hazchem, fireworks …
    assert {CAOCHUAN_COAL, ALUMINA, RED_MUD_YARD, FIREWORKS, "平陆县应急管理局"} <= visible
    # … not a construction site (县住建局) nor another department.
    assert BUILDING_SITE not in visible
    assert "平陆县住房和城乡建设局" not in visible
    assert BUILDING_SITE in all_org_names(api("housing"))


def test_county_leader_sees_everything(api):
    assert all_org_names(api("leader")) == set(Organisation.objects.values_list("name", flat=True))


def test_out_of_scope_objects_are_404_not_403(api):
    site = org(BUILDING_SITE)
    for username in ("enterprise", "township", "inspector", "grid"):
        c = api(username)
        assert_error(c.get(f"{API}/organisations/{site.pk}/"), 404, "not_found")
        # Changing or deleting what one cannot see is also "not found", not "forbidden".
        body = {"name": "x"}
        url = f"{API}/organisations/{site.pk}/"
        assert_error(c.patch(url, body, content_type="application/json"), 404)
        assert_error(c.delete(url), 404)
    assert api("housing").get(f"{API}/organisations/{site.pk}/").status_code == 200


def test_people_and_positions_are_scoped(api):
    alumina = org(ALUMINA)
    c = api("enterprise")
    people = c.get(f"{API}/people/", {"limit": 500}).json()["results"]
    assert people and {p["org"] for p in people} <= {alumina.pk, org(RED_MUD_YARD).pk}
    positions = c.get(f"{API}/positions/", {"limit": 500}).json()["results"]
    assert positions and {p["org"] for p in positions} <= {alumina.pk, org(RED_MUD_YARD).pk}
    other = Position.objects.exclude(org__in=[alumina, org(RED_MUD_YARD)]).first()
    assert_error(c.get(f"{API}/positions/{other.pk}/"), 404)


def test_filters_cannot_probe_outside_the_scope(api):
    """An out-of-scope id in a filter is refused exactly like an id that does not exist."""
    c = api("enterprise")
    hidden = org(BUILDING_SITE).pk
    missing = Organisation.objects.order_by("-pk").first().pk + 1000
    a = assert_error(c.get(f"{API}/organisations/", {"parent": hidden}), 400)
    b = assert_error(c.get(f"{API}/organisations/", {"parent": missing}), 400)
    assert a["fields"].keys() == b["fields"].keys() == {"parent"}
    # In scope, the filter works.
    response = c.get(f"{API}/organisations/", {"parent": org(ALUMINA).pk})
    assert names(response) == {RED_MUD_YARD}


def test_related_choices_are_scoped(api):
    """A write may only point at objects the caller can see."""
    response = api("enterprise").post(
        f"{API}/people/",
        {"name": "越权人员", "org": org(BUILDING_SITE).pk},
        content_type="application/json",
    )
    assert "org" in assert_error(response, 400, "invalid")["fields"]


def test_audit_events_are_scoped(api):
    leader_seqs = {e["seq"] for e in api("leader").get(f"{API}/audit-events/").json()["results"]}
    assert leader_seqs
    enterprise = api("enterprise").get(f"{API}/audit-events/", {"limit": 500}).json()
    allowed = {org(ALUMINA).pk, org(RED_MUD_YARD).pk}
    assert all(
        AuditEvent.objects.get(seq=e["seq"]).org_id_hint in allowed for e in enterprise["results"]
    )
    seed = AuditEvent.objects.filter(action="demo.seed").first()
    assert_error(api("enterprise").get(f"{API}/audit-events/{seed.seq}/"), 404)
    assert api("admin").get(f"{API}/audit-events/{seed.seq}/").status_code == 200


# --- writes: roles, services, audit ---------------------------------------------------


def test_county_leader_is_read_only(api):
    """The leader sees everything but changes nothing: 403 (it is visible, so not 404)."""
    c = api("leader")
    gov = org("平陆县人民政府")
    body = {"name": "领导新建单位", "kind": OrgKind.OTHER}
    assert_error(c.post(f"{API}/organisations/", body, content_type="application/json"), 403)
    url = f"{API}/organisations/{gov.pk}/"
    assert_error(c.patch(url, {"phone": "1"}, content_type="application/json"), 403)
    assert_error(c.put(url, {**body}, content_type="application/json"), 403)
    assert_error(c.delete(url), 403)
    assert not Organisation.objects.filter(name="领导新建单位").exists()
    gov.refresh_from_db()
    assert gov.phone == "0359-3522000"


def test_reference_data_is_changed_by_administrators_only(api):
    body = {"code": "test_industry", "name": "测试行业"}
    for username in ("inspector", "township", "enterprise", "leader"):
        response = api(username).post(f"{API}/industries/", body, content_type="application/json")
        assert_error(response, 403)
    response = api("admin").post(f"{API}/industries/", body, content_type="application/json")
    assert response.status_code == 201, response.content


def test_visible_but_not_changeable_is_403(api):
    """The duty officer sees the county but changes only its own department's things."""
    c = api("duty")
    gov = org("平陆县人民政府")
    url = f"{API}/organisations/{gov.pk}/"
    assert c.get(url).status_code == 200
    assert_error(c.patch(url, {"phone": "1"}, content_type="application/json"), 403)
    assert_error(c.delete(url), 403)
    gov.refresh_from_db()
    assert gov.phone != "1"
    own = org("平陆县应急管理局")
    response = c.patch(
        f"{API}/organisations/{own.pk}/", {"phone": "0359-1111111"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content


def test_create_organisation_writes_an_audit_event(api, users):
    before = AuditEvent.objects.count()
    body = {
        "name": "平陆县测试矿业有限公司",
        "kind": OrgKind.ENTERPRISE,
        "division": org("曹川镇人民政府").division_id,
        "industries": [org(CAOCHUAN_COAL).industries.first().pk],
        "latitude": "34.900000",
        "longitude": "111.500000",
    }
    response = api("admin").post(f"{API}/organisations/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["name"] == body["name"] and data["industries"] == body["industries"]
    created = Organisation.objects.get(pk=data["id"])
    assert created.path.endswith(f"{created.pk:08d}/")
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="organisation.create", object_id=str(created.pk))
    assert event.actor_id == users["admin"].pk
    assert event.after["name"] == body["name"]
    assert event.after["industries"] == body["industries"]
    assert event.request_id  # the request id ties the event to the API call
    # The township officer now sees it (located in their township).
    assert body["name"] in all_org_names(api("township"))


def test_update_and_delete_are_audited(api):
    c = api("admin")
    created = c.post(
        f"{API}/organisations/",
        {"name": "临时单位", "kind": "other"},
        content_type="application/json",
    ).json()
    url = f"{API}/organisations/{created['id']}/"
    response = c.patch(url, {"phone": "0359-0000000"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["phone"] == "0359-0000000"
    update = AuditEvent.objects.get(action="organisation.update", object_id=str(created["id"]))
    assert update.before["phone"] == "" and update.after["phone"] == "0359-0000000"
    assert c.delete(url).status_code == 204
    assert AuditEvent.objects.filter(
        action="organisation.delete", object_id=str(created["id"])
    ).exists()
    assert_error(c.get(url), 404)


def test_enterprise_manager_edits_its_own_enterprise_only(api):
    c = api("enterprise")
    alumina, yard = org(ALUMINA), org(RED_MUD_YARD)
    response = c.patch(
        f"{API}/organisations/{alumina.pk}/",
        {"phone": "0359-1234567"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    response = c.post(
        f"{API}/organisations/",
        {"name": "新子公司", "kind": "enterprise", "parent": alumina.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Organisation.objects.get(name="新子公司").path.startswith(alumina.path)
    # Detaching the yard from the plant would move it out of the manager's reach: refused,
    # and nothing is saved or audited.
    events = AuditEvent.objects.count()
    response = c.patch(
        f"{API}/organisations/{yard.pk}/", {"parent": None}, content_type="application/json"
    )
    assert_error(response, 403)
    yard.refresh_from_db()
    assert yard.parent_id == alumina.pk and yard.path.startswith(alumina.path)
    assert AuditEvent.objects.count() == events


def test_creating_outside_ones_scope_is_refused(api):
    """A township officer may not create an organisation located elsewhere."""
    before = Organisation.objects.count()
    response = api("township").post(
        f"{API}/organisations/",
        {"name": "外乡企业", "kind": "enterprise", "division": org(ALUMINA).division_id},
        content_type="application/json",
    )
    assert_error(response, 403)
    assert Organisation.objects.count() == before
    assert not AuditEvent.objects.filter(
        action="organisation.create", object_repr="外乡企业"
    ).exists()


def test_deleting_something_in_use_is_a_409(api):
    gov = org("平陆县人民政府")
    error = assert_error(api("admin").delete(f"{API}/organisations/{gov.pk}/"), 409, "conflict")
    assert error["message"]
    assert Organisation.objects.filter(pk=gov.pk).exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("latitude", "200"),
        ("latitude", 200),
        ("longitude", "-181"),
        ("kind", "spaceship"),
        ("name", ""),
        ("industries", [999999]),
        ("division", 999999),
    ],
)
def test_invalid_data_is_a_400_naming_the_field(api, field, value):
    body = {"name": "校验单位", "kind": OrgKind.ENTERPRISE, field: value}
    response = api("admin").post(f"{API}/organisations/", body, content_type="application/json")
    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == [field]
    assert field in error["message"]
    assert not Organisation.objects.filter(name="校验单位").exists()


def test_an_organisation_cannot_be_its_own_ancestor(api):
    alumina, yard = org(ALUMINA), org(RED_MUD_YARD)
    c = api("admin")
    for parent in (alumina, yard):
        response = c.patch(
            f"{API}/organisations/{alumina.pk}/",
            {"parent": parent.pk},
            content_type="application/json",
        )
        assert list(assert_error(response, 400)["fields"]) == ["parent"]


def test_position_dates_must_be_in_order(api):
    position = Position.objects.filter(org__name=ALUMINA).first()
    response = api("admin").patch(
        f"{API}/positions/{position.pk}/",
        {"start_date": "2025-01-02", "end_date": "2025-01-01"},
        content_type="application/json",
    )
    assert list(assert_error(response, 400)["fields"]) == ["end_date"]


def test_a_division_with_subdivisions_cannot_be_recoded(api):
    from dixian.core.models import Division

    township = Division.objects.get(code="140829104")
    response = api("admin").patch(
        f"{API}/divisions/{township.pk}/", {"code": "140829999"}, content_type="application/json"
    )
    assert list(assert_error(response, 400)["fields"]) == ["code"]
    response = api("admin").patch(
        f"{API}/divisions/{township.pk}/", {"name": "曹川镇"}, content_type="application/json"
    )
    assert response.status_code == 200


# --- pagination -----------------------------------------------------------------------


def test_lists_are_paginated_with_a_complete_envelope(api):
    response = api("admin").get(f"{API}/organisations/", {"limit": 2, "offset": 2})
    data = response.json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == Organisation.objects.count() and len(data["results"]) == 2
    assert "offset=4" in data["next"] and data["previous"]
    huge = api("admin").get(f"{API}/organisations/", {"limit": 10**30, "offset": 10**30})
    assert huge.status_code == 200 and huge.json()["results"] == []


# --- messages -------------------------------------------------------------------------


def test_messages_are_the_callers_inbox(api, users):
    mine = enqueue(subject="给企业的提醒", recipients=[users["enterprise"]])[0]
    enqueue(subject="给企业的邮件", recipients=[users["enterprise"]], channels=[Channel.EMAIL])
    theirs = enqueue(subject="给乡镇的提醒", recipients=[users["township"]])[0]
    c = api("enterprise")
    response = c.get(f"{API}/messages/")
    assert response.status_code == 200
    rows = response.json()["results"]
    inbox = Message.objects.filter(recipient=users["enterprise"], channel=Channel.INAPP)
    assert {m["id"] for m in rows} == set(inbox.values_list("pk", flat=True))
    assert {m["channel"] for m in rows} == {Channel.INAPP}
    subjects = {m["subject"] for m in rows}
    assert "给企业的提醒" in subjects
    assert "给企业的邮件" not in subjects and "给乡镇的提醒" not in subjects
    assert rows[0]["id"] == mine.pk and rows[0]["read_at"] is None  # newest first
    assert_error(c.get(f"{API}/messages/{theirs.pk}/"), 404)
    assert_error(c.post(f"{API}/messages/{theirs.pk}/read/"), 404)
    theirs.refresh_from_db()
    assert theirs.read_at is None

    response = c.post(f"{API}/messages/{mine.pk}/read/")
    assert response.status_code == 200, response.content
    assert response.json()["read_at"]
    mine.refresh_from_db()
    assert mine.read_at is not None
    # Idempotent.
    assert c.post(f"{API}/messages/{mine.pk}/read/").json()["read_at"] == response.json()["read_at"]


def test_even_an_administrator_reads_only_their_own_inbox(api, users):
    enqueue(subject="给乡镇的提醒", recipients=[users["township"]])
    rows = api("admin").get(f"{API}/messages/").json()["results"]
    assert "给乡镇的提醒" not in {m["subject"] for m in rows}
    assert not Message.objects.filter(recipient=users["admin"], subject="给乡镇的提醒").exists()


# --- schema and docs ------------------------------------------------------------------


def test_openapi_schema_documents_the_error_envelope(db):
    response = Client().get(f"{API}/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    error = schema["components"]["schemas"]["ErrorDetail"]
    assert set(error["required"]) == {"code", "message", "fields"}
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}
    for path, item in schema["paths"].items():
        assert path.startswith("/api/v1/")
        for method, operation in item.items():
            responses = operation["responses"]
            assert {"401", "403"} <= set(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if "requestBody" in operation:
                assert {"400", "415"} <= set(responses), (method, path)
            ref = responses["401"]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error"
    listing = schema["paths"]["/api/v1/organisations/"]["get"]["responses"]["200"]
    ref = listing["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(page["required"]) == {"count", "next", "previous", "results"}


def test_docs_page_uses_only_vendored_assets(db):
    c = Client()
    response = c.get(f"{API}/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'id="swagger-ui"' in html
    assert not re.search(r"(https?:)?//", html), "the docs page must not load from a CDN"
    # No inline script: Swagger UI's start-up script is its own same-origin resource, so the
    # page works under a script-src 'self' policy.
    assert "<script>" not in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls)
    assert any(u.endswith("swagger-ui.css") for u in urls)
    for url in urls:
        assert url.startswith(("/static/drf_spectacular_sidecar/", f"{API}/docs/")), url
        assert c.get(url.replace("&amp;", "&")).status_code == 200, url
    script = c.get(f"{API}/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    body = script.content.decode()
    assert f"{API}/schema/" in body and not re.search(r"https?://", body)


def test_the_api_404_handler_answers_in_the_error_shape(rf):
    from django.http import Http404

    from dixian.core.api.errors import handler404, handler500

    response = handler404(rf.get(f"{API}/no-such-thing/"), Http404())
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert set(__import__("json").loads(response.content)["error"]) == {"code", "message", "fields"}
    response = handler500(rf.get(f"{API}/organisations/"))
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    # Pages keep Django's pages.
    assert handler404(rf.get("/no-such-page/"), Http404())["Content-Type"].startswith("text/html")


def _root_urlconf_has_api_handlers() -> bool:
    import dixian.urls

    return getattr(dixian.urls, "handler404", None) == "dixian.core.api.errors.handler404"


@pytest.mark.skipif(
    not _root_urlconf_has_api_handlers(),
    reason="dixian/urls.py does not yet set handler404/handler500 to dixian.core.api.errors",
)
def test_unknown_api_urls_answer_json_404(api):
    for path in (f"{API}/no-such-thing/", f"{API}/organisations/1/extra/", "/api/v2/"):
        assert_error(api("admin").get(path), 404, "not_found")


def test_malformed_ids_answer_json_404(api):
    for value in ("1.5", "-1.17e-38", "abc", "1%2E0", "9" * 40):
        assert_error(api("admin").get(f"{API}/organisations/{value}/"), 404)
        assert_error(api("admin").get(f"{API}/audit-events/{value}/"), 404)


# --- guards the API adds on top of the scoping rules ----------------------------------


def test_a_department_cannot_grant_itself_a_jurisdiction(api, users):
    from dixian.core.models import Industry, Jurisdiction

    c = api("inspector")
    own = Jurisdiction.objects.get(department=users["inspector"].org)
    construction = Industry.objects.get(code="construction")
    body = {"department": own.department_id, "industries": [construction.pk]}
    assert_error(c.post(f"{API}/jurisdictions/", body, content_type="application/json"), 403)
    url = f"{API}/jurisdictions/{own.pk}/"
    assert c.get(url).status_code == 200
    assert_error(c.patch(url, body, content_type="application/json"), 403)
    assert_error(c.delete(url), 403)
    assert_error(c.get(f"{API}/organisations/{org(BUILDING_SITE).pk}/"), 404)
    # 安委办 assigns jurisdictions.
    response = api("office").post(f"{API}/jurisdictions/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert c.get(f"{API}/organisations/{org(BUILDING_SITE).pk}/").status_code == 200


@pytest.mark.parametrize("kind", ["organisations", "divisions"])
def test_a_hierarchy_too_deep_for_its_paths_is_a_400_not_a_500(api, kind):
    c = api("admin")
    parent, status, depth = None, 201, 0
    while status == 201:
        depth += 1
        body = (
            {"name": f"层级{depth}", "kind": "other", "parent": parent}
            if kind == "organisations"
            else {
                "code": f"{depth:012d}",
                "name": f"层级{depth}",
                "level": "village",
                "parent": parent,
            }
        )
        response = c.post(f"{API}/{kind}/", body, content_type="application/json")
        status = response.status_code
        if status == 201:
            parent = response.json()["id"]
        assert depth < 200
    assert list(assert_error(response, 400)["fields"]) == ["parent"]
    assert depth > 15
