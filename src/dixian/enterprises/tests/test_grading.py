"""Classified and graded supervision: rules, configurable scale, hooks, manual override."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from dixian.core.models import AuditEvent
from dixian.enterprises import grading, services
from dixian.enterprises.models import EnterpriseProfile, GradeLevel, GradeRule

pytestmark = pytest.mark.django_db


def profile(name):
    return EnterpriseProfile.objects.select_related("org", "grade").get(org__name=name)


def test_default_scale_is_a_to_d_with_intervals():
    levels = list(
        GradeLevel.objects.order_by("min_score").values_list("code", "inspection_interval_days")
    )
    assert levels == [("A", 365), ("B", 180), ("C", 90), ("D", 30)]


def test_rules_add_up_to_the_score_and_grade():
    # 恒信化工: hazardous chemicals (high-risk 30) + major hazard source (25) = 55 → C.
    p = profile("平陆县恒信化工有限公司")
    assert p.risk_score == 55 and p.grade.code == "C"
    assert {b["factor"] for b in p.score_breakdown} == {"high_risk_industry", "major_hazard_source"}
    # The alumina plant adds above-scale (10) and ≥100 staff (10): 75 → D.
    p = profile("山西河源氧化铝有限公司")
    assert p.risk_score == 75 and p.grade.code == "D"
    # A flour mill: dust explosion is high-risk (30) → B.
    assert profile("平陆县福源面粉有限公司").grade.code == "B"
    # A scenic area: no factor → A, inspected once a year.
    p = profile("平陆县黄河湾风景区（示例）")
    assert p.risk_score == 0 and p.grade.code == "A"
    assert grading.inspection_interval_days(p.org) == 365
    assert grading.inspection_interval_days(p.org_id) == 365


def test_scale_and_rules_are_data():
    p = profile("平陆县恒信化工有限公司")
    start = AuditEvent.objects.order_by("-seq").first().seq
    GradeLevel.objects.filter(code="D").update(min_score=50, inspection_interval_days=15)
    services.regrade()
    p.refresh_from_db()
    assert p.grade.code == "D" and grading.inspection_interval_days(p) == 15
    GradeRule.objects.filter(factor="major_hazard_source").update(active=False)
    services.regrade()
    p.refresh_from_db()
    assert p.risk_score == 30 and p.grade.code == "B"
    events = AuditEvent.objects.filter(
        action="enterprise.regrade", object_id=str(p.pk), seq__gt=start
    )
    assert [e.after["risk_score"] for e in events.order_by("seq")] == [55, 30]


def test_other_apps_feed_hazards_and_accidents_through_hooks():
    p = profile("平陆县黄河湾风景区（示例）")
    grading.register_counter("open_hazards", lambda ids, since: {p.org_id: 3})
    grading.register_counter("accidents", lambda ids, since: {p.org_id: 1} if since else {})
    try:
        services.regrade(profiles=[p])
    finally:
        grading.unregister_counter("open_hazards")
        grading.unregister_counter("accidents")
    p.refresh_from_db()
    # 3 open hazards × 5 = 15, capped at 20; one accident 30 → 45 → C.
    assert p.risk_score == 45 and p.grade.code == "C"
    services.regrade(profiles=[p])  # without the hooks: back to zero
    p.refresh_from_db()
    assert p.risk_score == 0


def test_per_item_points_are_capped():
    p = profile("平陆县黄河湾风景区（示例）")
    grading.register_counter("open_hazards", lambda ids, since: {p.org_id: 10})
    try:
        services.regrade(profiles=[p])
    finally:
        grading.unregister_counter("open_hazards")
    p.refresh_from_db()
    assert p.risk_score == 20


def test_override_needs_a_reason_and_is_audited(users):
    p = profile("平陆县恒信化工有限公司")
    d = GradeLevel.objects.get(code="D")
    with pytest.raises(ValidationError):
        services.grade_override(actor=users["inspector"], profile=p, grade=d, reason="  ")
    services.grade_override(actor=users["inspector"], profile=p, grade=d, reason="储罐区整改未完成")
    p.refresh_from_db()
    assert p.grade == d and p.computed_grade.code == "C"
    assert grading.inspection_interval_days(p) == 30
    event = AuditEvent.objects.filter(action="enterprise.grade_override").latest("seq")
    assert event.after["reason"] == "储罐区整改未完成" and event.actor_id == users["inspector"].pk
    services.regrade(profiles=[p])  # a recompute keeps the override
    p.refresh_from_db()
    assert p.grade == d
    services.grade_override(actor=users["inspector"], profile=p, grade=None, reason="")
    p.refresh_from_db()
    assert p.grade.code == "C" and p.override_grade is None


def test_enterprise_cannot_grade_itself(users, client_for):
    p = profile("山西河源氧化铝有限公司")
    with pytest.raises(Http404):
        services.grade_override(
            actor=users["enterprise"], profile=p, grade=GradeLevel.objects.get(code="A"), reason="x"
        )
    assert client_for("enterprise").get(f"/enterprises/{p.pk}/grade/").status_code == 404


def test_override_page_shows_reason_error_on_the_field(client_for):
    p = profile("平陆县恒信化工有限公司")
    d = GradeLevel.objects.get(code="D")
    c = client_for("inspector")
    response = c.post(f"/enterprises/{p.pk}/grade/", {"grade": d.pk, "reason": ""})
    assert 'data-field="reason"' in response.content.decode()
    response = c.post(f"/enterprises/{p.pk}/grade/", {"grade": d.pk, "reason": "多次整改不到位"})
    assert response.status_code == 302
    assert profile("平陆县恒信化工有限公司").grade == d


def test_only_county_wide_editors_change_the_scale(client_for):
    assert client_for("inspector").get("/enterprises/grades/add/").status_code == 404
    assert client_for("office").get("/enterprises/grades/add/").status_code == 200
    assert client_for("inspector").post("/enterprises/regrade/").status_code == 404
    assert client_for("office").post("/enterprises/regrade/").status_code == 302


def test_tailings_pond_stopped_three_years_must_close():
    import datetime as dt

    from dixian.enterprises.details import tailings_must_close

    today = dt.date(2024, 6, 1)
    stopped = {"pond_state": "stopped", "stopped_since": "2021-05-01", "operator_exists": True}
    assert tailings_must_close({"tailings": stopped}, today)
    recent = stopped | {"stopped_since": "2022-05-01"}
    assert not tailings_must_close({"tailings": recent}, today)
    orphan = {"pond_state": "in_use", "operator_exists": False}
    assert tailings_must_close({"tailings": orphan}, today)
    closed = orphan | {"pond_state": "closed"}
    assert not tailings_must_close({"tailings": closed}, today)
