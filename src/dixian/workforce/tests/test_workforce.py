"""Workforce: posts, certificates, training, the training gate (未经培训合格不得上岗),
certificate deadlines and reminders, 反“三违” follow-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from dixian.core import deadlines
from dixian.core.models import Message, Person, Reminder
from dixian.workforce import services
from dixian.workforce.models import (
    BreachState,
    Certificate,
    CertificateState,
    CertificateType,
    Employee,
    Post,
    RuleBreach,
    TrainingRecord,
)

D = dt.date


@pytest.fixture
def world(alumina, users):
    mill = alumina
    electrician = CertificateType.objects.get(code="electrician")
    post = Post.objects.create(
        enterprise=mill, name="电工（测试）", required_certificate=electrician, training_hours=8
    )
    person = Person.objects.create(org=mill, name="新员工（测试）")
    employee = Employee.objects.create(enterprise=mill, person=person)
    return {"post": post, "person": person, "employee": employee, "kind": electrician}


ISSUED = D(2024, 1, 1)


def certify(person, kind, until, actor, issued=ISSUED, review=None):
    cert = Certificate(
        person=person,
        kind=kind,
        number="T-1",
        issuer="运城市应急管理局",
        issued_on=issued,
        valid_until=until,
        review_due=review,
    )
    return services.certificate_save(actor=actor, instance=cert)


def train(person, day, hours=8, passed=True):
    return TrainingRecord.objects.create(
        enterprise=person.org,
        person=person,
        topic="岗前培训",
        trained_on=day,
        hours=Decimal(hours),
        passed=passed,
    )


def test_gate_refuses_a_post_without_certificate(world, users, frozen):
    with frozen(D(2025, 3, 1)), translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            services.assign_post(
                actor=users["admin"], employee=world["employee"], post=world["post"]
            )
    messages = exc.value.message_dict["post"]
    assert any("holds no valid" in m and "电工作业" in m for m in messages)
    assert any("has not passed the safety training" in m for m in messages)
    world["employee"].refresh_from_db()
    assert world["employee"].post is None


def test_gate_admits_the_qualified_and_catches_a_later_expiry(world, users, frozen):
    person = world["person"]
    with frozen(D(2025, 3, 1)):
        certify(person, world["kind"], D(2025, 6, 30), users["admin"])
        train(person, D(2025, 2, 1), hours=8)
        services.assign_post(actor=users["admin"], employee=world["employee"], post=world["post"])
        assert not gate(users["admin"], world)
    with frozen(D(2025, 6, 30)):
        assert not gate(users["admin"], world)  # the last valid day
    with frozen(D(2025, 7, 1)):
        assert gate(users["enterprise"], world)
        # The enterprise's department sees it too; 县住建局 does not.
        assert gate(users["inspector"], world)
        assert not services.unqualified_on_posts(users["housing"])


def gate(user, world):
    """Whether the gate page's rows list the test employee."""
    return [r for r in services.unqualified_on_posts(user) if r["employee"] == world["employee"]]


def test_training_hours_and_validity_period(world, users, frozen):
    person, post = world["person"], world["post"]
    post.required_certificate = None
    post.save()
    with frozen(D(2025, 3, 1)):
        train(person, D(2025, 2, 1), hours=4)
        train(person, D(2025, 2, 2), hours=4, passed=False)
        assert services.qualification_problems(person, post)  # 4 of 8 hours
        train(person, D(2025, 2, 3), hours=4)
        assert not services.qualification_problems(person, post)  # 8 of 8
    with frozen(D(2026, 2, 2)):  # training older than 12 months no longer counts
        assert services.qualification_problems(person, post)


def test_review_date_counts_as_expiry(world, users, frozen):
    with frozen(D(2025, 3, 1)):
        cert = certify(
            world["person"], world["kind"], D(2030, 1, 1), users["admin"], review=D(2025, 5, 31)
        )
        assert cert.is_valid_on(D(2025, 5, 31)) and not cert.is_valid_on(D(2025, 6, 1))


def test_certificate_lapses_by_the_sweeper_once_and_warns(world, users, frozen):
    person, kind = world["person"], world["kind"]
    with frozen(D(2025, 3, 1)):
        cert = certify(person, kind, D(2025, 6, 30), users["admin"])
        train(person, D(2025, 2, 1), hours=8)
        services.assign_post(actor=users["admin"], employee=world["employee"], post=world["post"])
        reminder = Reminder.objects.get(dedupe_key=f"workforce-cert:{cert.pk}:2025-06-30")
        assert reminder.due_at.date() == D(2025, 5, 31)
        assert deadlines.sweep()["workforce-certificates-lapse"] == 0
    with frozen(D(2025, 7, 1)) as now:
        assert deadlines.sweep(now)["workforce-certificates-lapse"] >= 1
        assert deadlines.sweep(now)["workforce-certificates-lapse"] == 0
    cert.refresh_from_db()
    assert cert.state == CertificateState.LAPSED
    assert Message.objects.filter(recipient=users["enterprise"], link="/workforce/gate/").exists()


def test_renewal_reschedules_the_reminder(world, users, frozen):
    with frozen(D(2025, 3, 1)):
        cert = certify(world["person"], world["kind"], D(2025, 6, 30), users["admin"])
        cert.valid_until = D(2031, 6, 30)
        services.certificate_save(actor=users["admin"], instance=cert)
    old = Reminder.objects.get(dedupe_key=f"workforce-cert:{cert.pk}:2025-06-30")
    assert old.state == Reminder.State.CANCELLED
    assert Reminder.objects.filter(dedupe_key=f"workforce-cert:{cert.pk}:2031-06-30").exists()


def test_demo_gate_shows_the_expired_electrician(client_for):
    page = client_for("enterprise").get("/workforce/gate/")
    names = [r["employee"].person.name for r in page.context["rows"]]
    assert names == ["赵海涛（示例）"]
    assert "赵海涛（示例）" in page.content.decode()


def test_employee_page_refuses_the_unqualified_with_the_message(client_for, alumina):
    employee = Employee.objects.get(person__name="郑国庆（示例）")
    post = Post.objects.get(enterprise=alumina, name="电工")
    c = client_for("enterprise")
    r = c.post(
        f"/workforce/employees/{employee.pk}/edit/",
        {
            "enterprise": alumina.pk,
            "person": employee.person_id,
            "staff_number": employee.staff_number,
            "post": post.pk,
            "is_active": "on",
        },
    )
    assert r.status_code == 200
    assert "特种作业操作证·电工作业" in " ".join(r.context["form"].errors["post"])
    employee.refresh_from_db()
    assert employee.post is None


def test_breach_follow_up_and_overdue(users, alumina, frozen):
    with frozen(D(2025, 3, 1)):
        breach = RuleBreach(
            enterprise=alumina,
            kind="command",
            occurred_on=D(2025, 2, 27),
            description="班长安排无证人员动火",
            corrective_action="停工，培训",
            due_date=D(2025, 3, 10),
        )
        breach = services.breach_save(actor=users["enterprise"], instance=breach)
    with frozen(D(2025, 3, 11)) as now:
        deadlines.sweep(now)
    breach.refresh_from_db()
    assert breach.state == BreachState.OVERDUE
    with pytest.raises(ValidationError):
        services.close_breach(actor=users["enterprise"], breach=breach, note="")
    services.close_breach(actor=users["enterprise"], breach=breach, note="已培训")
    breach.refresh_from_db()
    assert breach.state == BreachState.CLOSED and breach.closing_note == "已培训"
