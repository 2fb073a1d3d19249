"""Drill compliance, duty coverage gaps, plan clocks and uploads, stock, nearest resources."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dixian.core import clock, deadlines
from dixian.core.models import Message, Organisation
from dixian.emergency import selectors, services
from dixian.emergency.models import (
    Drill,
    DrillAction,
    DrillRule,
    DutyShift,
    Plan,
    PlanRecord,
    ReserveItem,
    Warehouse,
)
from dixian.emergency.services import LOCAL


def county_row(user, day=None):
    rule = DrillRule.objects.get(subject="county")
    rows = selectors.compliance(user, rules=[rule], day=day)
    (row,) = [r for r in rows if r["org"].name == "平陆县人民政府"]
    return row


@pytest.mark.django_db
def test_county_comprehensive_drill_due_until_recorded(users):
    day = services.today()
    assert county_row(users["office"])["status"] == "due"
    ema = Organisation.objects.get(name="平陆县应急管理局")
    Drill.objects.create(
        organiser=ema, title="special only", held_on=day, scope="special", form="tabletop"
    )
    assert county_row(users["office"])["status"] == "due"  # a special drill does not count
    Drill.objects.create(
        organiser=ema, title="综合演练", held_on=day, scope="comprehensive", form="full_scale"
    )
    assert county_row(users["office"])["status"] == "ok"


@pytest.mark.django_db
def test_half_year_rule_for_high_risk_enterprises(users):
    rule = DrillRule.objects.get(subject="high_risk")
    plant = Organisation.objects.get(name="山西河源氧化铝有限公司")
    Drill.objects.filter(organiser=plant).delete()
    day = dt.date(2026, 6, 30)
    Drill.objects.create(
        organiser=plant, title="d", held_on=dt.date(2025, 12, 31), scope="on_site", form="tabletop"
    )
    row = next(
        r for r in selectors.compliance(users["enterprise"], [rule], day) if r["org"] == plant
    )
    assert row["due"] == dt.date(2026, 6, 30) and row["status"] == "due"
    row = next(
        r
        for r in selectors.compliance(users["enterprise"], [rule], dt.date(2026, 7, 1))
        if r["org"] == plant
    )
    assert row["status"] == "late"
    # An enterprise sees only itself on the compliance page.
    orgs = {r["org"].pk for r in selectors.compliance(users["enterprise"])}
    assert orgs <= {plant.pk, Organisation.objects.get(name__endswith="赤泥堆场").pk}


@pytest.mark.django_db
def test_reminders_reach_the_late_and_due(users, client_for):
    c = client_for("office")
    r = c.post("/emergency/compliance/remind/")
    assert r.status_code == 302
    gov_users = Organisation.objects.get(name="平陆县人民政府").users.all()
    for u in gov_users:
        assert Message.objects.filter(recipient=u, dedupe_key__startswith="drill:").exists()
    assert client_for("leader").post("/emergency/compliance/remind/").status_code == 404


def test_coverage_gaps():
    t = dt.datetime(2026, 3, 1, tzinfo=LOCAL)
    h = dt.timedelta(hours=1)

    class S:
        def __init__(self, a, b):
            self.starts_at, self.ends_at = t + a * h, t + b * h

    assert selectors.coverage_gaps([S(0, 24), S(24, 48)], t, t + 48 * h) == []
    gaps = selectors.coverage_gaps([S(0, 10), S(12, 30), S(20, 40)], t, t + 48 * h)
    assert gaps == [(t + 10 * h, t + 12 * h), (t + 40 * h, t + 48 * h)]
    assert selectors.coverage_gaps([], t, t + h) == [(t, t + h)]


@pytest.mark.django_db
def test_duty_week_flags_the_demo_gap(users, client_for):
    ema = Organisation.objects.get(name="平陆县应急管理局")
    shifts, gaps, start, end = selectors.duty_week(users["duty"], ema, clock.now())
    assert shifts and len(gaps) >= 1
    r = client_for("duty").get("/emergency/duty/")
    assert r.status_code == 200 and 'data-testid="gaps"' in r.content.decode()
    DutyShift.objects.create(org=ema, starts_at=start, ends_at=end, leader="x", officers="y")
    assert selectors.duty_week(users["duty"], ema, clock.now())[1] == []


@pytest.mark.django_db
def test_plan_evaluation_clock_and_records(users):
    plant = Organisation.objects.get(name="山西河源氧化铝有限公司")
    with clock.frozen(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)):
        p = Plan.objects.create(
            owner=plant, title="t", level="enterprise", kind="on_site",
            published_on=dt.date(2022, 1, 10),
        )  # fmt: skip
        assert p.evaluation_due_at.astimezone(LOCAL).date() == dt.date(2025, 1, 11)
        deadlines.sweep()
    p.refresh_from_db()
    assert p.evaluation_state == "overdue"
    assert Message.objects.filter(
        recipient=users["enterprise"], dedupe_key__startswith=f"plan:{p.pk}:"
    ).exists()
    services.add_record(
        actor=users["enterprise"],
        plan=p,
        record=PlanRecord(kind="evaluation", on=dt.date(2026, 1, 5)),
    )
    p.refresh_from_db()
    assert p.evaluation_state == "running"
    assert p.evaluation_due_at.astimezone(LOCAL).date() == dt.date(2029, 1, 6)


@pytest.mark.django_db
def test_plan_upload_checks_content(users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    plant = Organisation.objects.get(name="山西河源氧化铝有限公司")
    p = Plan.objects.create(
        owner=plant, title="t", level="enterprise", kind="comprehensive",
        published_on=dt.date(2024, 1, 1),
    )  # fmt: skip
    bad = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(ValidationError):
        services.upload_version(actor=users["enterprise"], plan=p, upload=bad, version="v1")
    good = SimpleUploadedFile("plan.pdf", b"%PDF-1.7\n...")
    v = services.upload_version(actor=users["enterprise"], plan=p, upload=good, version="v1")
    assert v.size == 12 and len(v.sha256) == 64


@pytest.mark.django_db
def test_drill_action_overdue_then_closed(users):
    plant = Organisation.objects.get(name="山西河源氧化铝有限公司")
    d = Drill.objects.create(
        organiser=plant, title="d", held_on=dt.date(2026, 1, 1), scope="on_site", form="tabletop"
    )
    a = DrillAction.objects.create(drill=d, text="fix", owner=plant, due_on=dt.date(2026, 2, 1))
    with clock.frozen(dt.datetime(2026, 2, 1, 17, 0, tzinfo=dt.UTC)):  # 2 Feb 01:00 in Pinglu
        deadlines.sweep()
    a.refresh_from_db()
    assert a.state == "overdue"
    services.close_action(actor=users["enterprise"], action=a, on=dt.date(2026, 2, 3), note="done")
    assert a.state == "closed"


@pytest.mark.django_db
def test_stock_never_negative(users):
    w = Warehouse.objects.get(name="平陆县应急物资储备库（示例）")
    item = ReserveItem.objects.get(warehouse=w, name="冲锋舟")
    services.move_stock(actor=users["inspector"], item=item, delta=Decimal(-4), reason="防汛调拨")
    assert item.quantity == 0
    with pytest.raises(ValidationError):
        services.move_stock(actor=users["inspector"], item=item, delta=Decimal(-1), reason="x")


@pytest.mark.django_db
def test_nearest_resources(users, client_for):
    assert selectors.haversine_km(34.0, 111.0, 34.0, 111.0) == 0
    assert 110 < selectors.haversine_km(34.0, 111.0, 35.0, 111.0) < 112
    r = client_for("duty").get("/emergency/nearest/?lat=34.8920&lng=111.4980")
    data = r.json()
    assert data["warehouses"][0]["name"] == "曹川镇应急物资储备点（示例）"
    assert data["warehouses"][0]["km"] < 0.1
    assert client_for("duty").get("/emergency/nearest/?lat=x&lng=1").status_code == 400
    # An enterprise sees only its own resources.
    names = [t["name"] for t in client_for("enterprise").get(
        "/emergency/nearest/?lat=34.85&lng=111.23").json()["teams"]]  # fmt: skip
    assert names == ["河源氧化铝企业专职救援队（示例）"]


@pytest.mark.django_db
def test_daily_job_reminds_the_county_once_per_due_date(users):
    gov = Organisation.objects.get(name="平陆县人民政府")
    assert county_row(users["office"])["status"] == "due"
    before = Message.objects.filter(recipient__org=gov).count()
    sent = services.remind_due_drills()
    assert sent >= 1
    got = Message.objects.filter(recipient__org=gov).count() - before
    assert got >= 1  # the county government's users are told
    services.remind_due_drills()  # the next day's run for the same due date adds nothing
    assert Message.objects.filter(recipient__org=gov).count() - before == got


def test_the_daily_job_is_scheduled():
    # The consumer (`dixian worker`, djhuey's run_huey) autodiscovers each app's tasks module.
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")
    assert "sweep_every_minute" in {t.name for t in HUEY._registry.periodic_tasks}
    assert "daily_drill_reminders" in {t.name for t in HUEY._registry.periodic_tasks}
