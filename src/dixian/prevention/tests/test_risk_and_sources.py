"""Risk points (graded by the kernel, checks, QR, card, site plan), major hazard sources
(GB 18218 recomputed from the inventory) and public reports (routing, uploads, rate)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from dixian.core.models import Division, Industry, Message, Organisation
from dixian.prevention import services
from dixian.prevention.models import (
    Hazard,
    Inventory,
    MajorHazardSource,
    PublicReport,
    RiskPoint,
    SitePlan,
)

from .test_hazards import png


@pytest.fixture
def alumina(db):
    return Organisation.objects.get(name="山西河源氧化铝有限公司")


def point_data(alumina, **extra):
    data = {
        "enterprise": alumina.pk,
        "name": "测试风险点",
        "kind": "equipment",
        "method": "lec",
        "factor_l": "6",
        "factor_e": "6",
        "factor_c": "15",
        "control_level": "company",
        "check_items": "阀门完好\n仪表正常",
    }
    data.update(extra)
    return data


def test_risk_point_is_graded_by_the_kernel_and_bad_factors_are_named(client_for, alumina):
    c = client_for("enterprise")
    r = c.post("/prevention/points/add/", point_data(alumina))
    assert r.status_code == 302
    p = RiskPoint.objects.get(name="测试风险点")
    assert p.score == Decimal("540") and p.level == "major" and p.colour == "red"
    r = c.post("/prevention/points/add/", point_data(alumina, name="坏分值", factor_l="4"))
    assert r.status_code == 200
    assert "L = 4" in r.content.decode()
    assert not RiskPoint.objects.filter(name="坏分值").exists()
    r = c.post(
        "/api/v1/risk-points/",
        {**point_data(alumina, name="矩阵点", method="ls", factor_l="4", factor_s="5")},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["level"] == "major" and r.json()["score"] == "20.00"
    r = c.post(
        "/api/v1/risk-points/",
        {**point_data(alumina, name="矩阵点2", method="ls", factor_l="6", factor_s="5")},
        content_type="application/json",
    )
    assert r.status_code == 400


def test_patrol_check_failure_opens_a_hazard(users, client_for, alumina):
    p = RiskPoint.objects.filter(enterprise=alumina).exclude(check_items="").first()
    c = client_for("enterprise")
    assert c.get(f"/prevention/points/{p.pk}/check/").status_code == 200
    data = {f"item_{i}": "ok" for i in range(len(p.items))}
    data["item_0"] = "fail"
    data["note_0"] = "安全阀过期"
    before = Hazard.objects.count()
    r = c.post(f"/prevention/points/{p.pk}/check/", data)
    assert r.status_code == 302
    assert Hazard.objects.count() == before + 1
    h = Hazard.objects.order_by("-pk").first()
    assert h.source == "patrol" and h.risk_point == p and p.items[0] in h.title
    r = c.get(f"/prevention/points/{p.pk}/qr.svg")
    assert r.status_code == 200 and b"<svg" in r.content
    r = c.get(f"/prevention/points/{p.pk}/card.pdf")
    text = "".join(pg.extract_text() for pg in PdfReader(io.BytesIO(r.content)).pages)
    assert "安全风险告知卡" in text.replace(" ", "") and p.name in text


def test_site_plan_upload_and_place(client_for, alumina):
    c = client_for("enterprise")
    r = c.post(
        "/prevention/site-plans/add/",
        {
            "enterprise": alumina.pk,
            "title": "测试平面图",
            "image": SimpleUploadedFile("p.png", png((300, 200))),
        },
    )
    assert r.status_code == 302
    plan = SitePlan.objects.get(title="测试平面图")
    assert (plan.width, plan.height) == (300, 200)
    p = RiskPoint.objects.filter(enterprise=alumina).first()
    c.post(f"/prevention/site-plans/{plan.pk}/place/", {"point": p.pk, "x": "120", "y": "80"})
    p.refresh_from_db()
    assert p.site_plan == plan and p.plan_x == 120
    c.post(f"/prevention/site-plans/{plan.pk}/place/", {"point": p.pk, "x": "999", "y": "80"})
    p.refresh_from_db()
    assert p.plan_x == 120
    r = c.post(
        "/prevention/site-plans/add/",
        {
            "enterprise": alumina.pk,
            "title": "假图",
            "image": SimpleUploadedFile("p.png", b"GIF? no"),
        },
    )
    assert r.status_code == 200 and not SitePlan.objects.filter(title="假图").exists()


def test_major_hazard_source_is_recomputed_when_inventory_changes(client_for):
    src = MajorHazardSource.objects.get(name="液氨罐区（示例）")
    # 40 t ammonia (Q 10, β 2) + 300 t methanol (Q 500, W5.3 β 1), 60 people: α 1.5
    assert src.s_value == Decimal("4.6000") and src.is_major
    assert src.r_value == Decimal("12.9000") and src.grade == 3
    line = Inventory.objects.get(source=src, substance="氨")
    c = client_for("inspector")
    r = c.post(
        f"/prevention/inventory/{line.pk}/edit/",
        {
            "source": src.pk,
            "substance": "氨",
            "cas": "7664-41-7",
            "categories": "",
            "quantity_t": "400",
        },
    )
    assert r.status_code == 302
    src.refresh_from_db()
    # S = 40 + 0.6; R = 1.5 × (2 × 40 + 0.6) = 120.9 → grade 1
    assert src.s_value == Decimal("40.6000") and src.grade == 1
    r = c.post(
        "/api/v1/hazard-inventory/",
        {"source": src.pk, "substance": "不存在的物质", "quantity_t": "1"},
        content_type="application/json",
    )
    assert r.status_code == 201
    src.refresh_from_db()
    assert "unknown substance" in src.assessment_error


@pytest.mark.parametrize(
    "township, industry, enterprise, routed",
    [
        ("三门镇", None, "平陆县恒信化工有限公司", "平陆县应急管理局"),
        ("圣人涧镇", "construction", None, "平陆县住房和城乡建设局"),
        ("杜马乡", None, None, "杜马乡人民政府"),
    ],
)
def test_public_report_reaches_the_right_department(
    db, client, township, industry, enterprise, routed
):
    data = {
        "township": Division.objects.get(name=township).pk,
        "place": f"测试地点{township}",
        "description": "看到隐患",
        "photo": SimpleUploadedFile("a.jpg", b"\xff\xd8\xff\xe0" + png()[4:]),
    }
    if industry:
        data["industry"] = Industry.objects.get(code=industry).pk
    if enterprise:
        data["enterprise"] = Organisation.objects.get(name=enterprise).pk
    r = client.post("/prevention/report/", data, REMOTE_ADDR=f"203.0.113.{len(township)}")
    assert r.status_code == 302, r.content.decode()[:2000]
    report = PublicReport.objects.get(place=f"测试地点{township}")
    assert report.routed_to.name == routed
    if report.routed_to.users.exists():
        assert Message.objects.filter(link=f"/prevention/public-reports/{report.pk}/").exists()


def test_public_report_refuses_non_images_oversize_and_floods(db, client, settings):
    t = Division.objects.get(name="常乐镇").pk
    base = {"township": t, "place": "测试拒绝", "description": "x"}
    r = client.post(
        "/prevention/report/",
        {**base, "photo": SimpleUploadedFile("a.jpg", b"MZ\x90\x00 executable")},
        REMOTE_ADDR="192.0.2.50",
    )
    assert r.status_code == 400 and not PublicReport.objects.filter(place="测试拒绝").exists()
    settings.PREVENTION_PHOTO_MAX_BYTES = 1000
    r = client.post(
        "/prevention/report/",
        {**base, "photo": SimpleUploadedFile("a.png", png((200, 200)) + b"\0" * 2000)},
        REMOTE_ADDR="192.0.2.50",
    )
    assert r.status_code == 400
    settings.PREVENTION_PUBLIC_RATE = (2, 3600)
    codes = [
        client.post(
            "/prevention/report/", {**base, "place": f"洪水{i}"}, REMOTE_ADDR="192.0.2.51"
        ).status_code
        for i in range(3)
    ]
    assert codes == [302, 302, 400]


def test_department_accepts_public_report_as_hazard(users, client_for):
    report = PublicReport.objects.get(place="恒信化工厂区东侧围墙外")
    c = client_for("inspector")
    assert c.get(f"/prevention/public-reports/{report.pk}/").status_code == 200
    c.post(f"/prevention/public-reports/{report.pk}/handle/", {"decision": "accept"})
    report.refresh_from_db()
    assert report.state == "accepted" and report.hazard.source == "public"
    with pytest.raises(services.TransitionError):
        services.public_report_handle(
            actor=users["inspector"], report=report, decision="dismiss", note="x"
        )


def _api_report(place, township="三门镇", enterprise="平陆县恒信化工有限公司"):
    return services.public_report_submit(
        township=Division.objects.get(name=township),
        place=place,
        description="看到隐患",
        enterprise=Organisation.objects.get(name=enterprise) if enterprise else None,
        ip=f"198.51.100.{len(place)}",
    )


def test_public_report_api_accept_dismiss_forward_with_the_page_rules(users, client_for):
    from dixian.core.models import AuditEvent

    api = client_for("inspector")
    report = _api_report("测试：接口受理")
    assert report.routed_to.name == "平陆县应急管理局"
    url = f"/api/v1/public-reports/{report.pk}"
    # Others cannot act on it: out of view 404, read-only 403.
    assert client_for("housing").post(f"{url}/accept/", {}).status_code == 404
    assert client_for("leader").post(f"{url}/accept/", {}).status_code in (403, 404)
    r = api.post(f"{url}/accept/", {}, content_type="application/json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "accepted" and body["hazard"]
    assert Hazard.objects.get(pk=body["hazard"]).source == "public"
    r = api.post(f"{url}/dismiss/", {"note": "重复"}, content_type="application/json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"

    second = _api_report("测试：接口不予受理")
    url = f"/api/v1/public-reports/{second.pk}"
    r = api.post(f"{url}/dismiss/", {}, content_type="application/json")
    assert r.status_code == 400 and "note" in r.content.decode()
    r = api.post(f"{url}/dismiss/", {"note": "经核查无此情况"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "dismissed"
    second.refresh_from_db()
    assert second.handling_note == "经核查无此情况"

    third = _api_report("测试：接口转办")
    url = f"/api/v1/public-reports/{third.pk}"
    housing = Organisation.objects.get(name="平陆县住房和城乡建设局")
    enterprise = Organisation.objects.get(name="山西河源氧化铝有限公司")
    r = api.post(f"{url}/forward/", {"to": housing.pk}, content_type="application/json")
    assert r.status_code == 400 and "note" in r.content.decode()
    r = api.post(
        f"{url}/forward/", {"to": enterprise.pk, "note": "x"}, content_type="application/json"
    )
    assert r.status_code == 400 and "to" in r.json()["error"].get("fields", r.json()["error"])
    r = api.post(
        f"{url}/forward/", {"to": housing.pk, "note": "属建筑施工"}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["routed_to"] == housing.pk and r.json()["state"] == "received"
    assert AuditEvent.objects.filter(
        action="publicreport.forward", object_id=str(third.pk)
    ).exists()
    # Now it is the housing bureau's to handle, and no longer the inspector's.
    assert api.post(f"{url}/accept/", {}, content_type="application/json").status_code == 404
    assert client_for("housing").get(url + "/").status_code == 200


def test_public_report_page_forwards_too(users, client_for):
    report = _api_report("测试：页面转办")
    housing = Organisation.objects.get(name="平陆县住房和城乡建设局")
    r = client_for("inspector").post(
        f"/prevention/public-reports/{report.pk}/handle/",
        {"decision": "forward", "to": housing.pk, "note": "属建筑施工"},
    )
    assert r.status_code == 302 and r["Location"].endswith("/prevention/public-reports/")
    report.refresh_from_db()
    assert report.routed_to == housing and report.state == "received"
