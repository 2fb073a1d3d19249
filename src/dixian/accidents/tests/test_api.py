"""The accidents API: first report and forwarding through the services, scoped."""

import pytest

from dixian.accidents.models import Accident
from dixian.core.models import Organisation


@pytest.mark.django_db
def test_report_and_forward_by_api(client_for):
    c = client_for("duty")
    unit = Organisation.objects.get(name="平陆县恒信化工有限公司")
    body = {
        "title": "API 事故（测试）",
        "unit": unit.pk,
        "unit_overview": "化工企业",
        "occurred_at": "2026-01-05T08:00:00+08:00",
        "place": "罐区",
        "course": "泄漏",
        "deaths": 10,
        "measures": "疏散",
        "learned_at": "2026-01-05T08:10:00+08:00",
        "received_at": "2026-01-05T08:40:00+08:00",
    }
    r = c.post("/api/v1/accidents/", body, content_type="application/json")
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["grade"], data["report_up_to"]) == ("serious", "state_council")
    r = c.post(f"/api/v1/accidents/{data['id']}/forward/", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["kind"] == "forward_city" and r.json()["late"]
    assert client_for("enterprise").get(f"/api/v1/accidents/{data['id']}/").status_code == 404
    assert client_for("leader").post(
        f"/api/v1/accidents/{data['id']}/forward/", {}, content_type="application/json"
    ).status_code in (403, 404)
    bad = {**body, "learned_at": "2026-01-05T07:00:00+08:00"}
    assert c.post("/api/v1/accidents/", bad, content_type="application/json").status_code == 400
    assert Accident.objects.filter(title="API 事故（测试）").count() == 1
