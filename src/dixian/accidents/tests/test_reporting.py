"""Accident reports: live grading, the 1-hour and 2-hour clocks with a controlled clock,
supplementary reports that re-grade, and the audit chain as proof."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dixian.accidents import services
from dixian.accidents.models import (
    Accident,
    AccidentClock,
    ClockKind,
    ClockState,
    SupplementaryReport,
)
from dixian.core import clock, deadlines
from dixian.core.models import AuditEvent, Message, Organisation

T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Pinglu


def make(users, *, deaths=0, injuries=0, loss=0, learned=T0, received=None, category="general"):
    unit = Organisation.objects.get(name="平陆县福源面粉有限公司")
    acc = Accident(
        title="粉尘爆炸（测试）",
        unit=unit,
        category=category,
        unit_overview="面粉加工企业",
        occurred_at=T0 - dt.timedelta(minutes=10),
        place="制粉车间",
        course="除尘器爆炸",
        deaths=deaths,
        serious_injuries=injuries,
        direct_loss_yuan=Decimal(loss),
        measures="停产撤人",
        learned_at=learned,
        received_at=received,
    )
    return services.report_accident(actor=users["duty"], accident=acc)


def clocks(acc):
    return {c.kind: c for c in AccidentClock.objects.filter(accident=acc)}


@pytest.mark.django_db
def test_first_report_is_graded_live_and_starts_the_forward_clock(users):
    with clock.frozen(T0 + dt.timedelta(minutes=30)):
        acc = make(users, deaths=3)
    assert (acc.grade, acc.report_up_to, acc.investigated_by) == (
        "relatively_serious",
        "province",
        "city",
    )
    assert acc.number.startswith("SG2026-")
    c = clocks(acc)
    assert c[ClockKind.REPORT_COUNTY].state == ClockState.MET
    assert not c[ClockKind.REPORT_COUNTY].late and not acc.late_reported
    fwd = c[ClockKind.FORWARD_CITY]
    assert fwd.due_at == T0 + dt.timedelta(minutes=30, hours=2)
    assert fwd.state == ClockState.RUNNING
    assert Message.objects.filter(recipient=users["office"], link__contains=f"/{acc.pk}/").exists()


@pytest.mark.django_db
def test_unit_report_after_one_hour_is_late(users):
    with clock.frozen(T0 + dt.timedelta(hours=1, minutes=1)):
        acc = make(users)
    assert acc.late_reported
    assert clocks(acc)[ClockKind.REPORT_COUNTY].late
    assert AuditEvent.objects.filter(action="accident.late_report", object_id=str(acc.pk)).exists()


@pytest.mark.django_db
def test_unit_report_exactly_at_one_hour_is_on_time(users):
    with clock.frozen(T0 + dt.timedelta(hours=1)):
        acc = make(users)
    assert not acc.late_reported


@pytest.mark.django_db
def test_forward_on_time_then_by_a_second_level(users):
    with clock.frozen(T0):
        acc = make(users, deaths=3)  # 较大: county → city → province
    with clock.frozen(T0 + dt.timedelta(hours=2)):
        assert deadlines.sweep()["accidents-clocks-overdue"] == 0
        c = services.forward(actor=users["duty"], accident=acc)
    assert c.kind == ClockKind.FORWARD_CITY and not c.late
    prov = clocks(acc)[ClockKind.FORWARD_PROVINCE]
    assert prov.due_at == T0 + dt.timedelta(hours=4)
    with clock.frozen(T0 + dt.timedelta(hours=3)):
        c2 = services.forward(actor=users["office"], accident=acc)
    assert c2.kind == ClockKind.FORWARD_PROVINCE and not c2.late
    assert ClockKind.FORWARD_STATE_COUNCIL not in clocks(acc)
    with pytest.raises(ValidationError):
        services.forward(actor=users["office"], accident=acc)  # already at the province
    assert AuditEvent.objects.filter(action="accident.forward", object_id=str(acc.pk)).count() == 2


@pytest.mark.django_db
def test_forward_missed_by_a_minute_is_flagged_late_by_the_sweeper(users):
    with clock.frozen(T0):
        acc = make(users)
    fwd = clocks(acc)[ClockKind.FORWARD_CITY]
    with clock.frozen(fwd.due_at - dt.timedelta(seconds=1)):
        deadlines.sweep()
    fwd.refresh_from_db()
    assert fwd.state == ClockState.RUNNING
    with clock.frozen(fwd.due_at + dt.timedelta(minutes=1)):
        deadlines.sweep()
        deadlines.sweep()  # idempotent
    fwd.refresh_from_db()
    assert fwd.state == ClockState.OVERDUE and fwd.late
    events = AuditEvent.objects.filter(action="accidentclock.overdue", object_id=str(fwd.pk))
    assert events.count() == 1
    assert Message.objects.filter(
        recipient=users["office"], dedupe_key__startswith=f"accidentclock:{fwd.pk}:"
    ).exists()
    # Forwarding afterwards is recorded, and stays late.
    with clock.frozen(fwd.due_at + dt.timedelta(minutes=5)):
        c = services.forward(actor=users["duty"], accident=acc)
    assert c.state == ClockState.MET and c.late


@pytest.mark.django_db
def test_supplement_within_30_days_raises_the_grade_and_extends_the_chain(users):
    with clock.frozen(T0):
        acc = make(users, deaths=1)
    with clock.frozen(T0 + dt.timedelta(hours=1)):
        services.forward(actor=users["duty"], accident=acc)  # reached the city: done
    assert services.pending_forward(acc) is None
    at = T0 + dt.timedelta(days=10)
    with clock.frozen(at):
        services.supplement(
            actor=users["duty"],
            accident=acc,
            report=SupplementaryReport(
                deaths=3, serious_injuries=0, direct_loss_yuan=Decimal(0), text="伤者抢救无效"
            ),
        )
    acc.refresh_from_db()
    assert (acc.grade, acc.investigated_by) == ("relatively_serious", "city")
    prov = clocks(acc)[ClockKind.FORWARD_PROVINCE]
    assert prov.started_at == at and prov.due_at == at + dt.timedelta(hours=2)
    s = acc.supplements.get()
    assert (s.grade_before, s.grade_after, s.within_window) == (
        "ordinary",
        "relatively_serious",
        True,
    )


@pytest.mark.django_db
def test_supplement_after_7_days_for_road_traffic_does_not_regrade(users):
    with clock.frozen(T0):
        acc = make(users, deaths=1, category="road_traffic")
    with clock.frozen(T0 + dt.timedelta(days=8)):
        services.supplement(
            actor=users["duty"],
            accident=acc,
            report=SupplementaryReport(
                deaths=4, serious_injuries=0, direct_loss_yuan=Decimal(0), text="late change"
            ),
        )
    acc.refresh_from_db()
    assert acc.grade == "ordinary" and acc.deaths == 1
    assert not acc.supplements.get().within_window


@pytest.mark.django_db
def test_times_must_be_in_order(users):
    with clock.frozen(T0), pytest.raises(ValidationError):
        make(users, learned=T0 - dt.timedelta(hours=1))  # before it happened


@pytest.mark.django_db
def test_enterprise_cannot_forward_or_see_others(users, client_for):
    with clock.frozen(T0):
        acc = make(users)
    assert not Accident.objects.restrict(users["enterprise"]).filter(pk=acc.pk).exists()
    assert client_for("enterprise").get(f"/accidents/{acc.pk}/").status_code == 404
    assert client_for("inspector").get(f"/accidents/{acc.pk}/").status_code == 200  # 工贸
    assert client_for("housing").get(f"/accidents/{acc.pk}/").status_code == 404
