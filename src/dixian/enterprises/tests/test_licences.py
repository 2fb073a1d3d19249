"""Licences: recording by the approval bureau, push to supervising departments, expiry
reminders at 90/30/7 days with a controlled clock, the expired flag."""

import datetime as dt

import pytest
from django.utils import timezone

from dixian.core import clock, deadlines
from dixian.core.models import AuditEvent, Message, Organisation, User
from dixian.enterprises import services
from dixian.enterprises.models import Licence, LicenceStatus, LicenceType

pytestmark = pytest.mark.django_db

SHANGHAI = timezone.get_default_timezone()


def at(y, m, d, h=12):
    return timezone.make_aware(dt.datetime(y, m, d, h), SHANGHAI)


def inbox(username, **filters):
    return Message.objects.filter(recipient__username=username, channel="inapp", **filters)


def record(actor, enterprise_name, *, valid_to, number="TEST-001", type_code="hazchem_trade"):
    return services.licence_save(
        actor=actor,
        licence=Licence(),
        data={
            "enterprise": Organisation.objects.get(name=enterprise_name),
            "type": LicenceType.objects.get(code=type_code),
            "number": number,
            "issuer": "平陆县行政审批服务管理局",
            "scope": "甲醇",
            "valid_from": valid_to - dt.timedelta(days=1000),
            "valid_to": valid_to,
            "status": LicenceStatus.VALID,
        },
    )


def test_supervising_departments_follow_jurisdiction():
    names = lambda org: {d.short_name for d in services.supervising_departments(org)}  # noqa: E731
    assert names(Organisation.objects.get(name="平陆县恒信化工有限公司")) == {"县应急局"}
    assert names(Organisation.objects.get(name="平陆县宏达燃气有限公司")) == {"县住建局"}
    # Coal: 应急局, 发改局 and 自然资源局 all supervise it.
    coal = Organisation.objects.get(name="平陆县鸿岭煤业有限公司（基建矿井）")
    assert names(coal) == {"县应急局", "县发改局", "县自然资源局"}
    # The flour mill is 轻工 under 工贸: 应急局 and 工科局 (a remit covers sub-industries).
    assert names(Organisation.objects.get(name="平陆县福源面粉有限公司")) >= {
        "县应急局",
        "县工科局",
    }


def test_approval_bureau_records_and_every_department_gets_it_at_once(users):
    before_inspector = inbox("inspector").count()
    before_duty = inbox("duty").count()  # 值班 also sits in 县应急局
    before_housing = inbox("housing").count()
    with clock.frozen(at(2024, 3, 1)):
        lic = record(users["approval"], "平陆县恒信化工有限公司", valid_to=dt.date(2026, 3, 1))
    assert lic.recorded_by_org == users["approval"].org
    assert inbox("inspector").count() == before_inspector + 1
    assert inbox("duty").count() == before_duty + 1
    assert inbox("housing").count() == before_housing  # gas/construction: not concerned
    msg = inbox("inspector").latest("id")
    assert "平陆县恒信化工有限公司" in msg.subject and "TEST-001" in msg.body
    assert msg.link == f"/enterprises/licences/{lic.pk}/"
    assert AuditEvent.objects.filter(action="licence.create", object_id=str(lic.pk)).exists()
    # A change is pushed as well.
    services.licence_save(actor=users["approval"], licence=lic, data={"scope": "甲醇、乙醇"})
    assert inbox("inspector").count() == before_inspector + 2


def test_approval_bureau_sees_licences_county_wide_but_departments_only_theirs(users):
    approval = Licence.objects.restrict(users["approval"])
    assert approval.count() == Licence.objects.count()
    assert Licence.objects.restrict(users["approval"], "change").count() == Licence.objects.count()
    housing = set(
        Licence.objects.restrict(users["housing"]).values_list("enterprise__name", flat=True)
    )
    assert housing == {"平陆县城南棚户区改造项目（示例工地）", "平陆县宏达燃气有限公司"}
    assert Licence.objects.restrict(users["inspector"], "change").count() == 0
    assert not Licence.scope_may_create(users["inspector"])
    assert Licence.scope_may_create(users["approval"])
    own = set(
        Licence.objects.restrict(users["enterprise"]).values_list("enterprise__name", flat=True)
    )
    assert own <= {"山西河源氧化铝有限公司", "山西河源氧化铝有限公司赤泥堆场"}


def test_licence_page_by_the_approval_bureau(client_for, users):
    c = client_for("approval")
    assert c.get("/enterprises/licences/add/").status_code == 200
    assert client_for("inspector").get("/enterprises/licences/add/").status_code == 404
    target = Organisation.objects.get(name="平陆县宏达燃气有限公司")
    response = c.post(
        "/enterprises/licences/add/",
        {
            "enterprise": target.pk,
            "type": LicenceType.objects.get(code="gas_operation").pk,
            "number": "晋-燃气-999",
            "issuer": "平陆县行政审批服务管理局",
            "valid_from": "2024-01-01",
            "valid_to": "2023-01-01",
            "status": "valid",
        },
    )
    assert 'data-field="valid_to"' in response.content.decode()
    before = inbox("housing").count()
    response = c.post(
        "/enterprises/licences/add/",
        {
            "enterprise": target.pk,
            "type": LicenceType.objects.get(code="gas_operation").pk,
            "number": "晋-燃气-999",
            "issuer": "平陆县行政审批服务管理局",
            "valid_from": "2024-01-01",
            "valid_to": "2030-01-01",
            "status": "valid",
        },
    )
    assert response.status_code == 302
    assert inbox("housing").count() == before + 1
    assert inbox("housing").latest("id").subject.startswith("证照")  # Chinese by default


def test_reminders_at_90_30_7_days_and_expiry(users):
    valid_to = dt.date(2025, 1, 31)
    with clock.frozen(at(2024, 6, 1)):
        lic = record(users["approval"], "平陆县恒信化工有限公司", valid_to=valid_to)
    lic.refresh_from_db()
    assert lic.next_reminder_stage == 90
    assert lic.next_reminder_at == at(2024, 11, 2, 9)  # 90 days before, 09:00 local
    enterprise_users = list(User.objects.filter(org=lic.enterprise))
    sent_subjects = []

    def sweep_at(when):
        with clock.frozen(when):
            deadlines.sweep()
        return list(
            Message.objects.filter(dedupe_key__startswith=f"licence:{lic.pk}:").values_list(
                "subject", flat=True
            )
        )

    assert sweep_at(at(2024, 11, 2, 8)) == []  # an hour early: nothing
    sent_subjects = sweep_at(at(2024, 11, 2, 9))
    assert len(sent_subjects) >= 1 and all("90" in s for s in sent_subjects)
    n90 = len(sent_subjects)
    assert sweep_at(at(2024, 11, 2, 10)) == sent_subjects  # a second sweep sends nothing more
    lic.refresh_from_db()
    assert lic.next_reminder_stage == 30 and lic.reminders_sent == [90]
    assert len(sweep_at(at(2025, 1, 1, 9))) == 2 * n90
    assert len(sweep_at(at(2025, 1, 24, 9))) == 3 * n90
    lic.refresh_from_db()
    with clock.frozen(at(2025, 1, 24, 10)):
        assert lic.next_reminder_stage == 0 and not lic.is_expired
    sweep_at(at(2025, 1, 31, 9))
    lic.refresh_from_db()
    assert lic.status == LicenceStatus.EXPIRED and lic.next_reminder_at is None
    assert lic.reminders_sent == [90, 30, 7, 0]
    # The enterprise and its department were both reminded.
    recipients = set(
        Message.objects.filter(dedupe_key__startswith=f"licence:{lic.pk}:").values_list(
            "recipient__username", flat=True
        )
    )
    assert "inspector" in recipients
    assert {u.username for u in enterprise_users} <= recipients
    assert AuditEvent.objects.filter(action="licence.expired", object_id=str(lic.pk)).exists()


def test_recorded_late_gets_only_the_latest_reminder(users):
    with clock.frozen(at(2024, 6, 1)):
        lic = record(users["approval"], "平陆县恒信化工有限公司", valid_to=dt.date(2024, 6, 21))
        lic.refresh_from_db()
        assert lic.next_reminder_stage == 30
        deadlines.sweep()
    lic.refresh_from_db()
    assert lic.reminders_sent == [30] and lic.next_reminder_stage == 7
    subjects = set(
        Message.objects.filter(dedupe_key__startswith=f"licence:{lic.pk}:").values_list(
            "subject", flat=True
        )
    )
    assert all("30" in s for s in subjects)


def test_renewal_restarts_the_reminders(users):
    with clock.frozen(at(2024, 6, 1)):
        lic = record(users["approval"], "平陆县恒信化工有限公司", valid_to=dt.date(2024, 6, 21))
        deadlines.sweep()
        lic.refresh_from_db()
        lic = services.licence_save(
            actor=users["approval"], licence=lic, data={"valid_to": dt.date(2027, 6, 21)}
        )
    assert lic.reminders_sent == [] and lic.next_reminder_stage == 90


def test_expired_licence_is_flagged(users, client_for):
    with clock.frozen(at(2024, 6, 1)):
        lic = record(users["approval"], "平陆县恒信化工有限公司", valid_to=dt.date(2024, 5, 1))
    assert lic.status == LicenceStatus.EXPIRED and lic.next_reminder_at is None
    page = client_for("inspector").get(f"/enterprises/licences/{lic.pk}/").content.decode()
    assert 'data-testid="expired"' in page
    listed = client_for("inspector").get("/enterprises/licences/?expiry=expired&export=csv")
    assert "TEST-001" in b"".join(listed.streaming_content).decode("utf-8-sig")


def test_demo_has_a_licence_expiring_within_30_days():
    today = timezone.localtime(clock.now()).date()
    soon = Licence.objects.filter(
        valid_to__gte=today, valid_to__lte=today + dt.timedelta(days=30), status="valid"
    )
    assert soon.exists()
    assert soon.first().next_reminder_stage in (30, 7)


def test_api_records_a_licence_and_pushes(client_for):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(User.objects.get(username="approval"))
    target = Organisation.objects.get(name="平陆县恒信化工有限公司")
    before = inbox("inspector").count()
    response = api.post(
        "/api/v1/licences/",
        {
            "enterprise": target.pk,
            "type": LicenceType.objects.get(code="safety_production").pk,
            "number": "API-1",
            "issuer": "平陆县行政审批服务管理局",
            "valid_from": "2024-01-01",
            "valid_to": "2030-01-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert inbox("inspector").count() == before + 1
    inspector = APIClient()
    inspector.force_authenticate(User.objects.get(username="inspector"))
    assert inspector.get(f"/api/v1/licences/{response.json()['id']}/").status_code == 200
    refused = inspector.post("/api/v1/licences/", {"number": "x"}, format="json")
    assert refused.status_code in (400, 403)
    assert (
        inspector.patch(
            f"/api/v1/licences/{response.json()['id']}/", {"scope": "x"}, format="json"
        ).status_code
        == 403
    )
