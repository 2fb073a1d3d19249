"""Staffing rules (安全生产法 第二十四条、第二十七条) as data, and the compliance view."""

from __future__ import annotations

import pytest
from django.utils import translation

from dixian.core.models import Industry, Person
from dixian.workforce import services
from dixian.workforce.models import (
    SafetyOrganisation,
    SafetyStaff,
    StaffingRequirement,
    StaffingRule,
)


def ids(*codes):
    return list(Industry.objects.filter(code__in=codes).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("headcount", "expected"),
    [
        (1, StaffingRequirement.STAFF),
        (100, StaffingRequirement.STAFF),  # 一百人以下: full- or part-time staff
        (101, StaffingRequirement.BODY_OR_FULL_TIME),  # 超过一百人: a body or full-time staff
        (5000, StaffingRequirement.BODY_OR_FULL_TIME),
    ],
)
def test_other_enterprises_depend_on_headcount(db, headcount, expected):
    needs = services.staffing_needs(ids("light_industry"), headcount)
    assert needs.requirement == expected
    assert not needs.safety_engineer


@pytest.mark.parametrize(
    "code", ["coal", "metal_nonmetal", "construction", "road_passenger", "hazchem", "nonferrous"]
)
def test_high_risk_industries_need_a_body_or_full_time_staff_at_any_size(db, code):
    # Sub-industries are covered by a rule on their parent (coal under 矿山, 道路客运 under 交通运输).
    needs = services.staffing_needs(ids(code), 3)
    assert needs.requirement == StaffingRequirement.BODY_OR_FULL_TIME


def test_engineers_where_the_law_requires_them(db):
    assert services.staffing_needs(ids("hazchem"), 10).safety_engineer
    assert services.staffing_needs(ids("coal"), 10).safety_engineer
    assert not services.staffing_needs(ids("construction"), 10).safety_engineer
    assert not services.staffing_needs(ids("light_industry"), 500).safety_engineer


def test_rules_are_data(db):
    """A county may add a rule: 粉尘涉爆 enterprises of any size need a body or full-time staff."""
    assert services.staffing_needs(ids("dust_explosion"), 20).requirement == "staff"
    StaffingRule.objects.create(
        name="粉尘涉爆",
        industry=Industry.objects.get(code="dust_explosion"),
        requirement="body_or_full_time",
        needs_safety_engineer=False,
    )
    assert services.staffing_needs(ids("dust_explosion"), 20).requirement == "body_or_full_time"


def staff(org, role, name="某某（测试）"):
    person = Person.objects.create(org=org, name=name)
    return SafetyStaff.objects.create(enterprise=org, person=person, role=role)


def test_compliance_at_100_and_101_staff(mill):
    setup = SafetyOrganisation.objects.create(enterprise=mill, headcount=100)
    staff(mill, "part_time")
    assert services.staffing_compliance(mill).ok
    setup.headcount = 101
    setup.save()
    with translation.override("en"):
        result = services.staffing_compliance(mill)
    assert result.missing == ["A safety management body or full-time safety staff is required."]
    setup.has_body = True
    setup.save()
    assert services.staffing_compliance(mill).ok


def test_missing_declaration_and_staff_are_flagged(mill):
    result = services.staffing_compliance(mill)
    assert len(result.missing) == 2  # not declared; no staff for a small enterprise


def test_engineer_without_valid_certificate_is_flagged(coal):
    SafetyOrganisation.objects.filter(enterprise=coal).update(has_body=True)
    staff(coal, "safety_director")
    eng = staff(coal, "safety_engineer")
    result = services.staffing_compliance(coal)
    assert len(result.missing) == 1 and result.needs.safety_engineer
    from dixian.workforce.models import Certificate, CertificateType

    kind = CertificateType.objects.get(code="safety_engineer")
    import datetime as dt

    today = services.local_today()
    Certificate.objects.create(
        person=eng.person,
        kind=kind,
        number="X1",
        issuer="测试",
        issued_on=today - dt.timedelta(days=10),
        valid_until=today + dt.timedelta(days=300),
        lapses_at=services.end_of_day(today + dt.timedelta(days=300)),
    )
    assert services.staffing_compliance(coal).ok


def test_demo_alumina_plant_is_complete_and_coal_mine_is_not(alumina, coal):
    assert services.staffing_compliance(alumina).ok
    missing = services.staffing_compliance(coal).missing
    assert len(missing) == 3  # body/full-time, director, engineer


def test_compliance_page_scoped(client_for):
    enterprise = client_for("enterprise").get("/workforce/compliance/")
    assert enterprise.status_code == 200
    rows = [r.enterprise.name for r in enterprise.context["rows"]]
    assert rows == ["山西河源氧化铝有限公司", "山西河源氧化铝有限公司赤泥堆场"]
    office = client_for("office").get("/workforce/compliance/?missing=1")
    assert "平陆县鸿岭煤业有限公司（基建矿井）" in [
        r.enterprise.name for r in office.context["rows"]
    ]
    assert office.context["total"] == 15
    housing = client_for("housing").get("/workforce/compliance/")
    names = {r.enterprise.name for r in housing.context["rows"]}
    assert "山西河源氧化铝有限公司" not in names
    assert "平陆县城南棚户区改造项目（示例工地）" in names
