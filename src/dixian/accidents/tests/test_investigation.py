"""Investigation deadlines, 四不放过 closure, accountability and bulletins."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dixian.accidents import services
from dixian.accidents.models import (
    Accident,
    Bulletin,
    BulletinReceipt,
    ClockKind,
    DishonestyListing,
    FourNoItem,
    Investigation,
)
from dixian.core import clock
from dixian.core.models import Industry, Message, Organisation

T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)

REPORT = {
    "course": "经过",
    "causes": "除尘系统未接地",
    "nature": "liability",
    "responsibility": "企业主要负责人负有责任",
    "measures": "全面整改粉尘涉爆场所",
}


@pytest.fixture
def inv(users):
    with clock.frozen(T0):
        acc = services.report_accident(
            actor=users["duty"],
            accident=Accident(
                title="机械伤害（测试）",
                unit=Organisation.objects.get(name="平陆县福源面粉有限公司"),
                unit_overview="x",
                occurred_at=T0,
                place="车间",
                course="x",
                deaths=1,
                measures="x",
                learned_at=T0,
            ),
        )
        return services.start_investigation(
            actor=users["office"],
            accident=acc,
            inv=Investigation(lead="县应急局局长", started_on=dt.date(2026, 3, 3)),
        )


@pytest.mark.django_db
def test_investigation_deadlines(inv, users):
    assert inv.due_on == dt.date(2026, 3, 2) + dt.timedelta(days=60)
    c = inv.accident.clocks.get(kind=ClockKind.INVESTIGATION)
    with clock.frozen(T0):
        services.extend_investigation(
            actor=users["office"], inv=inv, extension_days=30, approval="县政府", appraisal_days=10
        )
    assert inv.due_on == dt.date(2026, 3, 2) + dt.timedelta(days=100)
    c.refresh_from_db()
    assert c.due_at.date() >= inv.due_on
    with pytest.raises(ValidationError):
        services.extend_investigation(
            actor=users["office"], inv=inv, extension_days=61, approval="x", appraisal_days=0
        )
    with pytest.raises(ValidationError):
        services.extend_investigation(
            actor=users["office"], inv=inv, extension_days=10, approval="", appraisal_days=0
        )
    services.submit_report(
        actor=users["office"], inv=inv, data=REPORT, submitted_on=dt.date(2026, 5, 1)
    )
    assert inv.reply_due_on == dt.date(2026, 5, 16)  # 15 days
    services.record_reply(actor=users["office"], inv=inv, replied_on=dt.date(2026, 5, 10))
    assert inv.follow_up_due_on == dt.date(2027, 5, 10)
    kinds = set(inv.accident.clocks.values_list("kind", flat=True))
    assert {ClockKind.INVESTIGATION, ClockKind.REPLY, ClockKind.FOLLOW_UP} <= kinds


@pytest.mark.django_db
def test_closing_needs_all_four_items(inv, users):
    services.submit_report(
        actor=users["office"], inv=inv, data=REPORT, submitted_on=dt.date(2026, 4, 1)
    )
    for item in (FourNoItem.CAUSE, FourNoItem.PERSONS, FourNoItem.MEASURES):
        services.add_evidence(actor=users["office"], inv=inv, item=item, evidence="证据")
    with pytest.raises(ValidationError) as err:
        services.close_investigation(actor=users["office"], inv=inv)
    assert "有关人员未受到教育不放过" in str(err.value)
    services.add_evidence(
        actor=users["office"], inv=inv, item=FourNoItem.EDUCATION, evidence="警示教育会议纪要"
    )
    services.close_investigation(actor=users["office"], inv=inv)
    inv.refresh_from_db()
    assert inv.state == "closed"


@pytest.mark.django_db
def test_close_refused_page_shows_message(inv, users, client_for):
    c = client_for("office")
    r = c.post(f"/accidents/investigations/{inv.pk}/act/", {"op": "close"}, follow=True)
    assert r.status_code == 200
    inv.refresh_from_db()
    assert inv.state == "open"
    assert "investigation report" in r.content.decode() or "调查报告" in r.content.decode()


@pytest.mark.django_db
def test_enterprise_reads_but_cannot_change_the_investigation(inv, users):
    ent = users["enterprise"]
    assert not Investigation.objects.restrict(ent).filter(pk=inv.pk).exists()  # other unit
    assert Investigation.objects.restrict(users["inspector"], "change").filter(pk=inv.pk).exists()


@pytest.mark.django_db
def test_bulletin_goes_to_same_industry_with_receipts(users, client_for):
    office = users["office"]
    b = Bulletin.objects.create(
        title="关于粉尘爆炸事故的通报",
        body="各企业要深刻吸取教训。",
        issuer=office.org,
    )
    b.industries.set([Industry.objects.get(code="nonferrous")])
    n = services.send_bulletin(actor=office, bulletin=b)
    assert n >= 1
    plant = Organisation.objects.get(name="山西河源氧化铝有限公司")
    receipt = BulletinReceipt.objects.get(bulletin=b, enterprise=plant)
    assert receipt.read_at is None
    assert not BulletinReceipt.objects.filter(
        bulletin=b, enterprise__name="平陆县恒信化工有限公司"
    ).exists()
    assert Message.objects.filter(
        recipient=users["enterprise"], link__endswith=f"/{b.pk}/"
    ).exists()
    c = client_for("enterprise")
    assert c.get(f"/accidents/bulletins/{b.pk}/").status_code == 200
    c.post(f"/accidents/bulletins/{b.pk}/act/", {"op": "ack"})
    receipt.refresh_from_db()
    assert receipt.read_at is not None and receipt.read_by == users["enterprise"]
    with pytest.raises(ValidationError):
        services.send_bulletin(actor=office, bulletin=b)


@pytest.mark.django_db
def test_dishonesty_listing_removal(users):
    plant = Organisation.objects.get(name="山西河源氧化铝有限公司")
    listing = DishonestyListing.objects.create(
        subject=plant,
        reason="瞒报事故",
        listed_on=dt.date(2026, 1, 1),
        expires_on=dt.date(2027, 1, 1),
    )
    with pytest.raises(ValidationError):
        services.remove_listing(
            actor=users["office"], listing=listing, on=dt.date.today(), reason=""
        )
    services.remove_listing(
        actor=users["office"], listing=listing, on=dt.date(2027, 1, 2), reason="期满移出"
    )
    assert not listing.active
    assert not DishonestyListing.objects.restrict(users["enterprise"], "change").exists()
    assert Decimal(0) == Decimal(0)
