"""Enterprise registry, credit codes, scoping of the registry pages and API."""

import io
import json

import pytest
from django.core.management import call_command

from dixian.core.models import AuditEvent, Division, Industry, Organisation
from dixian.enterprises.demo import demo_credit_code
from dixian.enterprises.models import EnterpriseProfile

pytestmark = pytest.mark.django_db

VALID = "91350100M000100Y43"  # the worked example of GB 32100


def form_data(**extra):
    caochuan = Division.objects.get(name="曹川镇")
    mine = Industry.objects.get(code="metal_nonmetal")
    data = {
        "name": "平陆县测试矿业有限公司",
        "credit_code": VALID,
        "division": caochuan.pk,
        "industries": [mine.pk],
        "scale": "below",
        "staff_count": "50",
        "status": "operating",
        "mine-mine_type": "metal",
        "mine-mining_method": "open_pit",
        "mine-capacity": "12.5",
    }
    data.update(extra)
    return data


def test_wrong_credit_code_is_refused_on_the_field_in_chinese(client_for):
    c = client_for("office")
    response = c.post("/enterprises/add/", form_data(credit_code="91350100M000100Y44"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field="credit_code"' in html
    assert "校验码错误" in html and "应为 &#x27;3&#x27;" in html
    assert not Organisation.objects.filter(name="平陆县测试矿业有限公司").exists()
    response = c.post("/enterprises/add/", form_data(credit_code="9135"))
    assert "统一社会信用代码应为 18 位，实为 4 位" in response.content.decode()


def test_duplicate_credit_code_is_refused(client_for):
    existing = Organisation.objects.get(name="平陆县恒信化工有限公司")
    response = client_for("office").post(
        "/enterprises/add/", form_data(credit_code=existing.credit_code)
    )
    assert "平陆县恒信化工有限公司" in response.content.decode()
    assert not Organisation.objects.filter(name="平陆县测试矿业有限公司").exists()


def test_create_makes_organisation_and_profile_in_one_audited_call(client_for):
    response = client_for("office").post("/enterprises/add/", form_data())
    assert response.status_code == 302
    org = Organisation.objects.get(name="平陆县测试矿业有限公司")
    assert org.kind == "enterprise" and org.credit_code == VALID
    assert org.path == f"{org.pk:08d}/"
    profile = EnterpriseProfile.objects.get(org=org)
    assert profile.details["mine"] == {
        "mine_type": "metal",
        "mining_method": "open_pit",
        "capacity": "12.5",
    }
    assert profile.grade is not None  # high-risk industry → graded at once
    event = AuditEvent.objects.filter(action="enterprise.create", object_id=str(profile.pk)).get()
    assert event.after["credit_code"] == VALID and event.after["industries"]


def test_industry_section_errors_are_on_the_field(client_for):
    data = form_data(**{"mine-mine_type": "coal"})  # a coal mine needs its gas grade
    response = client_for("office").post("/enterprises/add/", data)
    html = response.content.decode()
    assert 'data-field="mine-gas_grade"' in html
    assert not Organisation.objects.filter(name="平陆县测试矿业有限公司").exists()


def test_department_cannot_register_outside_its_jurisdiction(client_for):
    # 住建局 supervises construction and gas, not mines.
    response = client_for("housing").post("/enterprises/add/", form_data())
    assert response.status_code == 200
    assert not Organisation.objects.filter(name="平陆县测试矿业有限公司").exists()
    construction = Industry.objects.get(code="construction")
    ok = client_for("housing").post(
        "/enterprises/add/",
        form_data(
            name="测试工地",
            industries=[construction.pk],
            **{
                "construction-project": "x",
                "construction-contractor": "y",
                "construction-cost": "1",
            },
        ),
    )
    assert ok.status_code == 302


def test_edit_keeps_the_organisation_and_audits_before_after(client_for):
    profile = EnterpriseProfile.objects.get(org__name="平陆县中岳铝土矿有限公司")
    c = client_for("inspector")
    page = c.get(f"/enterprises/{profile.pk}/edit/")
    assert page.status_code == 200 and profile.org.credit_code in page.content.decode()
    data = form_data(name=profile.org.name, credit_code=profile.org.credit_code, staff_count="99")
    data["industries"] = list(profile.org.industries.values_list("pk", flat=True))
    assert c.post(f"/enterprises/{profile.pk}/edit/", data).status_code == 302
    profile.refresh_from_db()
    assert profile.staff_count == 99
    event = AuditEvent.objects.filter(action="enterprise.update", object_id=str(profile.pk)).get()
    assert event.before["staff_count"] == 85 and event.after["staff_count"] == 99


# Scoping ----------------------------------------------------------------------------------


def listed(c, url="/enterprises/?export=csv"):
    body = b"".join(c.get(url).streaming_content).decode("utf-8-sig")
    return body


def test_department_sees_only_its_jurisdiction(client_for):
    body = listed(client_for("housing"))
    assert "平陆县宏达燃气有限公司" in body and "平陆县城南棚户区改造项目" in body
    assert "恒信化工" not in body and "铝土矿" not in body
    body = listed(client_for("inspector"))
    assert "恒信化工" in body and "宏达燃气" not in body


def test_enterprise_sees_only_itself(client_for, users):
    body = listed(client_for("enterprise"))
    lines = [line for line in body.splitlines() if line.strip()]
    assert len(lines) == 3  # header, the plant, its red-mud yard
    other = EnterpriseProfile.objects.get(org__name="平陆县恒信化工有限公司")
    c = client_for("enterprise")
    assert c.get(f"/enterprises/{other.pk}/").status_code == 404
    assert c.get(f"/api/v1/enterprises/{other.pk}/").status_code == 404
    assert c.get("/api/v1/enterprises/").json()["count"] == 2


def test_township_sees_its_area(client_for):
    data = client_for("township").get("/api/v1/enterprises/").json()
    names = {r["name"] for r in data["results"]}
    assert "平陆县中岳铝土矿有限公司" in names
    assert "平陆县恒信化工有限公司" not in names  # 三门镇


def test_list_filters_and_map(client_for):
    c = client_for("office")
    sanmen = Division.objects.get(name="三门镇")
    body = listed(c, f"/enterprises/?township={sanmen.pk}&export=csv")
    assert "恒信化工" in body and "宏达燃气" not in body
    page = c.get("/enterprises/map/?colour=grade").content.decode()
    points = json.loads(
        page.split('id="enterprise-points" type="application/json">')[1].split("</script>")[0]
    )
    assert len(points) == 15 and all(p["colour"].startswith("#") for p in points)
    enterprise_page = client_for("enterprise").get("/enterprises/map/").content.decode()
    assert "恒信化工" not in enterprise_page


# Commands ----------------------------------------------------------------------------------


def test_calc_uscc_prints_valid_and_error():
    out = io.StringIO()
    call_command("calc", "uscc", VALID, stdout=out)
    assert json.loads(out.getvalue()) == {"valid": True, "error": None}
    out = io.StringIO()
    call_command("calc", "uscc", "91350100M000100Y4Z", stdout=out)
    result = json.loads(out.getvalue())
    assert result["valid"] is False and "position 18" in result["error"]


def test_demo_credit_codes_are_valid():
    from dixian.standards import uscc

    for i in (1, 15, 99999):
        assert uscc.validate(demo_credit_code(i))["valid"]
